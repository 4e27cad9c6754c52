"""Curation: act on the per-document scores, writing a cleaned copy of a generation.

The audit says a generation degraded and the per-document rows say which documents carry it;
curation drops them before the text is trained on again (``auditor select``, and ``auditor simulate
--select`` between generations). Small steps, each its own module:

* :mod:`~auditor.curation.rules`: the rules and their one-string spelling;
* :mod:`~auditor.curation.decision`: the rows each rule drops, and those ``keep_rare`` protects;
* :mod:`~auditor.curation.streams` and :mod:`~auditor.curation.formats`: the copy, per format,
  without the dropped records;
* :mod:`~auditor.curation.run`: :func:`select`, which puts them together and writes selection.json.
"""

from auditor.curation.decision import Decision, decide
from auditor.curation.rules import Rules, parse_rules
from auditor.curation.run import SELECTION_FILE, Selection, scored_rows, select

__all__ = ["SELECTION_FILE", "Decision", "Rules", "Selection", "decide", "parse_rules", "scored_rows", "select"]
