"""``auditor.check()``: audit a series of corpora and apply a policy, in one call.

The library side of ``auditor check``: it narrows the families to those the policy reads (a policy
about the vocabulary need not wait for embeddings), runs the audit, evaluates the policy, and
returns the outcome with the AuditResult it read. It never prints or exits; bad input raises an
:class:`~auditor.errors.AuditorError` (a :class:`~auditor.errors.UsageError` or an
:class:`~auditor.errors.InputError`), and the CLI turns the outcome into files and an exit code.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from auditor.config import Settings, settings_from_mapping
from auditor.errors import UsageError
from auditor.families import resolve_settings
from auditor.gate.evaluate import GateOutcome, evaluate, families_in
from auditor.gate.policy import Policy, load_policy, policy_from_document

if TYPE_CHECKING:
    from auditor.corpus import CorpusSpec
    from auditor.pipeline import ProgressFactory

PolicyLike = Union[Policy, str, "os.PathLike[str]", Mapping[str, Any]]
"""What :func:`check` accepts as a policy: a parsed Policy, a TOML file, or a policy table."""


def check(
    corpora: Sequence[str | Path | CorpusSpec],
    policy: PolicyLike,
    *,
    families: str | Iterable[str] | None = None,
    settings: Settings | None = None,
    progress: ProgressFactory | None = None,
    reference_profile: str | os.PathLike[str] | None = None,
    positions: str | Sequence[float] | None = None,
    **overrides: Any,
) -> GateOutcome:
    """Audit ``corpora`` (generation 0 first) and apply ``policy`` to every generation but the reference.

    Parameters
    ----------
    corpora
        Paths or ``NAME=PATH`` strings, in generation order; the reference is the first unless
        the settings name another.
    policy
        A :class:`~auditor.gate.Policy`; a path to a TOML file holding ``[check]`` (auditor.toml)
        or ``[tool.auditor.check]`` (pyproject.toml); or a policy table as a dict (``{"rules":
        {...}, "no_degraded": [...]}``, or a parsed TOML document holding one). Settings written
        beside the policy (the file's top level, or ``[tool.auditor]``; :attr:`Policy.settings`)
        apply over ``settings`` and under keyword ``overrides``; unknown ones are refused.
    families
        The families to run, exactly as given. Default: those of the settings' families that the
        policy reads (its rules' metric families, ``no_degraded`` and the families measuring
        ``no_degraded_aspects``).
    settings
        A :class:`~auditor.config.Settings`; keyword ``overrides`` replace its fields, as in
        :func:`auditor.audit`.
    progress
        Optional factory of per-generation progress callbacks.
    reference_profile
        A file written by ``auditor profile``: the reference; ``corpora`` are then the
        generations checked against it (see :func:`auditor.audit`).
    positions
        The generations' positions in the series, for ``[[forecast]]`` rules (see :func:`auditor.audit`).

    Returns
    -------
    GateOutcome
        One check per rule and generation; ``outcome.passed`` says whether the build passes,
        ``outcome.failures`` lists what failed and ``outcome.result`` is the AuditResult (write
        it with :func:`auditor.outputs.write_outputs` for the full report).

    Raises
    ------
    UsageError
        A malformed, empty or contradictory policy, a setting out of range or unknown (the policy
        file's own included), or a policy none of whose rules applies to the families run.
    InputError
        A corpus that cannot be read.

    Examples
    --------
    >>> import auditor
    >>> policy = {"rules": {"tail.rare_survival_hapax": {"max_relative_drop": 0.2}}}
    >>> outcome = auditor.check(["corpora/demo/gen0.jsonl", "corpora/demo/gen5.jsonl"], policy)  # doctest: +SKIP
    >>> outcome.passed  # doctest: +SKIP
    False
    >>> [c.description for c in outcome.failures]  # doctest: +SKIP
    ['tail.rare_survival_hapax = ... vs reference ...: ...% worse than the reference (beyond the allowed 20.0% worse)']
    """
    the_policy = as_policy(policy)
    settings = settings or Settings()
    if the_policy.settings:
        settings = settings_from_mapping({**settings.to_dict(), **the_policy.settings}, source=the_policy.source)
    if overrides:
        settings = settings_from_mapping({**settings.to_dict(), **overrides}, source="check() arguments")
    if families is not None:
        settings = settings.replace(families=families if isinstance(families, str) else tuple(families))
    else:
        resolved = resolve_settings(settings).families or ()
        needed = tuple(f for f in resolved if f in families_in(the_policy))
        settings = settings.replace(families=needed or resolved)
    from auditor.pipeline import audit  # at call time: the pipeline imports every family's code

    result = audit(
        corpora, settings=settings, progress=progress, reference_profile=reference_profile, positions=positions
    )
    return evaluate(result, the_policy)


def as_policy(policy: PolicyLike) -> Policy:
    """A :class:`Policy` from what :func:`check` accepts: a Policy, a TOML file path, or a table."""
    if isinstance(policy, Policy):
        return policy
    if isinstance(policy, (str, os.PathLike)):
        return load_policy(Path(policy))
    if isinstance(policy, Mapping):
        return policy_from_document(dict(policy), source="policy")
    raise UsageError(
        f"`policy` must be a Policy, the path of a TOML file or a policy table (dict). Got {type(policy).__name__}."
    )
