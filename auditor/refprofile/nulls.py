"""The reference's null values, computed once in a profile and reused by the runs they fit.

A metric's null is its values on the reference's split halves: with the reference, the seed and
the settings fixed, it depends only on the sizes the halves are drawn at (the budget, a family's
``n``; :attr:`auditor.draws.DrawSet.null_sizes`). ``auditor profile`` prepares every family on the
reference alone, so at the sizes a run gets when no generation is smaller than the reference's
halves, and stores each metric's null values. A run reuses a family's stored nulls when its sizes
and settings are the profile's; otherwise it computes them as without a profile, and
metrics.json's ``config.reference_profile.nulls`` says which families reused theirs and why the
others did not (pin ``--budget`` in both commands to keep a smaller generation from changing it).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from auditor.config import Settings, settings_with_effect

FREE_SETTINGS = frozenset(settings_with_effect("sizes", "verdicts", "selection", "none"))
"""Settings that cannot change a null value at given sizes (the budget acts through the sizes), as
the settings declare (:data:`auditor.config.EFFECTS`). Every other setting must equal the
profile's for its nulls to be reused, so a setting added later is compared unless it says otherwise."""


class RecomputedNullWarning(UserWarning):
    """A run with a reference profile computed some nulls itself: same results, more time (the
    message says why, so a CI job that got slower can pin what changed)."""


def describe_stored(nulls: dict[str, Any] | None) -> str:
    """The families whose null a profile holds and the sizes it was drawn at, for `auditor profile`."""
    if not nulls or not nulls["families"]:
        return "none"
    by_sizes: dict[str, list[str]] = {}
    for family, entry in sorted(nulls["families"].items()):
        sizes = ", ".join(f"{k} {v:,}" for k, v in sorted(entry["sizes"].items()))
        by_sizes.setdefault(sizes, []).append(family)
    return "; ".join(f"{', '.join(families)} at {sizes}" for sizes, families in by_sizes.items())


def null_settings(settings: Settings) -> dict[str, Any]:
    """The settings a profile's null values depend on (recorded with them)."""
    return {k: v for k, v in settings.to_dict().items() if k not in FREE_SETTINGS}


def stored_nulls(sizes: dict[str, int], values: dict[str, np.ndarray]) -> dict[str, Any]:
    """One family's entry of ``profile.derived["nulls"]["families"]``."""
    return {"sizes": dict(sizes), "values": {k: np.asarray(v, dtype=np.float64) for k, v in values.items()}}


def reusable(
    nulls: dict[str, Any] | None, family: str, sizes: dict[str, int], settings: Settings
) -> tuple[dict[str, np.ndarray] | None, str]:
    """The family's stored null values if this run's null draws are the profile's, else None; and why.

    A setting that differs here is one the profile leaves free (``splits``, ``knn_k``...): those the
    profile must share with the run were compared when it was loaded, and its null values were
    recorded with the same ones (the manifest, sealed by its digest, and ``derived/nulls.json`` must
    agree: :mod:`auditor.refprofile.codec`), so a profile made with another seed never gets here.
    """
    if nulls is None:
        return None, "the profile holds no null values"
    entry = nulls["families"].get(family)
    if entry is None:
        return None, "the profile holds none for this family"
    differs = [
        f"{name} {show_setting(recorded)} in the profile, {show_setting(current)} here"
        for name, current in null_settings(settings).items()
        if (recorded := nulls["settings"].get(name)) != current
    ]
    if differs:
        return None, "settings differ: " + "; ".join(differs)
    if entry["sizes"] != sizes:
        held = ", ".join(f"{k} {v}" for k, v in sorted(entry["sizes"].items()))
        run = ", ".join(f"{k} {v}" for k, v in sorted(sizes.items()))
        return None, f"null drawn at {run} here, at {held} in the profile (a generation smaller than the reference)"
    return entry["values"], "reused"


def show_setting(value: Any) -> str:
    """A setting's value in a message (strings quoted, None as unset)."""
    return "unset" if value is None else repr(value) if isinstance(value, str) else str(value)
