"""The registry of metric families: the one list of what auditor measures, in report order.

Each family lives in its own folder (``auditor/families/<name>/``) with its metrics and their
formulas (``metrics.py``), how it draws (``prepare``), and its report pictures (``views.py``);
its ``__init__.py`` holds one :class:`~auditor.families.base.Family` record, which also says what
the rest of the code needs to know of it (settings, fields, language resources, early checks).
The pipeline, the report, the gate, profiles, diff and ``auditor metrics`` read this registry and
nothing else, so adding a family is one folder and one :func:`register` line below.

A family defined elsewhere (a plug-in, a test) joins with :func:`register` and leaves with
:func:`unregister`; everything that asks the registry sees it from then on.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from auditor.config import Settings
from auditor.errors import Errors, UsageError
from auditor.families import embedding, likelihood, paired, tail, topics, vocabulary, voice
from auditor.families.base import Family, Metric, MetricSpec

_REGISTERED: dict[str, Family] = {}


def register(family: Family) -> Family:
    """Add ``family`` at the end of the report order (ValueError if its name or a metric id is taken)."""
    if family.name in _REGISTERED:
        raise ValueError(f"a family named {family.name!r} is already registered")
    taken = {spec.id for f in _REGISTERED.values() for spec in f.specs}
    clash = sorted(taken & {spec.id for spec in family.specs})
    if clash:
        raise ValueError(f"metric ids already registered: {', '.join(clash)}")
    wrong = [spec.id for spec in family.specs if spec.family != family.name]
    if wrong:
        raise ValueError(f"metric ids of family {family.name!r} must start with '{family.name}.': {', '.join(wrong)}")
    _REGISTERED[family.name] = family
    return family


def unregister(name: str) -> None:
    """Remove the family called ``name`` (KeyError if unknown)."""
    del _REGISTERED[name]


@contextmanager
def registered(family: Family) -> Iterator[Family]:
    """``family`` registered for the duration of a ``with`` block (tests, one-off plug-ins)."""
    register(family)
    try:
        yield family
    finally:
        unregister(family.name)


register(vocabulary.FAMILY)
register(tail.FAMILY)
register(embedding.FAMILY)
register(topics.FAMILY)
register(likelihood.FAMILY)
register(voice.FAMILY)
register(paired.FAMILY)

FAMILIES: tuple[Family, ...] = tuple(_REGISTERED.values())
"""The families auditor ships, in report order (:func:`families` also lists those registered since)."""
FAMILY_NAMES: tuple[str, ...] = tuple(f.name for f in FAMILIES)


def families() -> tuple[Family, ...]:
    """Every registered family, in report order."""
    return tuple(_REGISTERED.values())


def family_names() -> tuple[str, ...]:
    """The names of every registered family, in report order."""
    return tuple(_REGISTERED)


def get_family(name: str) -> Family:
    """The family called ``name`` (KeyError if unknown)."""
    return _REGISTERED[name]


def find_family(name: str) -> Family | None:
    """The family called ``name``, or None when this version knows no such family (an old file's)."""
    return _REGISTERED.get(name)


def all_metrics() -> list[Metric]:
    """Every registered metric, family by family."""
    return [m for f in _REGISTERED.values() for m in f.metrics]


def all_specs() -> list[MetricSpec]:
    """Every metric's spec (what ``auditor metrics`` prints)."""
    return [m.spec for m in all_metrics()]


def get_spec(metric_id: str) -> MetricSpec:
    """The spec of one metric id (KeyError if unknown)."""
    for spec in all_specs():
        if spec.id == metric_id:
            return spec
    raise KeyError(metric_id)


def resolve_settings(settings: Settings, *, source: str | None = None) -> Settings:
    """``settings`` with its families resolved against the registry and their early checks run.

    ``families = None`` becomes every registered family; an empty list (E051) or an unknown name
    (E010) is a usage error naming the registered ones, prefixed with ``source`` (the file the
    settings came from) when given. Then each chosen family's ``check`` runs, so a wrong model
    folder is refused before any corpus is read. Resolving resolved settings changes nothing.
    """
    try:
        names = family_names() if settings.families is None else settings.families
        available = ", ".join(family_names())
        if not names:
            raise UsageError(Errors.E051.format(available=available))
        unknown = [f for f in names if f not in _REGISTERED]
        if unknown:
            raise UsageError(
                Errors.E010.format(
                    plural="ies" if len(unknown) > 1 else "y",
                    unknown=", ".join(repr(u) for u in unknown),
                    available=available,
                )
            )
        resolved = settings if names == settings.families else settings.replace(families=names)
        for name in names:
            check = _REGISTERED[name].check
            if check is not None:
                check(resolved)
    except UsageError as exc:
        if source is None:
            raise
        raise UsageError(f"{source}: {exc}") from None
    return resolved


def chosen(settings: Settings) -> list[Family]:
    """The families ``settings`` runs (resolved: every registered family when it names none)."""
    names = family_names() if settings.families is None else settings.families
    return [get_family(name) for name in names]
