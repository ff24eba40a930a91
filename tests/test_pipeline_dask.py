"""Grading on real Dask clusters: an embedded two-worker LocalCluster, and a scheduler and two
workers started as separate processes (``dask scheduler``, ``dask worker``) on loopback.

Every wait here waits on a condition (a file a notebook writes, a worker joining), never
for a fixed time. Submissions that must run *at the same time* hold in a cell until the
test sees all of them started, which proves two workers ran side by side, each in its
own sandbox slot (its own uid when grading as root).
"""
from __future__ import annotations

import json
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

from autograder.checks.samples import TINY, tiny_course
from autograder.config import Course
from autograder.execution.workers import MAX_SLOTS, slot_uid
from autograder.pipeline.collect import collect
from autograder.pipeline.grade import grade
from autograder.pipeline.gradebook import STATUS, cell_scores, open_gradebook, read_status
from autograder.pipeline.release import release

RIGHT = {"double": "def times2(x):\n    return 2 * x", "triple": "def times3(x):\n    return 3 * x"}
FULL = {("double", "test_times2_visible"): 1, ("double", "test_times2_hidden"): 2,
        ("triple", "test_times3_visible"): 1, ("triple", "test_times3_hidden"): 2}
#: A cell that says it started, then waits for the test to let it go (bounded by the cell limit).
HOLD = ("import os, time\nprint('uid', os.getuid())\nopen('started', 'w').close()\n"
        "while not os.path.exists('release'):\n    time.sleep(0.05)")
#: Seconds a held cell may wait: far more than any wait here needs, so a lost release fails, never hangs.
CELL_LIMIT = 240
WAIT = 300


def _scratch(tag_pid: int, name: str) -> list[Path]:
    """Files ``home/<name>`` in sandbox scratch folders of the grading run of process ``tag_pid``."""
    return sorted(Path(tempfile.gettempdir()).glob(f"backprop-sandbox-*-run{tag_pid}-*/home/{name}"))


def _wait(condition, what: str, timeout: float = WAIT):
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)
    return result


def make_course(root: Path, held: list[str], plain: list[str]) -> Course:
    """The tiny course with right answers; ``held`` students' double notebook holds in HOLD."""
    course = Course(repo=tiny_course(root / "repo"), workspace=root / "ws", cell_timeout=CELL_LIMIT,
                    judge="autograder.checks.samples:tiny_judge")
    release(course)
    for student in held + plain:
        for name, answer in RIGHT.items():
            nb = nbformat.read(course.release_dir / TINY / f"{name}.ipynb", as_version=4)
            nb.cells[1].source = answer
            if student in held and name == "double":
                nb.cells.insert(2, new_code_cell(HOLD))
            path = root / "in" / student / f"{name}.ipynb"
            path.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, path)
    collect(course, TINY, root / "in")
    return course


def uid_printed(course: Course, student: str) -> int:
    nb = nbformat.read(course.autograded_dir / student / TINY / "double.ipynb", as_version=4)
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    return int(text.split("uid", 1)[1].split()[0])


def grade_in_thread(**kwargs):
    """Start grade() in a thread; return (thread, box) where box gets the rows or the exception."""
    box: dict = {}

    def work():
        try:
            box["rows"] = grade(**kwargs)
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            box["error"] = exc

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return thread, box


def release_all(pid: int, count: int) -> None:
    """Wait until ``count`` held notebooks of run ``pid`` have started, all at once; then let them go."""
    started = _wait(lambda: (s := _scratch(pid, "started")) and len(s) >= count and s, f"{count} held notebooks")
    for path in started:
        (path.parent / "release").touch()


def assert_graded_once(course: Course, students: list[str], rows) -> None:
    assert sorted(r.student for r in rows) == sorted(students)
    assert {r.student: (r.status, r.score) for r in rows} == {s: ("graded", 6.0) for s in students}
    with open_gradebook(course.gradebook_url, course.course_id) as gb:
        for student in students:
            assert {(c.notebook, c.cell): c.score for c in cell_scores(gb, TINY, student)} == FULL
        assert len(gb.db.execute(STATUS.select()).all()) == len(students)
        assert len(gb.assignment_submissions(TINY)) == len(students)


def test_two_local_workers_grade_side_by_side_each_in_its_own_slot(tmp_path):
    course = make_course(tmp_path, held=["ann", "ben"], plain=["cid"])
    thread, box = grade_in_thread(course=course, assignment=TINY, workers_count=2)
    # Both held notebooks running at once: only two workers can do that.
    release_all(os.getpid(), 2)
    thread.join(WAIT)
    assert not thread.is_alive() and "error" not in box, box.get("error")
    assert_graded_once(course, ["ann", "ben", "cid"], box["rows"])
    if os.geteuid() == 0:
        # Two slots, two uids; which slots depends on other grading runs on this machine holding some.
        uids = {uid_printed(course, "ann"), uid_printed(course, "ben")}
        assert len(uids) == 2 and uids <= {slot_uid(65534, n) for n in range(MAX_SLOTS)}
    # The embedded cluster is gone with the run (multiprocessing's resource tracker lives on, by design).
    assert [p.cmdline() for p in psutil.Process().children(recursive=True)
            if "multiprocessing.resource_tracker" not in " ".join(p.cmdline())] == []


