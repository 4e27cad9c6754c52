"""A local Hugging Face causal language model as the likelihood family's scorer (``--likelihood-model``).

Why it looks like this:

* Offline, always. The model is a folder (``save_pretrained``'s output: config.json, weights,
  tokenizer files) loaded with ``local_files_only=True``; a name is never resolved, so nothing
  can be downloaded. :func:`check_folder` refuses an unknown path or a folder that is not a
  causal LM when the settings are read, before the long pass over the corpora.
* The same quantity as the n-gram scorer: per document, the mean negative log-probability
  (natural log) of its tokens, each given the tokens before it. The text is tokenized by the
  folder's own tokenizer, without special tokens; the model's BOS token (its EOS when it has no
  BOS, as GPT-2) is put first so the document's first token is predicted too. A document longer
  than the model's context is cut to it (BOS included): only its beginning is scored, and the
  cut documents and tokens are counted.
* Deterministic and bounded. CPU, eval mode, ``torch.no_grad``. Documents are scored in
  canonical batches (sorted by token length, then position) of at most :data:`LOGIT_ELEMENTS`
  logits, so the same texts give the same numbers whatever else runs, and memory stays near
  a quarter of a gigabyte of logits even for GPT-2's 50,257-word vocabulary. Batches are padded
  on the right (with the pad token, else EOS: GPT-2 has no pad token) and the padding is masked
  out of attention and out of the mean.
"""

from __future__ import annotations

import json
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import util
from pathlib import Path
from typing import Any

import numpy as np

from auditor.errors import Errors, UsageError, stat_path

EXTRA = "likelihood-neural"
INSTALL_HINT = f"pip install 'corpus-auditor[{EXTRA}]' (torch first: pip install torch)"
LOGIT_ELEMENTS = 64 * 1024 * 1024
"""At most this many float32 logits per batch (256 MB): tokens per batch = this / vocabulary size."""
MAX_BATCH_DOCS = 64
WEIGHT_PATTERNS = ("*.safetensors", "pytorch_model*.bin", "*.safetensors.index.json")
TOKENIZER_FILES = ("tokenizer.json", "vocab.json", "tokenizer.model", "spiece.model", "vocab.txt")


def missing_dependency() -> str | None:
    """Why a neural likelihood model cannot run here, or None if it can."""
    for module in ("transformers", "torch"):
        if util.find_spec(module) is None:
            return f"--likelihood-model needs the {EXTRA} extra ({module} missing): {INSTALL_HINT}"
    return None


