"""``auditor embed-model build``: distil the static embedding model ahead of time (for CI caches)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import typer

from auditor.cli.console import _guarded

embed_model_app = typer.Typer(
    no_args_is_help=True,
    rich_markup_mode=None,
    help="The static embedding model that --embedding-model static uses (model2vec, distilled offline).",
)


@_guarded
def build_cli(
    out: Path | None = typer.Option(
        None,
        "--out",
        help="Folder to write the model to (default: the user cache folder that --embedding-model static reads; "
        "$XDG_CACHE_HOME/auditor/models/...). A folder given here is used with --embedding-model FOLDER.",
    ),
    pca_dims: int = typer.Option(256, "--pca-dims", min=2, max=384, help="Dimensions kept by PCA."),
    force: bool = typer.Option(False, "--force", help="Distil again even if the folder holds a model."),
) -> None:
    """Distil the packaged all-MiniLM-L6-v2 into a static model (about a minute; no network), then
    print where it is and what it is. Later runs with --embedding-model static load it in under a second."""
    from auditor.embed.static import PCA_DIMS, build_static, identity, load_static, stderr_notice

    if out is None and pca_dims != PCA_DIMS:
        raise typer.BadParameter(
            f"the default folder holds the {PCA_DIMS}-dimension model; give --out", param_hint="--pca-dims"
        )
    folder = build_static(out, pca_dims=pca_dims, force=force, notify=stderr_notice)
    started = time.perf_counter()
    load_static(folder)
    seconds = time.perf_counter() - started
    typer.echo(f"{folder}")
    typer.echo(json.dumps({**identity(folder), "load_seconds": round(seconds, 3)}, indent=2))


embed_model_app.command("build")(build_cli)
