"""``auditor simulate``: make a collapsing series of corpora from human text (an n-gram model)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from auditor.cli.console import _guarded, _interactive
from auditor.text.terminal import terminal_safe


@_guarded
def simulate_cli(
    seed_corpus: Path = typer.Argument(..., help="Human text to start from (any format `audit` reads)."),
    out: Path = typer.Option(..., "--out", "-o", help="Folder for gen0.jsonl ... genN.jsonl and manifest.json."),
    generations: int = typer.Option(5, help="Generations to simulate after gen0."),
    docs: Optional[int] = typer.Option(None, help="Documents per generation (default: all of the seed corpus)."),
    order: int = typer.Option(3, help="n-gram order of the model trained on each generation."),
    temperature: float = typer.Option(1.0, help="Sampling temperature."),
    top_p: float = typer.Option(1.0, help="Nucleus sampling: keep the most probable tokens up to this mass (1 = off)."),
    top_k: int = typer.Option(0, help="Keep only the k most probable tokens (0 = off)."),
    mix_real: float = typer.Option(0.0, help="Share of human (gen0) documents in each later training set."),
    seed: int = typer.Option(0, help="Seed: the same seed and settings give byte-identical files."),
    text_field: str = typer.Option("text", help="Field with the text in JSON/CSV/Parquet/Arrow input (a path works)."),
    format: Optional[str] = typer.Option(
        None, "--format", help="A preset for --text-field: chat (assistant turns) or sharegpt (gpt turns)."
    ),
    turns: str = typer.Option("joined", help="joined: a record's matching turns are one document; each: one each."),
    select: Optional[str] = typer.Option(
        None,
        "--select",
        metavar="RULES",
        help="Curate each generation before the next model trains on it, with `auditor select`'s rules against "
        "gen0, as one string: e.g. drop-duplicates,drop-typical=0.2,keep-rare (also drop-copies=SHARE).",
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress display."),
) -> None:
    """Simulate model collapse: train an n-gram model on each generation and sample the next."""
    from auditor.simulate import SimulationSettings, simulate

    show = _interactive(quiet)

    def progress(k: int, total: int) -> None:
        if show:
            typer.echo(f"generation {k}/{total} written", err=True)

    settings = SimulationSettings(
        generations=generations,
        order=order,
        temperature=temperature,
        top_p=top_p,
        top_k=top_k,
        mix_real=mix_real,
        seed=seed,
        docs=docs,
        text_field=text_field,
        format=format,
        turns=turns,
        select=select,
    )
    paths = simulate(seed_corpus, out, settings, progress=progress)
    typer.echo(terminal_safe(f"Wrote {len(paths)} generations to {out}: " + " ".join(p.name for p in paths)))
