"""``from autograder.probe import check``: the name the hidden test cells of every released notebook use.

The probe itself is :mod:`autograder.checks.probe`. This entry module keeps the import path that
notebooks already released (and their hidden tests stored in gradebooks) name, so moving the
probe into the checks package changes no notebook. The sandbox mounts it and what it imports
(:data:`autograder.execution.bwrap.SANDBOX_ENTRY_MODULES`).
"""
from autograder.checks.probe import MIME, check, record  # noqa: F401  (re-exported)
