"""Policies: what a build tolerates, read from TOML and validated once.

A policy is data: per metric id, absolute ``min``/``max`` and ``max_relative_drop`` (the largest
tolerated relative change in the metric's worse direction against the reference of the same run),
plus ``no_degraded = [families]``, ``no_degraded_aspects = [aspects]`` (no family verdict may carry
one of these degraded aspects: narrowing, drift, loss), ``[[forecast]]`` rules (a metric's trend
must not cross its degraded threshold within ``min_generations``) and ``allow_na``. Every error
names the file and the offending key, so a typo in a policy is a usage error, never a rule silently
ignored, and so is a rule no value can pass (``min`` above ``max``, a negative
``max_relative_drop``). A policy with no rules at all is refused: it would pass whatever was measured.

A policy file is also a settings file: beside ``[check]``, its top level (``[tool.auditor]`` in a
pyproject.toml) holds settings, read by the one settings reader (:func:`auditor.config.settings_in`)
and refused exactly as in ``auditor.toml``; a policy key there (``allow_na = true`` above
``[check]``) is refused as misplaced. :attr:`Policy.settings` keeps them as written.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.aspects import ASPECTS
from auditor.config import SETTING_NAMES, settings_from_mapping, settings_in
from auditor.errors import Errors, UsageError
from auditor.families import all_specs, family_names
from auditor.tomlfile import read_toml

RULE_KEYS = ("min", "max", "max_relative_drop", "allow_na")
POLICY_KEYS = ("rules", "no_degraded", "no_degraded_aspects", "allow_na", "fail_on_na", "forecast")
FORECAST_KEYS = ("metric", "min_generations", "allow_na")
POLICY_FILES = (Path("auditor.toml"), Path("pyproject.toml"))
"""Where :func:`find_policy` looks when no policy file is given (relative to the working folder)."""


@dataclass(frozen=True)
class Rule:
    """Thresholds for one metric, applied to every generation but the reference."""

    metric: str
    min: float | None = None
    max: float | None = None
    max_relative_drop: float | None = None
    allow_na: bool = False
    """A generation where the metric is ``n/a`` passes this rule instead of failing it."""


@dataclass(frozen=True)
class ForecastRule:
    """``[[forecast]]``: the metric's trend must not cross its degraded threshold sooner than this."""

    metric: str
    min_generations: float
    allow_na: bool = False
    """No trend (too few generations) passes instead of failing."""


@dataclass(frozen=True)
class Policy:
    """What a build tolerates."""

    rules: tuple[Rule, ...] = ()
    no_degraded: tuple[str, ...] = ()
    allow_na: bool = False
    """Every rule and family check that is ``n/a`` passes instead of failing (off: fail closed)."""
    source: str = "policy"
    no_degraded_aspects: tuple[str, ...] = ()
    """Aspects (narrowing, drift, loss) no generation may show degraded in any family."""
    settings: dict[str, Any] = field(default_factory=dict, hash=False)
    """The settings written beside the policy in its file (top level, or ``[tool.auditor]``), as
    written and checked; :func:`auditor.gate.check` applies them, ``auditor check`` under its flags."""
    forecasts: tuple[ForecastRule, ...] = ()
    """``[[forecast]]`` rules: how many more generations each metric's trend must stay clear."""

    @property
    def empty(self) -> bool:
        """True when the policy checks nothing (a usage error: it would pass whatever was measured)."""
        return not self.rules and not self.no_degraded and not self.no_degraded_aspects and not self.forecasts


def policy_table(data: dict[str, Any]) -> dict[str, Any] | None:
    """The policy inside a parsed TOML file: ``[tool.auditor.check]``, ``[check]``, or the top level."""
    tool = _tool_auditor(data)
    if tool is not None:
        table = tool.get("check")
        return table if isinstance(table, dict) else None
    if isinstance(data.get("check"), dict):
        return data["check"]
    if any(key in data for key in POLICY_KEYS):
        return data
    return None


def _tool_auditor(data: dict[str, Any]) -> dict[str, Any] | None:
    """``[tool.auditor]`` of a parsed pyproject.toml-style document, else None."""
    tool = data.get("tool")
    if isinstance(tool, dict) and isinstance(tool.get("auditor"), dict):
        return tool["auditor"]
    return None


def load_policy(path: Path) -> Policy:
    """Read and validate a policy file and the settings beside it; every error names the offending key."""
    data = read_toml(path)
    if policy_table(data) is None:
        raise UsageError(Errors.E020.format(path=path))
    return policy_from_document(data, source=str(path))


