"""Throughput of grading: plain ``nbgrader autograde`` against ``grade`` with 1 worker and with every core,
and the time to regrade one student.

    python benchmarks/bench_grading.py [--n 20] [--rounds 2] [--regrades 5] [--assignments ps1_graphs ...]

For each assignment, ``--n`` perfect submissions (the released notebook with the
instructor's solutions filled in) are graded three ways, each in its own workspace:

- ``nbgrader``: the stock ``nbgrader autograde`` command (nbgrader's own
  preprocessors, no sandbox, one notebook after another), as a reference;
- ``grade-1``: ``grade`` with the sandbox on and an embedded cluster of 1 worker;
- ``grade-N``: the same with one worker per core.

The submissions are split into ``--rounds`` batches and every batch is graded by the
three in turn (the order rotating), so that whatever else loads the machine hits all
three alike. Printed per assignment and in total: wall seconds per notebook (start-up
and shut-down of each command or cluster included) and *steady* (from the first
submission's start to the last one's end), cores used (CPU seconds of this process
and all its children, over wall seconds), the ratios, and the time 4,000 notebooks
would take at that pace. Then the per-notebook costs of the 1-worker run (the
coordinator's CPU, a worker's time) and what they project for more cores, labelled
as a model (:meth:`Figure.projected`).

Regrading one student is timed as the instructor types it, the whole command from the
interpreter's start to its exit: ``nbgrader autograde A --student X --force`` against
``python -m autograder grade A --student X --force``, ``--regrades`` times each, in turn, on
workspaces where everyone is graded already; with the worker processes the grader started.
Nothing is asserted: timings are for reading.
"""
from __future__ import annotations

import argparse
import os
import runpy
import statistics
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from autograder.config import Course, default_repo
from autograder.execution import sandbox
from autograder.execution.workers import cores
from autograder.pipeline import grade as grade_module
from autograder.pipeline import release
from autograder.pipeline.collect import collect

#: What the figures are extrapolated to: 1,000 students x 4 assignments.
COURSE_NOTEBOOKS = 4000
#: Worker counts the model (Figure.projected) is evaluated for.
PROJECTED_WORKERS = (1, 2, 4, 8, 16)
perfect_submissions = runpy.run_path(str(Path(__file__).with_name("bench_sandbox.py")))["perfect_submissions"]

NBGRADER_CONFIG = """\
c = get_config()
c.CourseDirectory.root = {root!r}
c.CourseDirectory.course_id = "backprop"
c.CourseDirectory.db_url = {db!r}
c.CourseDirectory.source_directory = {source!r}
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.Autograde.force = True
c.Application.log_format = "%(created).3f %(message)s"
"""


@dataclass
class Figure:
    notebooks: int = 0
    wall: float = 0.0
    cpu: float = 0.0
    working: float = 0.0   # wall seconds from the first submission's start to the last one's end
    coordinator: float = 0.0   # CPU seconds of the coordinator's own steps (sanitize, judge, write)
    executing: float = 0.0     # seconds workers spent running notebooks (sandbox start to result read)

    def add(self, other: "Figure") -> None:
        self.notebooks += other.notebooks
        self.wall += other.wall
        self.cpu += other.cpu
        self.working += other.working
        self.coordinator += other.coordinator
        self.executing += other.executing

    def projected(self, workers: int) -> float:
        """Steady s/notebook with ``workers`` workers, each on its own core and the coordinator on one more.

        The coordinator handles one submission at a time and the workers share the rest, so the
        slower of the two sets the pace. A model fed with this run's per-notebook costs, not a
        measurement: contention on a small machine inflates both costs, cache and memory
        bandwidth limits on a big one are left out.
        """
        return max(self.coordinator, self.executing / workers) / self.notebooks

    @property
    def per_notebook(self) -> float:
        return self.wall / self.notebooks

    @property
    def steady(self) -> float:
        """Seconds per notebook from the first submission's start to the last one's end (start-up and
        shut-down left out): what a whole course's run costs per notebook."""
        return self.working / self.notebooks

    @property
    def cores_used(self) -> float:
        return self.cpu / self.wall


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _stamped(line: str) -> bool:
    """A line of nbgrader's log in NBGRADER_CONFIG's format (``<unix time> <message>``)."""
    head = line.split(" ", 1)[0]
    return head.replace(".", "", 1).isdigit()


