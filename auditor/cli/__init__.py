"""The ``auditor`` command line: parse options, call the library, print, choose the exit code.

Exit codes, for every command:

* 0: the run completed (``check``: every rule passed);
* 1: only for a failed gate (``check``: a rule failed; ``diff --fail-on-worse``: a verdict got worse);
* 2: a usage or input error, one line naming the file, line or setting;
* 3: an internal error (a bug): one line naming a crash log that holds the traceback;
* 130: interrupted (Ctrl-C or SIGTERM); previous outputs are left untouched.

One module per command; :mod:`~auditor.cli.root` holds the app, :mod:`~auditor.cli.options`
the shared settings flags and :mod:`~auditor.cli.console` the exit codes, crash log and terminal
output. This module puts the commands on the app, in the order the help lists them, and holds
the console-script entry point.
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import warnings

from auditor.cli.audit import audit_cli
from auditor.cli.check import check_cli
from auditor.cli.console import _show_warning
from auditor.cli.diff import diff_cli
from auditor.cli.embed_model import embed_model_app
from auditor.cli.init_policy import init_policy_cli
from auditor.cli.metrics import metrics_cli
from auditor.cli.profile import profile_cli
from auditor.cli.report import report_cli
from auditor.cli.root import app
from auditor.cli.select import select_cli
from auditor.cli.simulate import simulate_cli

__all__ = ["app", "run"]

for _name, _command in (
    ("audit", audit_cli),
    ("check", check_cli),
    ("init-policy", init_policy_cli),
    ("profile", profile_cli),
    ("metrics", metrics_cli),
    ("report", report_cli),
    ("diff", diff_cli),
    ("simulate", simulate_cli),
    ("select", select_cli),
):
    app.command(_name)(_command)
app.add_typer(embed_model_app, name="embed-model")


def run() -> None:
    """Console-script entry point."""
    warnings.showwarning = _show_warning
    app()
