"""auditor: audit a series of text corpora (generation 0, 1, 2, ...) for model collapse."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from auditor.pipeline import audit
    from auditor.result import AuditResult

__all__ = ["AuditResult", "__version__", "audit"]


def __getattr__(name: str) -> Any:
    # Lazy, so `auditor --help` and `import auditor` stay fast (no numpy/spaCy until needed).
    if name == "audit":
        from auditor.pipeline import audit

        return audit
    if name == "AuditResult":
        from auditor.result import AuditResult

        return AuditResult
    raise AttributeError(f"module 'auditor' has no attribute {name!r}")
