"""AuditResult: the metrics.json v1 model, the only thing the report and the gate read.

The dataclasses mirror the JSON one to one (DESIGN section 4); :meth:`AuditResult.to_dict` and
:meth:`AuditResult.from_dict` round-trip, so ``auditor report metrics.json`` re-renders any past run.
Values are Python floats or None (never NaN): undefined values carry a reason instead.

Schema versions: ``1`` (written as the integer before 1.1; ``"1.0"`` is read as the same) and
``"1.1"``, which adds each metric's stated metadata (``definition``, ``kind``, the effective
``tolerance`` and ``citation``), so a reader of metrics.json alone needs no code; ``"1.2"`` adds
how a generation degraded (issue 21): each metric's ``aspect`` and ``mixes``, each family verdict's
degraded ``aspects`` (and ``watch_aspects``), and a ``readings`` list, one overall reading per
generation; ``"1.3"`` adds a ``families`` list, each family of the run with the ``label``,
``question`` and ``subject`` the outputs speak of it with (issue 27), and each word-shift row's
``significant`` flag; ``"1.4"`` adds each generation's ``position`` and each headline
metric's ``trend`` (its slope per generation and forecast crossing, issue 30). All are read; an
entry read from an older file has none of the newer keys (None, or an empty list) and is written
back without them. What an older file does not state and
the outputs need is filled in once, from this version's registry, by :func:`auditor.upgrade.upgrade`
(this module is the contract layer and does not know the registry).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from auditor import overview
from auditor.aspects import Reading
from auditor.errors import Errors, InputError, path_error

SCHEMA_VERSION = "1.4"
"""The version this auditor writes."""
READABLE_VERSIONS: tuple[int | str, ...] = (1, "1.0", "1.1", "1.2", "1.3", "1.4")
"""Versions :func:`read_result` accepts (the schema's ``schema_version`` enum)."""


def clean_float(x: float | None, digits: int = 12) -> float | None:
    """A JSON-safe float: None for NaN/inf, rounded so reruns print identically."""
    if x is None:
        return None
    x = float(x)
    if not math.isfinite(x):
        return None
    return round(x, digits)


def format_number(x: float | None) -> str:
    """A value for people: 4 significant digits, thousands separated, never scientific for counts."""
    if x is None:
        return "n/a"
    if abs(x) >= 10_000:
        return f"{x:,.0f}"
    return f"{x:.4g}"


SINGLE = "single"
"""``kind`` of a metric that is a statistic of one draw."""
COMPARISON = "paired"
"""``kind`` of a metric that is a statistic of a generation's draw against a reference draw: the
reference's own row is its two halves against each other. metrics.json has called this kind
"paired" since schema 1.0, so the value stays; it is not the paired family."""


@dataclass(frozen=True)
class GenerationValue:
    """One metric's value for one generation."""

    value: float | None
    interval: tuple[float, float] | None = None
    """2.5-97.5 percentile range over the draws (the null's, for the reference of comparisons)."""
    reason: str | None = None
    """Why the value is missing, when it is."""


@dataclass(frozen=True)
class Delta:
    """A difference against a baseline value."""

    absolute: float | None
    relative: float | None


@dataclass(frozen=True)
class NullSummary:
    """The reference's split-half null on the metric's own scale."""

    center: float
    range: tuple[float, float]
    """Smallest and largest null value: a generation beyond it is worse than every null value."""


@dataclass(frozen=True)
class Tolerance:
    """How much worse than the reference a value may be before the verdict rule's tolerance test fires.

    Resolved once (:meth:`auditor.families.base.MetricSpec.effective_tolerance`): a metric's own
    tolerance, or the run's default (``--tolerance``), which is relative.
    """

    value: float
    relative: bool
    """True: a share of the reference value's magnitude; False: on the metric's own scale."""

    @property
    def kind(self) -> str:
        """``relative`` or ``absolute`` (what :func:`auditor.stats.verdict` takes)."""
        return "relative" if self.relative else "absolute"

    def describe(self) -> str:
        """For people: ``0.05 relative``, ``0.01 absolute``."""
        return f"{self.value:g} {self.kind}"

    def to_dict(self) -> dict[str, Any]:
        """The metrics.json form."""
        return {"value": self.value, "relative": self.relative}


@dataclass(frozen=True)
class Crossing:
    """When a metric's trend reaches a threshold: positions after the last generation, 90% interval."""

    threshold: float | None
    generations: float | None
    """None when there is no forecast (``reason`` says why); 0 when the series is already past it."""
    interval: tuple[float | None, float | None] | None
    """Where the trend's 90% band reaches the threshold; a None end: not within the horizon."""
    reason: str | None
    source: str
    """Where the threshold comes from: ``verdict rule`` (the tolerance and the null) or a gate rule."""

    def to_dict(self) -> dict[str, Any]:
        """The metrics.json form."""
        return {
            "threshold": self.threshold,
            "generations": self.generations,
            "interval": list(self.interval) if self.interval is not None else None,
            "reason": self.reason,
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Crossing:
        """Read the metrics.json form."""
        interval = d.get("interval")
        return cls(
            d.get("threshold"),
            d.get("generations"),
            tuple(interval) if interval else None,
            d.get("reason"),
            d.get("source", "verdict rule"),
        )


@dataclass(frozen=True)
class Trend:
    """A headline metric's trend over the series' positions (schema 1.4; :mod:`auditor.trends`)."""

    shape: str | None
    """``linear`` or ``log-linear`` (chosen by leave-one-out error); None when no trend was fitted."""
    points: int
    reason: str | None
    """Why there is no trend or no decline; None for a decline."""
    slope: float | None = None
    """Change per unit of position, at the last generation, on the metric's scale."""
    slope_interval: tuple[float | None, float | None] | None = None
    rate: float | None = None
    """Log-linear only: the relative change per unit of position (``exp(b) - 1``)."""
    curvature: str | None = None
    """``speeding up``, ``slowing down`` or ``steady`` (None with fewer than 4 points)."""
    decline: bool = False
    """Whether the slope points the worse way, decided family-wise over the run's headline metrics."""
    p_value: float | None = None
    loo: dict[str, float | None] = field(default_factory=dict)
    fit: dict[str, Any] = field(default_factory=dict)
    """What a crossing for another threshold needs: positions, coefficients, per-draw refits, scatter."""
    crossing: Crossing | None = None
    projection: dict[str, list[float | None]] = field(default_factory=dict)
    """The trend drawn past the last generation: ``positions``, ``centre``, ``low`` and ``high`` (its
    90% band), two position steps on, for the report's dashed projection."""

    @classmethod
    def none(cls, points: int, reason: str) -> Trend:
        """No trend: too few points, or a metric without a worse direction."""
        return cls(None, points, reason)

    def replace(self, **changes: Any) -> Trend:
        """A copy with some fields changed."""
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """The metrics.json form."""
        return {
            "shape": self.shape,
            "points": self.points,
            "reason": self.reason,
            "slope": self.slope,
            "slope_interval": list(self.slope_interval) if self.slope_interval is not None else None,
            "rate": self.rate,
            "curvature": self.curvature,
            "decline": self.decline,
            "p_value": self.p_value,
            "loo": dict(self.loo),
            "fit": self.fit,
            "crossing": self.crossing.to_dict() if self.crossing is not None else None,
            **({"projection": self.projection} if self.projection else {}),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Trend:
        """Read the metrics.json form."""
        interval = d.get("slope_interval")
        crossing = d.get("crossing")
        return cls(
            d.get("shape"),
            int(d.get("points", 0)),
            d.get("reason"),
            d.get("slope"),
            tuple(interval) if interval else None,
            d.get("rate"),
            d.get("curvature"),
            bool(d.get("decline", False)),
            d.get("p_value"),
            dict(d.get("loo") or {}),
            dict(d.get("fit") or {}),
            Crossing.from_dict(crossing) if crossing else None,
            dict(d.get("projection") or {}),
        )


@dataclass(frozen=True)
class MetricResult:
    """One metric over every generation, with its null, changes and per-generation status.

    ``definition``, ``kind``, ``tolerance`` and ``citation`` (schema 1.1) state the metric as it
    was judged; they are None for an entry read from a 1.0 file (``citation`` is also None for a
    metric that cites nothing).
    """

    id: str
    family: str
    title: str
    unit: str
    better: str
    headline: bool
    values: dict[str, GenerationValue]
    null: NullSummary | None
    change: dict[str, Delta]
    step: dict[str, Delta]
    status: dict[str, str]
    """Per generation: ``ok``, ``watch``, ``degraded`` or ``n/a`` (:class:`auditor.stats.Status` when computed)."""
    definition: str | None = None
    """The stated formula (the registry's ``MetricSpec.definition``)."""
    kind: str | None = None
    """``single`` (a statistic of one draw) or ``paired`` (a draw against a reference draw)."""
    tolerance: Tolerance | None = None
    """The effective tolerance the verdict rule applied."""
    citation: str | None = None
    """Where the metric comes from, or None."""
    aspect: str | None = None
    """How a worse value degrades the generation: narrowing, drift or loss (schema 1.2; None before)."""
    mixes: tuple[str, ...] | None = None
    """Other aspects the metric also moves with (schema 1.2; None before)."""
    trend: Trend | None = None
    """The headline metric's trend over the series (schema 1.4; None for other metrics and before)."""


@dataclass(frozen=True)
class GenerationInfo:
    """What was read for one generation."""

    name: str
    source: str
    documents: int
    tokens: int
    types: int
    skipped: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    position: float | None = None
    """Where the generation sits in the series (``gen3`` -> 3, ``NAME@X=PATH``, ``--positions``);
    schema 1.4, None when read from an older file."""


@dataclass(frozen=True)
class FamilyInfo:
    """A family of the run and the words the outputs speak of it with (schema 1.3)."""

    name: str
    label: str
    """Heading in the report (``Rare words`` for ``tail``)."""
    question: str
    """The question the family answers, shown under its heading ("" when none is stated)."""
    subject: str
    """What the family measures, as the reading sentences name it: ``meaning`` in "drifted from the
    reference in meaning"; "" names nothing."""

    @classmethod
    def of(cls, family: Any) -> FamilyInfo:
        """The entry of a registry record (anything with ``name``, ``label``, ``question`` and ``subject``)."""
        return cls(family.name, family.label, family.question, family.subject)

    def to_dict(self) -> dict[str, str]:
        """The metrics.json form."""
        return {"name": self.name, "label": self.label, "question": self.question, "subject": self.subject}


@dataclass(frozen=True)
class FamilyVerdict:
    """A family's status for one generation: the worst of its headline metrics."""

    family: str
    generation: str
    status: str
    reasons: list[str]
    aspects: list[str] | None = None
    """The aspects of its degraded headline metrics, sorted (schema 1.2; None when read from an older file)."""
    watch_aspects: list[str] | None = None
    """The aspects of its headline metrics at ``watch`` that are not also degraded (schema 1.2)."""


@dataclass
class AuditResult:
    """The whole outcome of an audit (metrics.json v1)."""

    auditor_version: str
    run: dict[str, Any]
    config: dict[str, Any]
    reference: str
    generations: list[GenerationInfo]
    metrics: list[MetricResult]
    verdicts: list[FamilyVerdict]
    artifacts: dict[str, Any]
    schema_version: int | str = SCHEMA_VERSION
    """``"1.3"`` when computed; as read for a result loaded from a file (``1`` for a 1.0 file)."""
    readings: list[Reading] = field(default_factory=list)
    """One overall reading per generation across families (schema 1.2; empty when read from an older file)."""
    families: list[FamilyInfo] = field(default_factory=list)
    """Every family of the run in run order, with its label, question and subject (schema 1.3; empty
    when read from an older file, until :func:`auditor.upgrade.upgrade` fills it in)."""

    @property
    def generation_names(self) -> list[str]:
        """Generation names in series order."""
        return [g.name for g in self.generations]

    def metric(self, metric_id: str) -> MetricResult:
        """The result of one metric by id (KeyError if it was not computed)."""
        for m in self.metrics:
            if m.id == metric_id:
                return m
        raise KeyError(metric_id)

    def verdict(self, family: str, generation: str) -> FamilyVerdict:
        """The verdict of one family for one generation."""
        for v in self.verdicts:
            if v.family == family and v.generation == generation:
                return v
        raise KeyError((family, generation))

    def family(self, name: str) -> FamilyInfo:
        """The label, question and subject of one family (KeyError if the result does not list it)."""
        for f in self.families:
            if f.name == name:
                return f
        raise KeyError(name)

    def reading(self, generation: str) -> Reading | None:
        """The overall reading of one generation, or None (a file older than schema 1.2)."""
        return next((r for r in self.readings if r.generation == generation), None)

    def to_frame(self) -> Any:
        """Every metric's value per generation as a long pandas DataFrame (needs the ``notebook`` extra).

        One row per metric and generation, in the result's metric order and series order, with the
        columns ``metric``, ``family``, ``generation``, ``value``, ``low`` and ``high`` (the value's
        interval; NaN when there is none), ``status`` (``ok``, ``watch``, ``degraded`` or ``n/a``) and
        ``aspect`` (None when read from a file older than schema 1.2). Raises
        :class:`~auditor.errors.MissingExtraError` (an ImportError) naming the extra when pandas is
        not installed.

        Examples
        --------
        >>> frame = result.to_frame()  # doctest: +SKIP
        >>> frame[frame.status == "degraded"].groupby("generation").metric.count()  # doctest: +SKIP
        """
        rows = []
        for m in self.metrics:
            for gen in self.generation_names:
                v = m.values.get(gen, GenerationValue(None))
                low, high = v.interval if v.interval is not None else (None, None)
                status = str(m.status.get(gen, "n/a"))
                rows.append(
                    {
                        "metric": m.id,
                        "family": m.family,
                        "generation": gen,
                        "value": v.value,
                        "low": low,
                        "high": high,
                        "status": status,
                        "aspect": m.aspect,
                    }
                )
        return overview.frame(rows)

    def _repr_html_(self) -> str:
        """The overview a notebook (Jupyter, VS Code) shows: generations by families, each verdict coloured
        and labelled, with each generation's reading when the result has readings (schema 1.2 on)."""
        names = [f.name for f in self.families]
        names += [n for n in dict.fromkeys(v.family for v in self.verdicts) if n not in names]
        labels = {f.name: f.label for f in self.families}
        cells = {
            (v.family, v.generation): overview.Cell(
                str(v.status),
                (v.aspects if v.status == "degraded" else v.watch_aspects if v.status == "watch" else None) or (),
                list(v.reasons),
            )
            for v in self.verdicts
        }
        readings = None
        if self.readings:
            readings = {}
            for r in self.readings:
                watch = f" (watch: {', '.join(r.watch)})" if r.watch else ""
                readings[r.generation] = r.text + watch
        count = len(self.generations)
        plural = "s" if count != 1 else ""
        caption = f"{count} generation{plural}, reference {self.reference} (auditor {self.auditor_version})"
        return overview.overview_html(
            generations=self.generation_names,
            reference=self.reference,
            families=[(n, labels.get(n, n)) for n in names],
            cells=cells,
            readings=readings,
            caption=caption,
        )

    def to_dict(self) -> dict[str, Any]:
        """The metrics.json v1 document."""
        return {
            "schema_version": self.schema_version,
            "auditor_version": self.auditor_version,
            "run": self.run,
            "config": self.config,
            "reference": self.reference,
            "generations": [
                {
                    "name": g.name,
                    "source": g.source,
                    "documents": g.documents,
                    "tokens": g.tokens,
                    "types": g.types,
                    "skipped": dict(sorted(g.skipped.items())),
                    "warnings": list(g.warnings),
                    **({"position": g.position} if g.position is not None else {}),
                }
                for g in self.generations
            ],
            **({"families": [f.to_dict() for f in self.families]} if self.families else {}),
            "metrics": [_metric_to_dict(m) for m in self.metrics],
            "verdicts": [_verdict_to_dict(v) for v in self.verdicts],
            **({"readings": [r.to_dict() for r in self.readings]} if self.readings else {}),
            "artifacts": self.artifacts,
        }

    def to_json(self) -> str:
        """metrics.json text (stable key order, no NaN)."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AuditResult:
        """Rebuild a result from a metrics.json document (validated against the schema first)."""
        return cls(
            auditor_version=data["auditor_version"],
            run=data["run"],
            config=data["config"],
            reference=data["reference"],
            generations=[
                GenerationInfo(
                    g["name"],
                    g["source"],
                    g["documents"],
                    g["tokens"],
                    g["types"],
                    g["skipped"],
                    g["warnings"],
                    g.get("position"),
                )
                for g in data["generations"]
            ],
            metrics=[_metric_from_dict(m) for m in data["metrics"]],
            verdicts=[
                FamilyVerdict(
                    v["family"], v["generation"], v["status"], v["reasons"], v.get("aspects"), v.get("watch_aspects")
                )
                for v in data["verdicts"]
            ],
            artifacts=data["artifacts"],
            schema_version=data["schema_version"],
            readings=[Reading.from_dict(r) for r in data.get("readings", [])],
            families=[FamilyInfo(f["name"], f["label"], f["question"], f["subject"]) for f in data.get("families", [])],
        )


def _verdict_to_dict(v: FamilyVerdict) -> dict[str, Any]:
    out: dict[str, Any] = {"family": v.family, "generation": v.generation, "status": str(v.status)}
    out["reasons"] = list(v.reasons)
    if v.aspects is not None:
        out["aspects"] = list(v.aspects)
    if v.watch_aspects is not None:
        out["watch_aspects"] = list(v.watch_aspects)
    return out


def _delta_dict(d: Delta) -> dict[str, float | None]:
    return {"absolute": d.absolute, "relative": d.relative}


def _metric_to_dict(m: MetricResult) -> dict[str, Any]:
    return {
        "id": m.id,
        "family": m.family,
        "title": m.title,
        "unit": m.unit,
        "better": m.better,
        "headline": m.headline,
        **_metadata_to_dict(m),
        "values": {
            g: {"value": v.value, "interval": list(v.interval) if v.interval else None, "reason": v.reason}
            for g, v in m.values.items()
        },
        "null": None if m.null is None else {"center": m.null.center, "range": list(m.null.range)},
        "change": {g: _delta_dict(d) for g, d in m.change.items()},
        "step": {g: _delta_dict(d) for g, d in m.step.items()},
        "status": {g: str(s) for g, s in m.status.items()},
        **({"trend": m.trend.to_dict()} if m.trend is not None else {}),
    }


def _metadata_to_dict(m: MetricResult) -> dict[str, Any]:
    """The schema 1.1 and 1.2 metadata that is known (none for an entry read from an older file)."""
    out: dict[str, Any] = {}
    if m.definition is not None:
        out["definition"] = m.definition
    if m.kind is not None:
        out["kind"] = m.kind
    if m.tolerance is not None:
        out["tolerance"] = m.tolerance.to_dict()
    if out or m.citation is not None:
        out["citation"] = m.citation
    if m.aspect is not None:
        out["aspect"] = m.aspect
        out["mixes"] = list(m.mixes or ())
    return out


def _metric_from_dict(d: dict[str, Any]) -> MetricResult:
    null = d["null"]
    tolerance = d.get("tolerance")
    return MetricResult(
        id=d["id"],
        family=d["family"],
        title=d["title"],
        unit=d["unit"],
        better=d["better"],
        headline=d["headline"],
        values={
            g: GenerationValue(v["value"], tuple(v["interval"]) if v["interval"] else None, v["reason"])
            for g, v in d["values"].items()
        },
        null=None if null is None else NullSummary(null["center"], tuple(null["range"])),
        change={g: Delta(x["absolute"], x["relative"]) for g, x in d["change"].items()},
        step={g: Delta(x["absolute"], x["relative"]) for g, x in d["step"].items()},
        status=dict(d["status"]),
        definition=d.get("definition"),
        kind=d.get("kind"),
        tolerance=None if tolerance is None else Tolerance(float(tolerance["value"]), bool(tolerance["relative"])),
        citation=d.get("citation"),
        aspect=d.get("aspect"),
        mixes=None if "mixes" not in d else tuple(d["mixes"]),
        trend=Trend.from_dict(d["trend"]) if d.get("trend") else None,
    )


def load_schema() -> dict[str, Any]:
    """The JSON Schema of metrics.json v1 (versions 1.0 to 1.4) shipped with the package."""
    text = resources.files("auditor.schema").joinpath("metrics.v1.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def validate(data: dict[str, Any]) -> None:
    """Raise ``jsonschema.ValidationError`` if ``data`` is not valid metrics.json v1 (1.0 to 1.4)."""
    import jsonschema

    jsonschema.validate(data, load_schema())


def read_result(path: Path) -> AuditResult:
    """Load and validate a metrics.json file (schema 1.0 to 1.4), as it states itself.

    Outputs read files through :func:`auditor.upgrade.load_result`, which also fills in what an
    older file does not state.
    """
    import jsonschema

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(Errors.E001.format(path=path)) from None
    except OSError as exc:  # a name too long, permission denied, a folder...
        raise path_error(path, exc) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(Errors.E017.format(path=path, detail=exc)) from None
    try:
        validate(data)
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "(top level)"
        raise InputError(Errors.E017.format(path=path, detail=f"at {where}: {exc.message}")) from None
    return AuditResult.from_dict(data)
