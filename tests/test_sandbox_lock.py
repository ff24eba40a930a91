"""The gradebook lock: a second grading run waits or refuses, and a killed run leaves no stale lock."""
from __future__ import annotations

import itertools
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from autograder.errors import GradebookError
from autograder.pipeline.lock import file_lock, grading_lock, lock_path

HOLD = """
import sys, time
from pathlib import Path
from autograder.pipeline.lock import grading_lock
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
    assert lock_path("postgresql://u@localhost/db", tmp_path / "ws") is None   # held inside the server
    other = lock_path("mysql://u@localhost/db", tmp_path / "ws")
    assert other.parent == tmp_path / "ws" and other.name.startswith(".gradebook-")
    assert other != lock_path("mysql://u@localhost/other", tmp_path / "ws")
    # Neither the driver nor the password nor the host's case makes it another database.
    assert other == lock_path("mysql+pymysql://u:secret@LocalHost/db", tmp_path / "ws")


def sqlite_spellings(tmp_path) -> dict[str, str]:
    """Ways to write the URL of the one SQLite gradebook tmp_path/real/gb.db (run from tmp_path)."""
    real = tmp_path / "real"
    real.mkdir(exist_ok=True)
    if not (tmp_path / "link").exists():
        (tmp_path / "link").symlink_to(real, target_is_directory=True)
        (tmp_path / "alias.db").symlink_to(real / "gb.db")
    return {"absolute": f"sqlite:///{real}/gb.db",
            "driver named": f"sqlite+pysqlite:///{real}/gb.db",
            "relative": "sqlite:///real/gb.db",
            "dot-dot": f"sqlite:///{real}/../real/./gb.db",
            "symlinked folder": f"sqlite:///{tmp_path}/link/gb.db",
            "symlinked file": f"sqlite:///{tmp_path}/alias.db",
            "SQLite URI": f"sqlite:///file:{real}/gb.db?mode=rwc&uri=true"}


def test_every_spelling_of_a_sqlite_gradebook_meets_the_same_lock(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    urls = sqlite_spellings(tmp_path)
    for first, second in itertools.permutations(urls, 2):
        with grading_lock(urls[first], tmp_path / "ws-a") as held:
            assert held == tmp_path / "real" / "gb.db.lock"
            with pytest.raises(GradebookError, match=rf"busy: grading run pid {os.getpid()} "):
                with grading_lock(urls[second], tmp_path / "ws-b"):
                    pytest.fail(f"{first} and {second} both hold the gradebook")
            # Another file is another gradebook: its run is not held up.
            with grading_lock(f"sqlite:///{tmp_path}/real/other.db", tmp_path / "ws-b"):
                pass


def test_a_waiting_run_is_told_the_holder_and_gets_the_lock_when_the_first_ends(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    urls = sqlite_spellings(tmp_path)
    waiting, got, told = threading.Event(), threading.Event(), []

    def second_run() -> None:
        with grading_lock(urls["symlinked folder"], tmp_path / "ws-b", wait=600,
                          on_wait=lambda holder: (told.append(holder), waiting.set())):
            got.set()

    with grading_lock(urls["relative"], tmp_path / "ws-a"):
        waiter = threading.Thread(target=second_run)
        waiter.start()
        assert waiting.wait(timeout=120) and not got.is_set()
    waiter.join(timeout=120)
    assert got.is_set() and told == [f"grading run pid {os.getpid()} on {socket.gethostname()} since "
                                     f"{told[0].rsplit('since ', 1)[1]}"]


def test_a_lock_file_that_cannot_be_made_is_one_clear_error(tmp_path):
    with pytest.raises(GradebookError, match=rf"cannot reach the gradebook sqlite:///{tmp_path}/missing/gb.db: "
                                             rf"the folder {tmp_path}/missing does not exist; check --db-url$"):
        with grading_lock(f"sqlite:///{tmp_path}/missing/gb.db", tmp_path):
            pass
    with pytest.raises(GradebookError, match=rf"cannot create the lock file {tmp_path}/gone/.grading.lock: "):
        with file_lock(tmp_path / "gone" / ".grading.lock", 0, lambda holder: holder):
            pass


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
        assert path == tmp_path / "gradebook.db.lock" and path.exists()


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