def _workspace(repo: Path, assignment: str, root: Path, students: list[str]) -> Course:
    for part in ("solutions", "exercises"):
        shutil.copytree(repo / part / assignment, root / "repo" / part / assignment)
    course = Course(repo=root / "repo", workspace=root / "workspace")
    perfect_submissions(course, assignment, students, root / "inbox")
    collect(course, assignment, root / "inbox")
    release.register(course, assignment)
    (course.workspace / "nbgrader_config.py").write_text(NBGRADER_CONFIG.format(
        root=str(course.workspace), db=course.gradebook_url,
        source=os.path.relpath(course.source_dir, course.workspace)))
    return course


def _run(mode: str, course: Course, assignment: str, batch: list[str], prefix: str) -> Figure:
    notebooks = len(batch) * len(course.notebooks(assignment))
    cpu, start = _cpu(), time.time()
    if mode == "nbgrader":
        nbgrader = Path(sys.executable).with_name("nbgrader")
        done = subprocess.run([str(nbgrader), "autograde", assignment, "--student", f"{prefix}*"],
                              cwd=course.workspace, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"nbgrader autograde failed:\n{done.stderr[-3000:]}")
        # The log line "<time> Sanitizing ..." of the first notebook: nbgrader is up by then;
        # its last log line: the last notebook is written.
        stamps = [(float(line.split()[0]), line) for line in done.stderr.splitlines() if _stamped(line)]
        first = min(t for t, line in stamps if " Sanitizing " in line)
        last = max(t for t, _ in stamps)
    else:
        workers = 1 if mode == "grade-1" else cores()
        began: list[float] = []
        ended: list[float] = []
        spent = {"coordinator": 0.0, "executing": 0.0}
        real = {name: getattr(grade_module._Run, name) for name in ("run", "_prepare", "_finish")}
        real_outputs = sandbox.outputs_from_worker

        def timed(self, *args):   # the cluster is up and the gradebook open: grading begins
            began.append(time.time())
            try:
                return real["run"](self, *args)
            finally:
                ended.append(time.time())   # every row written; the cluster's shutdown follows

        def outputs_from_worker(nb, record):   # the coordinator takes each notebook's worker record here
            spent["executing"] += record["seconds"]   # the worker's own timing of the run
            return real_outputs(nb, record)

        def on_coordinator(name):
            def step(self, *args):
                cpu = time.thread_time()   # this thread only: the scheduler's threads are not the coordinator
                try:
                    return real[name](self, *args)
                finally:
                    spent["coordinator"] += time.thread_time() - cpu
            return step

        grade_module._Run.run = timed
        sandbox.outputs_from_worker = outputs_from_worker
        grade_module._Run._prepare, grade_module._Run._finish = on_coordinator("_prepare"), on_coordinator("_finish")
        try:
            rows = grade_module.grade(course, assignment, students=batch, workers_count=workers)
        finally:
            for name, method in real.items():
                setattr(grade_module._Run, name, method)
            sandbox.outputs_from_worker = real_outputs
        first, last = began[0], ended[0]
        bad = [r for r in rows if r.score != r.max_score]
        if bad:
            raise RuntimeError(f"{assignment}/{bad[0].student} ({mode}) scored {bad[0].score}/{bad[0].max_score}: "
                               f"{bad[0].status}: {bad[0].reason}")
    end = time.time()
    if mode == "nbgrader":
        return Figure(notebooks, end - start, _cpu() - cpu, last - first)
    return Figure(notebooks, end - start, _cpu() - cpu, last - first, spent["coordinator"], spent["executing"])


