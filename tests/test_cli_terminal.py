"""What a grading run shows on the terminal: no SQLAlchemy or nbformat warnings, and a clear
warning when ``--allow-unsandboxed`` is actually used.

The CLI runs in a child process (``autograder.cli.main``, as the console script calls it), so
its stderr is exactly what the terminal would show: pytest's own warning capture is not there
to swallow warnings in between.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from autograder.cli import main

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT, NOTEBOOK = "ps1_graphs", "graphs"

# argv[1] "no-sandbox" stands in for a host where bubblewrap cannot start.
CLI = """
import sys
from autograder.execution import bwrap
if sys.argv[1] == "no-sandbox":
    bwrap.unavailable_reason = lambda uid=bwrap.DEFAULT_SANDBOX_UID: "stand-in: bubblewrap cannot start here"
from autograder.cli import main
sys.exit(main(sys.argv[2:]))
"""


# How Python prints a warning: "<file>.py:<line>: <Category>: <message>".
PYTHON_WARNING = re.compile(r"\.py:\d+: \w+: ")


def run_cli(host: str, argv: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", CLI, host, *argv], capture_output=True, text=True, timeout=900)


def test_a_grading_run_shows_no_library_warnings_and_says_when_it_runs_unsandboxed(tmp_path):
    # The released notebook with the cell ids nbformat complains about: one missing, one repeated.
    nb = json.loads((ROOT / "exercises" / ASSIGNMENT / f"{NOTEBOOK}.ipynb").read_text())
    del nb["cells"][0]["id"]
    nb["cells"][2]["id"] = nb["cells"][1]["id"]
    for student in ("alice", "bob"):
        (tmp_path / "in" / student).mkdir(parents=True)
        (tmp_path / "in" / student / f"{NOTEBOOK}.ipynb").write_text(json.dumps(nb))
    common = ["--workspace", str(tmp_path / "ws")]
    assert main(["collect", ASSIGNMENT, str(tmp_path / "in"), *common]) == 0

    done = run_cli("no-sandbox", ["grade", ASSIGNMENT, "--allow-unsandboxed", "--student", "alice", *common])
    assert done.returncode == 0, done.stderr
    warning, *rest = done.stderr.splitlines()
    assert warning == ("backprop-grader grade: WARNING: grading WITHOUT a sandbox (--allow-unsandboxed; stand-in: "
                       "bubblewrap cannot start here): student code runs as you and can read and change your "
                       "files and use the network")
    assert rest and not [line for line in rest if PYTHON_WARNING.search(line)], rest
    assert done.stdout.startswith("alice") and "graded" in done.stdout

    # Where the sandbox works, the option changes nothing and nothing is said about it.
    done = run_cli("sandbox", ["grade", ASSIGNMENT, "--allow-unsandboxed", "--student", "bob", *common])
    assert done.returncode == 0, done.stderr
    assert "sandbox" not in done.stderr and not PYTHON_WARNING.search(done.stderr), done.stderr


def test_the_stand_in_host_really_has_no_sandbox(tmp_path):
    """The stand-in above is honest: without --allow-unsandboxed, grading refuses (exit 7)."""
    src = tmp_path / "in" / "alice"
    src.mkdir(parents=True)
    shutil.copy(ROOT / "exercises" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", src)
    common = ["--workspace", str(tmp_path / "ws")]
    assert main(["collect", ASSIGNMENT, str(tmp_path / "in"), *common]) == 0
    done = run_cli("no-sandbox", ["grade", ASSIGNMENT, *common])
    assert done.returncode == 7 and "stand-in: bubblewrap cannot start here" in done.stderr


def test_started_through_a_relative_interpreter_path_it_grades(tmp_path):
    """``cd course/term && ../../repo/.venv/bin/python -m autograder grade ...``, as an instructor might."""
    src = tmp_path / "in" / "alice"
    src.mkdir(parents=True)
    shutil.copy(ROOT / "exercises" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", src)
    term = tmp_path / "course" / "term"
    term.mkdir(parents=True)
    python = os.path.relpath(sys.executable, term)
    assert python.startswith("../")
    common = ["--workspace", "ws", "--repo", str(ROOT)]
    for argv in (["collect", ASSIGNMENT, str(tmp_path / "in")], ["grade", ASSIGNMENT]):
        done = subprocess.run([python, "-m", "autograder", *argv, *common], cwd=term, capture_output=True,
                              text=True, timeout=900)
        assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("alice") and " graded: every notebook ran to the end" in done.stdout
