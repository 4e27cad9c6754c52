"""auditor: audit a series of text corpora (generation 0, 1, 2, ...) for model collapse."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from auditor._version import __version__

if TYPE_CHECKING:
    from auditor.gate import GateOutcome, check
    from auditor.pipeline import audit, score_documents
    from auditor.result import AuditResult

__all__ = ["AuditResult", "GateOutcome", "__version__", "audit", "check", "score_documents"]


def __getattr__(name: str) -> Any:
    # Lazy, so `auditor --help` and `import auditor` stay fast (no numpy/spaCy until needed).
    if name == "audit":
        from auditor.pipeline import audit, score_documents

        return audit
    if name == "score_documents":
        from auditor.pipeline import score_documents

        return score_documents
    if name == "check":
        from auditor.gate import check

        return check
    if name == "AuditResult":
        from auditor.result import AuditResult

        return AuditResult
    if name == "GateOutcome":
        from auditor.gate import GateOutcome

        return GateOutcome
    raise AttributeError(f"module 'auditor' has no attribute {name!r}")