def test_a_worker_killed_mid_notebook_is_replaced_and_the_submission_graded_once(tmp_path):
    course = make_course(tmp_path, held=["kim"], plain=["lea", "max"])
    thread, box = grade_in_thread(course=course, assignment=TINY, workers_count=2)
    first = _wait(lambda: _scratch(os.getpid(), "started"), "kim's notebook to start")[0]
    worker_pid = int(first.parents[1].name.split("-")[2])   # backprop-sandbox-<worker pid>-run<ours>-...
    os.kill(worker_pid, signal.SIGKILL)
    # The job runs again on a worker that is alive: a new sandbox starts and is let go.
    second = _wait(lambda: [p for p in _scratch(os.getpid(), "started") if p != first], "the retried notebook")[0]
    assert int(second.parents[1].name.split("-")[2]) != worker_pid
    (second.parent / "release").touch()
    thread.join(WAIT)
    assert not thread.is_alive() and "error" not in box, box.get("error")
    assert_graded_once(course, ["kim", "lea", "max"], box["rows"])


@pytest.fixture
def external_cluster(tmp_path):
    """``dask scheduler`` and two ``dask worker`` processes on loopback; yields the scheduler address."""
    dask = str(Path(sys.executable).with_name("dask"))
    info = tmp_path / "scheduler.json"
    env = {**os.environ, "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "1"}
    procs = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                               "--scheduler-file", str(info)], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)]
    try:
        address = _wait(lambda: info.exists() and json.loads(info.read_text() or "{}").get("address"),
                        "the scheduler's address", 120)
        for name in ("w0", "w1"):
            procs.append(subprocess.Popen([dask, "worker", address, "--name", name, "--nthreads", "1",
                                           "--nworkers", "1", "--memory-limit", "0", "--no-dashboard",
                                           "--host", "127.0.0.1"], env=env, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL))
        from distributed import Client
        with Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
        yield address
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in reversed(procs):
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def test_a_scheduler_and_two_workers_started_apart_grade_the_same(tmp_path, external_cluster):
    course = make_course(tmp_path, held=["ona", "pia"], plain=[])
    thread, box = grade_in_thread(course=course, assignment=TINY, scheduler=external_cluster)
    release_all(os.getpid(), 2)
    thread.join(WAIT)
    assert not thread.is_alive() and "error" not in box, box.get("error")
    assert_graded_once(course, ["ona", "pia"], box["rows"])
    if os.geteuid() == 0:
        assert uid_printed(course, "ona") != uid_printed(course, "pia")
    # A second run finds nothing to do, and never contacts the cluster for it.
    assert grade(course, TINY, scheduler="tcp://127.0.0.1:1") == box["rows"]
    assert set(read_status(course.gradebook_url, TINY)) == {"ona", "pia"}


def test_the_gradebook_is_opened_once_per_run_not_per_step(tmp_path, monkeypatch):
    """nbgrader's steps borrow the run's one gradebook session: more submissions, no more opens."""
    from nbgrader.api import Gradebook

    course = make_course(tmp_path, held=[], plain=["ria", "sam", "tom"])
    opened = []
    real_init = Gradebook.__init__

    def counting(self, *args, **kwargs):
        opened.append(args[0] if args else kwargs.get("db_url"))
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(Gradebook, "__init__", counting)
    grade(course, TINY, students=["ria"], workers_count=1)
    one = len(opened)
    opened.clear()
    rows = grade(course, TINY, force=True, workers_count=1)
    assert [r.status for r in rows] == ["graded"] * 3
    assert len(opened) == one


def test_a_job_whose_worker_is_lost_twice_fails_and_the_next_run_grades_it(tmp_path):
    course = make_course(tmp_path, held=["uma"], plain=[])
    thread, box = grade_in_thread(course=course, assignment=TINY, workers_count=2)
    killed: list[Path] = []
    for attempt in range(2):
        started = _wait(lambda: [p for p in _scratch(os.getpid(), "started") if p not in killed],
                        f"attempt {attempt + 1} to start")[0]
        killed.append(started)
        os.kill(int(started.parents[1].name.split("-")[2]), signal.SIGKILL)
    thread.join(WAIT)
    assert not thread.is_alive() and "error" not in box, box.get("error")
    [row] = box["rows"]
    assert row.status == "failed" and "the next run grades it again" in row.reason, row
    assert not (course.autograded_dir / "uma" / TINY).exists()
    # No --force: a failed row is graded again, and this time the notebook is let go.
    thread, box = grade_in_thread(course=course, assignment=TINY, workers_count=2)
    again = _wait(lambda: [p for p in _scratch(os.getpid(), "started") if p not in killed], "the new run")[0]
    (again.parent / "release").touch()
    thread.join(WAIT)
    assert not thread.is_alive() and "error" not in box, box.get("error")
    assert_graded_once(course, ["uma"], box["rows"])


def test_a_run_starts_no_more_workers_than_it_has_submissions_to_grade(tmp_path, monkeypatch):
    from autograder.pipeline import grade as grade_module

    course = make_course(tmp_path, held=[], plain=["ann", "ben", "cid"])
    workers_seen = []
    real_run = grade_module._Run.run

    def run(self, queue, rows):
        workers_seen.append(len(self.client.nthreads()))   # the workers the cluster really has
        return real_run(self, queue, rows)

    monkeypatch.setattr(grade_module._Run, "run", run)
    rows = grade(course=course, assignment=TINY, students=["ann"], workers_count=8)   # regrading one student
    assert [(r.student, r.status, r.score) for r in rows] == [("ann", "graded", 6.0)]
    grade(course=course, assignment=TINY, students=["ann", "ben"], force=True, workers_count=8)
    grade(course=course, assignment=TINY, force=True, workers_count=2)
    assert workers_seen == [1, 2, 2]
    # Nothing left to grade: no cluster at all.
    assert [r.status for r in grade(course=course, assignment=TINY)] == ["graded"] * 3
    assert workers_seen == [1, 2, 2]
