"""Ctrl-C during ``grade``: one line on the terminal, nothing left running, and the next run resumes.

The grader runs as ``python -m autograder`` in a session of its own, and the test sends SIGINT
to that whole process group, as a terminal does on Ctrl-C: the coordinator and its Dask worker
processes receive it alike. Submissions that must be running at that moment hold in a cell
until the test lets them go (a file in their sandbox's scratch folder), so every wait here
waits for a condition, never for a fixed time.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import psutil
import pytest
from nbformat.v4 import new_code_cell

from autograder.cli import main
from autograder.pipeline.gradebook import read_status

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT, NOTEBOOK = "ps1_graphs", "graphs"
#: A cell that says it started, then waits for the test to let it go (bounded by the cell time limit).
HOLD = ("import os, time\nopen('started', 'w').close()\n"
        "while not os.path.exists('release'):\n    time.sleep(0.05)")
WAIT = 300
INTERRUPTED = "backprop-grader grade: interrupted; run it again to resume"


def collected(tmp_path: Path, held: list[str], plain: list[str]) -> list[str]:
    """Collect the released notebook for every student, ``held`` ones with HOLD as their first code cell."""
    for student in held + plain:
        nb = nbformat.read(ROOT / "exercises" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
        if student in held:
            nb.cells.insert(1, new_code_cell(HOLD))
        (tmp_path / "in" / student).mkdir(parents=True)
        nbformat.write(nb, tmp_path / "in" / student / f"{NOTEBOOK}.ipynb")
    common = ["--workspace", str(tmp_path / "ws"), "--repo", str(ROOT)]
    assert main(["collect", ASSIGNMENT, str(tmp_path / "in"), *common]) == 0
    return common


class Run:
    """``python -m autograder grade`` in its own process group, its stderr read line by line as it comes."""

    def __init__(self, common: list[str]):
        self.proc = subprocess.Popen([sys.executable, "-m", "autograder", "grade", ASSIGNMENT, *common],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     start_new_session=True)
        self.err: list[str] = []
        self._reader = threading.Thread(target=lambda: self.err.extend(self.proc.stderr), daemon=True)
        self._reader.start()

    def started(self) -> list[Path]:
        """The ``started`` files of this run's held notebooks (scratch folders are tagged with its pid)."""
        return sorted(Path(tempfile.gettempdir()).glob(f"backprop-sandbox-*-run{self.proc.pid}-*/home/started"))

    def wait_for(self, condition, what: str):
        deadline = time.monotonic() + WAIT
        while not (result := condition()):
            assert self.proc.poll() is None, f"the run ended before {what}: {''.join(self.err)}"
            assert time.monotonic() < deadline, f"gave up waiting for {what}"
            time.sleep(0.05)
        return result

    def ctrl_c(self) -> list[psutil.Process]:
        """SIGINT to the run's process group, as the terminal sends it; return what the run had started."""
        started = psutil.Process(self.proc.pid).children(recursive=True)
        os.killpg(self.proc.pid, signal.SIGINT)
        return started

    def finish(self, release_held: bool = False) -> tuple[int, str, list[str]]:
        """Wait for the end (letting held notebooks go as they start, if asked); (exit code, stdout, stderr lines)."""
        deadline = time.monotonic() + WAIT
        while self.proc.poll() is None:
            assert time.monotonic() < deadline, "the run did not end"
            if release_held:
                for path in self.started():
                    (path.parent / "release").touch()
            time.sleep(0.05)
        out = self.proc.stdout.read()
        self._reader.join(30)
        return self.proc.returncode, out, [line.rstrip("\n") for line in self.err]


def assert_one_line(code: int, out: str, err: list[str]) -> None:
    """Exit 130 and, besides the progress bar's lines, exactly the one line."""
    assert code == 130 and out == "", (code, out, err)
    assert err[-1] == INTERRUPTED and all(line.startswith("[") for line in err[:-1]), "\n".join(err)


def assert_all_ended(processes: list[psutil.Process]) -> None:
    """Workers, sandboxes and the rest end with the run (psutil compares start times: no pid reuse)."""
    gone, alive = psutil.wait_procs(processes, timeout=60)
    assert alive == [], [p.cmdline() for p in alive]


def test_ctrl_c_while_notebooks_run_says_one_line_and_the_next_run_resumes(tmp_path):
    common = collected(tmp_path, held=["ben", "cid"], plain=["ann"])
    db = f"sqlite:///{tmp_path / 'ws' / 'gradebook.db'}"
    run = Run(common)
    run.wait_for(lambda: any(" ann: graded, " in line for line in run.err), "ann's grade")
    run.wait_for(run.started, "a held notebook")
    started = run.ctrl_c()
    assert_one_line(*run.finish())
    assert_all_ended(started)
    before = read_status(db, ASSIGNMENT)
    assert sorted(before) == ["ann"]      # the held ones were running: no grade, no status row

    log_file = tmp_path / "ws" / "logs" / f"grade-{ASSIGNMENT}.log"
    logged_before = log_file.stat().st_size
    code, out, err = Run(common).finish(release_held=True)
    assert code == 0, err
    assert [line.split()[0] for line in out.splitlines()] == ["ann", "ben", "cid"]
    assert any("(1 skipped)" in line for line in err)
    after = read_status(db, ASSIGNMENT)
    assert after["ann"] == before["ann"]  # not graded twice
    assert {s: r.status for s, r in after.items()} == {"ann": "graded", "ben": "graded", "cid": "graded"}
    # A clean run leaves no warning in the log (nbgrader's "checksum has changed" for every test cell was one).
    log = log_file.read_text()[logged_before:]
    assert "judged cid/" in log and " WARNING " not in log and " ERROR " not in log, log


@pytest.mark.parametrize("moment", ["as grading begins", "as the first notebook starts"])
def test_ctrl_c_at_any_moment_of_a_run_says_one_line(tmp_path, moment):
    common = collected(tmp_path, held=["ann", "ben"], plain=[])
    run = Run(common)
    if moment == "as grading begins":
        run.wait_for(lambda: run.err, "the progress bar")
    else:
        run.wait_for(run.started, "a held notebook")
    started = run.ctrl_c()
    assert_one_line(*run.finish())
    assert_all_ended(started)
