"""The gradebook lock: a second grading run waits or refuses, and a killed run leaves no stale lock."""
from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from autograder.errors import GradebookError
from autograder.lock import grading_lock, lock_path

HOLD = """
import sys, time
from pathlib import Path
from autograder.lock import grading_lock
with grading_lock(sys.argv[1], Path(sys.argv[2])):
    print("locked", flush=True)
    time.sleep(120)
"""


def hold_in_child(url: str, workspace) -> subprocess.Popen:
    child = subprocess.Popen([sys.executable, "-c", HOLD, url, str(workspace)], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "locked"
    return child


def test_lock_file_sits_beside_a_sqlite_gradebook_and_in_the_workspace_otherwise(tmp_path):
    assert lock_path(f"sqlite:///{tmp_path}/gb.db", tmp_path / "ws") == tmp_path / "gb.db.lock"
    other = lock_path("postgresql://u@localhost/db", tmp_path / "ws")
    assert other.parent == tmp_path / "ws" and other.name.startswith(".gradebook-")
    assert other != lock_path("postgresql://u@localhost/other", tmp_path / "ws")


def test_second_run_refuses_naming_the_holder_then_proceeds_after_sigkill(tmp_path):
    url = f"sqlite:///{tmp_path}/gradebook.db"
    child = hold_in_child(url, tmp_path)
    try:
        with pytest.raises(GradebookError, match=rf"busy: grading run pid {child.pid}"):
            with grading_lock(url, tmp_path):
                pass
        start = time.monotonic()
        with pytest.raises(GradebookError, match="--wait"):
            with grading_lock(url, tmp_path, wait=1.0):
                pass
        assert time.monotonic() - start >= 1.0
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    # The kernel dropped the dead holder's flock: no stale lock to clean up by hand.
    with grading_lock(url, tmp_path) as path:
        assert path.exists()


def test_waiting_run_gets_the_lock_when_the_first_finishes(tmp_path):
    url = f"sqlite:///{tmp_path}/gradebook.db"
    child = hold_in_child(url, tmp_path)
    killer = subprocess.Popen([sys.executable, "-c", f"import os, time; time.sleep(1); os.kill({child.pid}, 9)"])
    try:
        with grading_lock(url, tmp_path, wait=30):
            assert child.wait(timeout=5) == -signal.SIGKILL
    finally:
        killer.wait()
        if child.poll() is None:
            child.kill()
            child.wait()