def bench_assignment(repo: Path, assignment: str, n: int, rounds: int, scratch: Path,
                     modes: tuple[str, ...]) -> dict[str, Figure]:
    batches = [[f"r{r}_s{i:04d}" for i in range(n) if i % rounds == r] for r in range(rounds)]
    courses = {m: _workspace(repo, assignment, scratch / assignment / m, sum(batches, [])) for m in modes}
    figures = {m: Figure() for m in modes}
    for r, batch in enumerate(batches):
        order = modes[r % len(modes):] + modes[:r % len(modes)]
        for mode in order:
            figures[mode].add(_run(mode, courses[mode], assignment, batch, f"r{r}_"))
    return figures


def _timed_command(argv: list[str], cwd: Path) -> tuple[float, int]:
    """Wall seconds of one command and how many Dask worker processes it started (its children, polled)."""
    import psutil

    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    workers: set[int] = set()
    parent = psutil.Process(proc.pid)
    while proc.poll() is None:
        try:
            workers |= {c.pid for c in parent.children() if "spawn_main" in " ".join(c.cmdline())}
        except psutil.Error:   # a child ended while being looked at
            pass
        time.sleep(0.02)
    seconds = time.perf_counter() - start
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed:\n{err[-3000:]}")
    return seconds, len(workers)


def bench_regrade(repo: Path, assignment: str, times: int, scratch: Path) -> dict[str, tuple[list[float], int]]:
    """{"nbgrader"|"grade": ([wall seconds of each regrade], most workers started)} for one student."""
    student = "r0_s0000"
    commands = {}
    for mode in ("nbgrader", "grade"):
        course = _workspace(repo, assignment, scratch / assignment / f"regrade-{mode}", [student, "r0_s0001"])
        if mode == "nbgrader":
            commands[mode] = ([str(Path(sys.executable).with_name("nbgrader")), "autograde", assignment,
                               "--student", student, "--force"], course.workspace)
        else:
            commands[mode] = ([sys.executable, "-m", "autograder", "grade", assignment, "--student", student,
                               "--force", "--workspace", str(course.workspace), "--repo", str(course.repo)],
                              course.workspace)
        _timed_command(*commands[mode])   # everyone graded once: what follows is a regrade
    seconds: dict[str, list[float]] = {mode: [] for mode in commands}
    workers = dict.fromkeys(commands, 0)
    for _ in range(times):
        for mode, command in commands.items():
            wall, started = _timed_command(*command)
            seconds[mode].append(wall)
            workers[mode] = max(workers[mode], started)
    return {mode: (seconds[mode], workers[mode]) for mode in commands}


def _spread(seconds: list[float]) -> str:
    return f"{statistics.median(seconds):5.2f} s ({min(seconds):.2f}-{max(seconds):.2f})"


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.2f} h" if seconds >= 3600 else f"{seconds / 60:.1f} min"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repo", type=Path, default=default_repo(), help="course repository (default: this one)")
    parser.add_argument("--assignments", nargs="*", help="assignments to grade (default: all)")
    parser.add_argument("--n", type=int, default=20, help="perfect submissions per assignment (default 20; "
                                                               "0: no batch figures)")
    parser.add_argument("--rounds", type=int, default=2, help="batches each way is graded in, interleaved")
    parser.add_argument("--regrades", type=int, default=5, help="times one student is regraded each way (0: none)")
    args = parser.parse_args(argv)
    if args.n < 0 or args.n and not 1 <= args.rounds <= args.n or args.regrades < 0:
        parser.error("--n and --regrades must be at least 0 (0: leave those figures out) and --rounds between 1 "
                     "and --n")
    warnings.filterwarnings("ignore", module="nbgrader")   # nbgrader's SQLAlchemy warnings drown the table
    from autograder.execution.sandbox import require_sandbox
    require_sandbox(False)
    names = args.assignments or Course(repo=args.repo).assignments()
    print(f"{cores()} cores here, load average at start {os.getloadavg()[0]:.2f}")
    if args.n:
        _batch(args, names)
    if args.regrades:
        _regrade(args, names)
    print(f"load average at the end {os.getloadavg()[0]:.2f}")
    return 0