def policy_from_document(data: dict[str, Any], *, source: str = "policy") -> Policy:
    """The policy of a parsed TOML document, with the settings written beside it (:attr:`Policy.settings`).

    The policy is ``[tool.auditor.check]``, ``[check]``, or, when neither is there, the whole
    document. Beside ``[check]`` the top level holds settings (``[tool.auditor]`` beside
    ``[tool.auditor.check]``), read and refused exactly as in ``auditor.toml`` (unknown keys and
    tables, wrong types and ranges); a policy key there is refused as misplaced.
    """
    table = policy_table(data)
    if table is None or table is data:
        return parse_policy(data, source=source)
    policy = parse_policy(table, source=source)
    tool = _tool_auditor(data)
    outside, inside = ("at the top level", "[check]") if tool is None else ("in [tool.auditor]", "[tool.auditor.check]")
    misplaced = [k for k in (data if tool is None else tool) if k in POLICY_KEYS]
    if misplaced:
        raise UsageError(
            Errors.E021.format(
                path=source,
                key=misplaced[0],
                detail=f"outside {inside}, {outside}, where settings go: it belongs under {inside}",
            )
        )
    settings = settings_in(data, source, pyproject=tool is not None)
    settings_from_mapping(settings, source=source)  # refused as auditor.toml refuses them
    return dataclasses.replace(policy, settings=settings)


def find_policy(path: Path | None = None) -> Policy:
    """The policy in ``path``, else the first of ./auditor.toml and ./pyproject.toml that holds one.

    A file given explicitly must hold a policy; a file found by looking may hold none (the next one
    is tried), but a policy it does hold must be valid. Finding none at all is a usage error.
    """
    if path is not None:
        return load_policy(path)
    for candidate in POLICY_FILES:
        if candidate.is_file():
            try:
                return load_policy(candidate)
            except UsageError as exc:
                if "no policy found" not in str(exc):
                    raise
    raise UsageError(Errors.E022)


def parse_policy(table: dict[str, Any], *, source: str = "policy") -> Policy:
    """Validate a policy table (see the module docstring); ``source`` names it in messages."""
    unknown = sorted(set(table) - set(POLICY_KEYS))
    if unknown:
        detail = f"allowed keys: {', '.join(POLICY_KEYS)}"
        if str(unknown[0]).replace("-", "_") in SETTING_NAMES:
            detail = (
                "a setting, not a policy key: write settings outside the policy (the top level of auditor.toml "
                f"with the policy under [check], or [tool.auditor] of pyproject.toml); {detail}"
            )
        raise UsageError(Errors.E021.format(path=source, key=unknown[0], detail=detail))
    specs = {s.id: s for s in all_specs()}
    rules = []
    raw_rules = table.get("rules", {})
    if not isinstance(raw_rules, dict):
        raise UsageError(Errors.E021.format(path=source, key="rules", detail="must be a table of metric ids"))
    for metric_id, raw in raw_rules.items():
        rules.append(_parse_rule(metric_id, raw, specs, source))
    no_degraded = table.get("no_degraded", [])
    if not isinstance(no_degraded, list) or not all(isinstance(f, str) for f in no_degraded):
        raise UsageError(Errors.E021.format(path=source, key="no_degraded", detail="must be a list of family names"))
    for family in no_degraded:
        if family not in family_names():
            raise UsageError(
                Errors.E021.format(
                    path=source,
                    key="no_degraded",
                    detail=f"unknown family {family!r}; known: {', '.join(family_names())}",
                )
            )
    aspects = table.get("no_degraded_aspects", [])
    if not isinstance(aspects, list) or not all(isinstance(a, str) for a in aspects):
        raise UsageError(
            Errors.E021.format(
                path=source, key="no_degraded_aspects", detail=f"must be a list of aspects ({', '.join(ASPECTS)})"
            )
        )
    for aspect in aspects:
        if aspect not in ASPECTS:
            raise UsageError(Errors.E085.format(path=source, value=aspect, allowed=", ".join(ASPECTS)))
    allow_na = _flag(table, "allow_na", source)
    if "fail_on_na" in table and not _flag(table, "fail_on_na", source):
        raise UsageError(
            Errors.E021.format(
                path=source,
                key="fail_on_na",
                detail="false is no longer supported: the gate fails closed on n/a; write allow_na = true to let "
                "n/a pass, or delete the line",
            )
        )
    forecasts = _parse_forecasts(table.get("forecast", []), specs, source)
    policy = Policy(
        tuple(rules),
        tuple(dict.fromkeys(no_degraded)),
        allow_na,
        source,
        tuple(dict.fromkeys(aspects)),
        forecasts=forecasts,
    )
    if policy.empty:
        raise UsageError(Errors.E024.format(path=source))
    return policy