def check_folder(path: str) -> None:
    """Refuse, with one line naming ``path``, anything but a local causal LM folder.

    Reads only the folder's listing and config.json (and, when transformers is installed, its
    table of model types that have a causal LM head), so settings are checked in milliseconds,
    before the corpora are read. Loading can still fail later on a corrupt weights file (E064).
    """
    folder = Path(path).expanduser()
    st = stat_path(folder)
    if st is None:
        raise UsageError(Errors.E062.format(path=path))
    if not stat.S_ISDIR(st.st_mode):
        raise UsageError(Errors.E063.format(path=path, reason="a file, not a folder"))
    config_file = folder / "config.json"
    st = stat_path(config_file)
    if st is None or not stat.S_ISREG(st.st_mode):
        raise UsageError(Errors.E063.format(path=path, reason="no config.json in it"))
    try:
        config = json.loads(config_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(Errors.E063.format(path=path, reason=f"config.json is not readable JSON: {exc}")) from None
    model_type = config.get("model_type") if isinstance(config, dict) else None
    if not isinstance(model_type, str):
        raise UsageError(Errors.E063.format(path=path, reason="config.json names no model_type"))
    causal = causal_model_types()
    architectures = config.get("architectures") or []
    if causal is not None:
        types, classes = causal
        heads = [a for a in architectures if a in classes]
        if model_type not in types or (architectures and not heads):
            named = ", ".join(str(a) for a in architectures) or "no architecture named"
            raise UsageError(
                Errors.E063.format(
                    path=path, reason=f"model type '{model_type}' ({named}) has no causal language-model head"
                )
            )
    if not any(any(folder.glob(pattern)) for pattern in WEIGHT_PATTERNS):
        raise UsageError(Errors.E063.format(path=path, reason="no weights (model.safetensors or pytorch_model.bin)"))
    if not any((folder / name).is_file() for name in TOKENIZER_FILES):
        raise UsageError(Errors.E063.format(path=path, reason=f"no tokenizer files ({', '.join(TOKENIZER_FILES)})"))


def causal_model_types() -> tuple[set[str], set[str]] | None:
    """The model types transformers loads as causal LMs and their classes, or None without transformers.

    A config's ``architectures`` name the head it was saved with: BERT has a causal head
    (``BertLMHeadModel``), but a folder saved from ``BertForMaskedLM`` is not a causal LM.
    """
    if missing_dependency() is not None:
        return None
    try:
        from transformers.models.auto.modeling_auto import MODEL_FOR_CAUSAL_LM_MAPPING_NAMES
    except ImportError:  # a transformers without this table: loading will tell
        return None
    return set(MODEL_FOR_CAUSAL_LM_MAPPING_NAMES), set(MODEL_FOR_CAUSAL_LM_MAPPING_NAMES.values())


@dataclass
class CausalLM:
    """A loaded model, its tokenizer, and what metrics.json says about it."""

    model: Any
    tokenizer: Any
    path: str
    """The folder, resolved."""
    model_type: str
    context_length: int
    """Tokens the model reads at once (BOS included); longer documents are cut to it."""
    vocab_size: int
    """Size of the model's output distribution."""
    bos: int | None
    """Put before every document (BOS, else EOS); None when the tokenizer has neither."""
    pad: int

    def describe(self) -> dict[str, Any]:
        """The model's entry in metrics.json's artifacts."""
        return {
            "path": self.path,
            "name": Path(self.path).name,
            "model_type": self.model_type,
            "context_length": self.context_length,
            "vocab_size": self.vocab_size,
            "first_token": None if self.bos is None else self.tokenizer.convert_ids_to_tokens(self.bos),
        }


def load(path: str) -> CausalLM:
    """Load the folder's model and tokenizer on CPU, offline, in eval mode (see module docstring)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # "sequence longer than the maximum": we cut and count ourselves
    hf_logging.disable_progress_bar()
    check_folder(path)
    folder = str(Path(path).expanduser().resolve())
    try:
        tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        model = AutoModelForCausalLM.from_pretrained(folder, local_files_only=True)
    except Exception as exc:  # third-party code reading the user's files: SafetensorError, OSError...
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        detail = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
        raise UsageError(Errors.E064.format(path=path, detail=detail)) from None
    model = model.to("cpu").float()  # float32 whatever the folder stores: the same numbers on every CPU
    model.eval()
    config = model.config
    limits = [getattr(config, name, None) for name in ("max_position_embeddings", "n_positions", "n_ctx")]
    limits.append(getattr(tokenizer, "model_max_length", None))
    context = min((int(v) for v in limits if isinstance(v, int) and 1 < v < 1_000_000), default=1024)
    bos = tokenizer.bos_token_id if tokenizer.bos_token_id is not None else tokenizer.eos_token_id
    pad = next((t for t in (tokenizer.pad_token_id, tokenizer.eos_token_id, bos) if t is not None), 0)
    vocab_size = int(model.get_output_embeddings().weight.shape[0])
    return CausalLM(model, tokenizer, folder, str(config.model_type), context, vocab_size, bos, int(pad))


@dataclass
class Scores:
    """Per document: mean negative log-probability (nats; NaN when no token is predicted)."""

    log_perplexity: np.ndarray
    tokens: np.ndarray
    """Tokens predicted per document (after the cut; without a BOS the first token is only read)."""
    truncated: np.ndarray
    """Tokens cut from each document (0 for most)."""


def encode(lm: CausalLM, texts: Sequence[str]) -> tuple[list[list[int]], np.ndarray]:
    """Each text's model input (BOS first, cut to the context) and how many tokens were cut."""
    encoded = lm.tokenizer(list(texts), add_special_tokens=False)["input_ids"] if texts else []
    first = [] if lm.bos is None else [lm.bos]
    inputs, cut = [], []
    for ids in encoded:
        full = first + list(ids)
        inputs.append(full[: lm.context_length])
        cut.append(max(0, len(full) - lm.context_length))
    return inputs, np.array(cut, dtype=np.int64)


def batches(lengths: Sequence[int], vocab_size: int) -> list[list[int]]:
    """Canonical batches: documents sorted by length (then position), each batch's logits bounded."""
    budget = max(1, LOGIT_ELEMENTS // max(1, vocab_size))
    out: list[list[int]] = []
    current: list[int] = []
    for i in sorted(range(len(lengths)), key=lambda i: (lengths[i], i)):
        longest = lengths[i]  # ascending order: the newcomer is the longest
        if current and ((len(current) + 1) * longest > budget or len(current) >= MAX_BATCH_DOCS):
            out.append(current)
            current = []
        current.append(i)
    if current:
        out.append(current)
    return out


def score(lm: CausalLM, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> Scores:
    """Every text's mean negative log-probability under the model (see module docstring)."""
    import torch

    inputs, cut = encode(lm, texts)
    lengths = [len(ids) for ids in inputs]
    values = np.full(len(inputs), np.nan)
    done = 0
    with torch.no_grad():
        for batch in batches(lengths, lm.vocab_size):
            width = max(lengths[i] for i in batch)
            ids = torch.full((len(batch), width), lm.pad, dtype=torch.long)
            mask = torch.zeros((len(batch), width), dtype=torch.long)
            for row, i in enumerate(batch):
                ids[row, : lengths[i]] = torch.tensor(inputs[i], dtype=torch.long)
                mask[row, : lengths[i]] = 1
            if width > 1:
                logits = lm.model(input_ids=ids, attention_mask=mask).logits[:, :-1].float()
                log_p = torch.log_softmax(logits, dim=-1).gather(-1, ids[:, 1:].unsqueeze(-1)).squeeze(-1)
                keep = mask[:, 1:].to(torch.float64)
                total = (log_p.to(torch.float64) * keep).sum(dim=1)
                count = keep.sum(dim=1)
                for row, i in enumerate(batch):
                    if count[row] > 0:
                        values[i] = -float(total[row]) / float(count[row])
            done += len(batch)
            if progress is not None:
                progress(done)
    predicted = np.array([max(0, n - 1) for n in lengths], dtype=np.int64)  # every input token but the first
    return Scores(values, predicted, cut)