def _batch(args: argparse.Namespace, names: list[str]) -> None:
    n_cores = cores()
    modes = ("nbgrader", "grade-1", f"grade-{n_cores}") if n_cores > 1 else ("nbgrader", "grade-1")
    print(f"{args.n} perfect submissions per assignment, {args.rounds} interleaved rounds")
    print("s/notebook: the whole command over the notebooks; steady: from the first submission's start to the "
          "last one's end (start-up and shut-down of the command or cluster left out)")
    print(f"{'assignment':<14} {'mode':<9} {'notebooks':>9} {'wall s':>8} {'s/notebook':>10} {'steady':>7} "
          f"{'cores used':>10}")
    total = {m: Figure() for m in modes}
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        for name in names:
            figures = bench_assignment(args.repo, name, args.n, args.rounds, Path(tmp), modes)
            for mode, f in figures.items():
                total[mode].add(f)
                print(f"{name:<14} {mode:<9} {f.notebooks:>9} {f.wall:8.1f} {f.per_notebook:10.2f} {f.steady:7.2f} "
                      f"{f.cores_used:10.2f}", flush=True)
    for mode, f in total.items():
        print(f"{'all':<14} {mode:<9} {f.notebooks:>9} {f.wall:8.1f} {f.per_notebook:10.2f} {f.steady:7.2f} "
              f"{f.cores_used:10.2f}")
    print("throughput against plain nbgrader autograde (higher is faster), whole command / steady:")
    for mode in modes[1:]:
        print(f"  {mode:<9} {total['nbgrader'].per_notebook / total[mode].per_notebook:5.2f}x / "
              f"{total['nbgrader'].steady / total[mode].steady:5.2f}x")
    if len(modes) == 3:
        print(f"  {modes[2]} against grade-1: {total['grade-1'].per_notebook / total[modes[2]].per_notebook:.2f}x / "
              f"{total['grade-1'].steady / total[modes[2]].steady:.2f}x")
    print(f"{COURSE_NOTEBOOKS:,} notebooks at the steady pace (one start-up is negligible there):")
    for mode, f in total.items():
        print(f"  {mode:<9} {_hours(f.steady * COURSE_NOTEBOOKS)}")
    one = total["grade-1"]
    print(f"per notebook (grade-1 run): coordinator {one.coordinator / one.notebooks:.3f} CPU s, "
          f"worker {one.executing / one.notebooks:.3f} s")
    print("projected for more cores (a model fed with the grade-1 costs above, NOT measured here; see "
          "Figure.projected):")
    for w in PROJECTED_WORKERS:
        print(f"  {w:>2} workers: {one.projected(w):.3f} s/notebook, {total['nbgrader'].steady / one.projected(w):5.2f}x "
              f"nbgrader, {one.projected(1) / one.projected(w):5.2f}x 1 worker, 4,000 notebooks in "
              f"{_hours(one.projected(w) * COURSE_NOTEBOOKS)}")


def _regrade(args: argparse.Namespace, names: list[str]) -> None:
    print(f"regrading one student (--student X --force), the whole command from start to exit, "
          f"{args.regrades} times each way in turn: median (min-max) wall seconds")
    with tempfile.TemporaryDirectory(prefix="bench-regrade-") as tmp:
        for name in names:
            figures = bench_regrade(args.repo, name, args.regrades, Path(tmp))
            (ours, workers), (theirs, _) = figures["grade"], figures["nbgrader"]
            print(f"  {name:<14} nbgrader autograde {_spread(theirs)}   backprop-grader grade {_spread(ours)} "
                  f"with {workers} worker process{'es' if workers != 1 else ''}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