def _parse_forecasts(raw: Any, specs: dict[str, Any], source: str) -> tuple[ForecastRule, ...]:
    """``[[forecast]]`` tables: a headline metric with a worse direction and ``min_generations >= 0``."""
    if not isinstance(raw, list) or not all(isinstance(r, dict) for r in raw):
        detail = 'must be [[forecast]] tables: metric = "FAMILY.METRIC", min_generations = 3'
        raise UsageError(Errors.E021.format(path=source, key="forecast", detail=detail))
    out = []
    for i, table in enumerate(raw):
        key = f"forecast[{i}]"
        unknown = sorted(set(table) - set(FORECAST_KEYS))
        if unknown:
            detail = f"allowed: {', '.join(FORECAST_KEYS)}"
            raise UsageError(Errors.E021.format(path=source, key=f"{key}.{unknown[0]}", detail=detail))
        metric = table.get("metric")
        if not isinstance(metric, str) or metric not in specs:
            detail = "unknown metric id (see `auditor metrics`)" if isinstance(metric, str) else "must name a metric"
            raise UsageError(Errors.E021.format(path=source, key=f"{key}.metric", detail=detail))
        spec = specs[metric]
        if not spec.headline or spec.better == "none":
            detail = f"{metric} has no trend: forecasts are made for headline metrics with a worse direction"
            raise UsageError(Errors.E021.format(path=source, key=f"{key}.metric", detail=detail))
        least = table.get("min_generations")
        if isinstance(least, bool) or not isinstance(least, (int, float)) or not math.isfinite(least) or least < 0:
            detail = f"must be a number of generations >= 0, got {least!r}"
            raise UsageError(Errors.E021.format(path=source, key=f"{key}.min_generations", detail=detail))
        out.append(ForecastRule(metric, float(least), _flag(table, "allow_na", source, prefix=f"{key}.")))
    return tuple(out)


def _flag(table: dict[str, Any], key: str, source: str, prefix: str = "") -> bool:
    value = table.get(key, False)
    if not isinstance(value, bool):
        raise UsageError(Errors.E021.format(path=source, key=prefix + key, detail="must be true or false"))
    return value


def _parse_rule(metric_id: str, raw: Any, specs: dict[str, Any], source: str) -> Rule:
    key = f"rules.{metric_id}"
    if metric_id not in specs:
        raise UsageError(Errors.E021.format(path=source, key=key, detail="unknown metric id (see `auditor metrics`)"))
    thresholds = ", ".join(RULE_KEYS[:3])
    if not isinstance(raw, dict) or not set(raw) - {"allow_na"}:
        raise UsageError(Errors.E021.format(path=source, key=key, detail=f"must set one of {thresholds}"))
    for name, value in raw.items():
        if name not in RULE_KEYS:
            raise UsageError(
                Errors.E021.format(path=source, key=f"{key}.{name}", detail=f"allowed: {', '.join(RULE_KEYS)}")
            )
        if name == "allow_na":
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise UsageError(
                Errors.E021.format(path=source, key=f"{key}.{name}", detail=f"must be a number, got {value!r}")
            )
    if "max_relative_drop" in raw:
        if specs[metric_id].better == "none":
            raise UsageError(
                Errors.E021.format(
                    path=source,
                    key=f"{key}.max_relative_drop",
                    detail="this metric has no worse direction; use min or max",
                )
            )
        if raw["max_relative_drop"] < 0:
            raise UsageError(Errors.E021.format(path=source, key=f"{key}.max_relative_drop", detail="must be >= 0"))
    if "min" in raw and "max" in raw and raw["min"] > raw["max"]:
        raise UsageError(
            Errors.E021.format(
                path=source,
                key=f"{key}.min",
                detail=f"min = {raw['min']} is greater than max = {raw['max']} ({key}.max), so no value can pass "
                "both; swap them or drop one",
            )
        )
    allow_na = _flag(raw, "allow_na", source, prefix=f"{key}.")
    return Rule(metric_id, raw.get("min"), raw.get("max"), raw.get("max_relative_drop"), allow_na)
