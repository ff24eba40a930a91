"""What the sandbox costs: seconds per graded notebook with and without it, side by side.

    python benchmarks/bench_sandbox.py [--assignments ps1_graphs ps2_layers] [--repeat 3]

For each assignment, a perfect submission (the released notebook with the
instructor's solutions filled in) is graded ``--repeat`` times in each of two
workspaces: one with the bubblewrap sandbox, one with
``SandboxedExecute.use_sandbox = False`` (same runner, same limits, no
namespaces, no uid switch). The two are interleaved submission by submission so
that the machine's load at any moment hits both alike. It prints the mean
seconds per notebook of the whole ``grade`` step and of the execution alone,
and the difference. Nothing is asserted: timings are for reading.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import nbformat

from autograder.config import Course, default_repo
from autograder.execution import sandbox
from autograder.pipeline import grade as grade_module
from autograder.pipeline.collect import collect


def _plain(source: str) -> str:
    return "\n".join(line for line in source.splitlines()
                     if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line)


def perfect_submissions(course: Course, assignment: str, students: list[str], inbox: Path) -> None:
    """Write each student's copy of every released notebook with the solution cells filled in."""
    for name in course.notebooks(assignment):
        source = nbformat.read(str(course.source_dir / assignment / f"{name}.ipynb"), as_version=4)
        answers = {c.metadata["nbgrader"]["grade_id"]: _plain(c.source) for c in source.cells
                   if c.metadata.get("nbgrader", {}).get("solution")}
        released = nbformat.read(str(course.release_dir / assignment / f"{name}.ipynb"), as_version=4)
        for cell in released.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id in answers:
                cell.source = answers[grade_id]
        for student in students:
            (inbox / student).mkdir(parents=True, exist_ok=True)
            nbformat.write(released, str(inbox / student / f"{name}.ipynb"))


def _config_with(real, use_sandbox: bool):
    """nbgrader_config wrapped to switch the sandbox on or off."""

    def config(course, *, root):
        c = real(course, root=root)
        c.SandboxedExecute.use_sandbox = use_sandbox
        c.SandboxedExecute.allow_unsandboxed = not use_sandbox
        return c
    return config


def bench_assignment(repo: Path, assignment: str, repeat: int, scratch: Path) -> dict[str, dict[str, list[float]]]:
    """{"sandbox"|"plain": {"grade": [s per notebook...], "execute": [...]}} for one assignment."""
    # "warmup" is graded first in each mode and not counted: imports and caches fill up there.
    students = ["warmup"] + [f"s{i}" for i in range(repeat)]
    courses = {}
    for mode in ("sandbox", "plain"):
        root = scratch / assignment / mode
        for part in ("solutions", "exercises"):
            shutil.copytree(repo / part / assignment, root / "repo" / part / assignment)
        course = Course(repo=root / "repo", workspace=root / "workspace")
        perfect_submissions(course, assignment, students, root / "inbox")
        collect(course, assignment, root / "inbox")
        courses[mode] = course
    n_notebooks = len(courses["sandbox"].notebooks(assignment))
    times: dict[str, dict[str, list[float]]] = {m: {"grade": [], "execute": []} for m in courses}
    real_run, real_config = sandbox.run_notebook, grade_module.nbgrader_config
    executing: list[float] = []

    def timed_run(nb, **kwargs):
        start = time.perf_counter()
        try:
            return real_run(nb, **kwargs)
        finally:
            executing.append(time.perf_counter() - start)

    # One worker thread in this process, so that timed_run sees every execution.
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address="127.0.0.1:0")
    client = Client(cluster)
    sandbox.run_notebook = timed_run
    try:
        for student in students:
            for mode in ("sandbox", "plain"):
                grade_module.nbgrader_config = _config_with(real_config, mode == "sandbox")
                executing.clear()
                start = time.perf_counter()
                rows = grade_module.grade(courses[mode], assignment, students=[student], client=client)
                elapsed = time.perf_counter() - start
                if rows[0].score != rows[0].max_score:
                    raise RuntimeError(f"{assignment}/{student} ({mode}) scored {rows[0].score}/{rows[0].max_score}: "
                                       f"{rows[0].status}: {rows[0].reason}")
                if student != "warmup":
                    times[mode]["grade"].append(elapsed / n_notebooks)
                    times[mode]["execute"].append(sum(executing) / n_notebooks)
    finally:
        sandbox.run_notebook = real_run
        grade_module.nbgrader_config = real_config
        client.close()
        cluster.close()
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repo", type=Path, default=default_repo(), help="course repository (default: this one)")
    parser.add_argument("--assignments", nargs="*", help="assignments to grade (default: all)")
    parser.add_argument("--repeat", type=int, default=3, help="submissions graded per assignment and mode")
    args = parser.parse_args(argv)
    # nbgrader's SQLAlchemy warnings would drown the table.
    warnings.filterwarnings("ignore", module="nbgrader")
    if args.repeat < 1:
        parser.error(f"--repeat must be at least 1, got {args.repeat}")
    sandbox.require_sandbox(False)
    names = args.assignments or Course(repo=args.repo).assignments()
    print(f"seconds per graded notebook, mean of {args.repeat} (sandbox = bubblewrap + uid switch + rlimits; "
          f"plain = same runner without them)")
    print(f"{'assignment':<14} {'step':<8} {'sandbox':>8} {'plain':>8} {'cost':>8}")
    with tempfile.TemporaryDirectory(prefix="bench-sandbox-") as tmp:
        for name in names:
            times = bench_assignment(args.repo, name, args.repeat, Path(tmp))
            for step in ("grade", "execute"):
                with_s = statistics.mean(times["sandbox"][step])
                without = statistics.mean(times["plain"][step])
                print(f"{name:<14} {step:<8} {with_s:8.2f} {without:8.2f} {with_s - without:+8.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
