"""``python -m auditor.cli``: the same command line as the ``auditor`` script."""

from auditor.cli import run

if __name__ == "__main__":
    run()
