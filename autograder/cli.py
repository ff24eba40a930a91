"""``backprop-grader``: the instructor's command line, a thin layer over the library.

Each command calls one function (release.release, collect.collect, grade.grade,
feedback.feedback, report.report); errors are GraderError subclasses turned into
one line on stderr and the exit code of their class.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder import collect as collect_mod
from autograder import feedback as feedback_mod
from autograder import grade as grade_mod
from autograder import release as release_mod
from autograder import report as report_mod
from autograder.config import CELL_TIMEOUT, WORKSPACE_ENV, Course
from autograder.errors import GraderError, StaleReleaseError

EPILOG = f"""\
a typical term:
  backprop-grader release                       regenerate exercises/ from solutions/
  backprop-grader collect ps2_layers subs.zip --roster roster.csv
  backprop-grader grade ps2_layers              autograde, resumable
  backprop-grader feedback ps2_layers           HTML per student
  backprop-grader report ps2_layers             grades CSV, pass rates, plots

The workspace (submissions, autograded notebooks, feedback, reports and the
SQLite gradebook) is --workspace, else ${WORKSPACE_ENV}, else <repo>/grading.
exit codes: 0 ok, 1 error, 2 usage, 3 unreadable source, 4 unsafe archive,
5 stale release, 6 gradebook busy or unreachable, 7 no sandbox available.
"""


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--repo", type=Path, help="course repository holding solutions/ and exercises/ "
                                                  "(default: the one this package was installed from)")
    common.add_argument("--workspace", type=Path, help="grading workspace folder")
    common.add_argument("--db-url", help="gradebook as an SQLAlchemy URL, e.g. postgresql://user@host/course "
                                         "(default: sqlite:///<workspace>/gradebook.db)")

    parser = argparse.ArgumentParser(prog="backprop-grader", description="Release, collect, grade and report "
                                     "the assignments of Backpropagation from Scratch.", epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("release", parents=[common], help="regenerate exercises/ from solutions/")
    p.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="default: all")
    p.add_argument("--check", action="store_true",
                   help="write nothing; fail (exit 5) if exercises/ is stale or shows solutions or hidden tests")

    p = sub.add_parser("collect", parents=[common], help="import submissions into the workspace")
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.add_argument("source", type=Path, metavar="SOURCE", help="folder of submissions or an LMS download .zip")
    p.add_argument("--roster", type=Path, help="student ids, one per line or a CSV with an 'id' column; "
                                               "others are reported and skipped")

    p = sub.add_parser("grade", parents=[common], help="autograde every collected submission")
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.add_argument("--student", action="append", dest="students", metavar="ID", help="only this student (repeat)")
    p.add_argument("--force", action="store_true", help="grade again submissions that are already graded")
    p.add_argument("--timeout", type=int, default=CELL_TIMEOUT, help="seconds per cell (default %(default)s)")
    p.add_argument("--allow-unsandboxed", action="store_true",
                   help="where no sandbox is possible, run student code as you anyway (unsafe)")
    p.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="run the notebooks on this Dask scheduler's "
                   "workers (default: $DASK_SCHEDULER_ADDRESS, else one local worker per core)")
    p.add_argument("--workers", type=int, metavar="N", help="local workers (default: one per core)")

    for name, text in (("feedback", "write an HTML feedback page per student"),
                       ("report", "write grades CSV, pass rates, histogram and frequent mistakes")):
        p = sub.add_parser(name, parents=[common], help=text)
        p.add_argument("assignment", metavar="ASSIGNMENT")
    return parser


def _course(args: argparse.Namespace) -> Course:
    kwargs = {"workspace": args.workspace, "db_url": args.db_url,
              "cell_timeout": getattr(args, "timeout", CELL_TIMEOUT),
              "allow_unsandboxed": getattr(args, "allow_unsandboxed", False)}
    if args.repo is not None:
        kwargs["repo"] = args.repo
    return Course(**kwargs)


def _release(course: Course, args, out) -> int:
    if args.check:
        problems = release_mod.stale(course, args.assignments or None)
        problems += release_mod.leaks(course, args.assignments or None)
        if problems:
            raise StaleReleaseError(f"exercises/ is not a clean, current release ({len(problems)} problems, "
                                    f"first: {problems[0]}); run `backprop-grader release` and commit exercises/")
        print("exercises/ is current and shows no solutions or hidden tests", file=out)
        return 0
    for path in release_mod.release(course, args.assignments or None):
        print(f"wrote {path}", file=out)
    return 0


def _collect(course: Course, args, out) -> int:
    rep = collect_mod.collect(course, args.assignment, args.source, args.roster)
    print(f"collected {len(rep.collected)} submissions of {args.assignment} into {course.submitted_dir}", file=out)
    for problem in rep.problems:
        print(f"  {problem}", file=out)
    return 0


def _grade(course: Course, args, out) -> int:
    rows = grade_mod.grade(course, args.assignment, force=args.force, students=args.students,
                           progress=grade_mod.progress_bar(sys.stderr), scheduler=args.scheduler,
                           workers_count=args.workers)
    width = max(len(r.student) for r in rows)
    for r in rows:
        print(f"{r.student:<{width}}  {r.score:>6g} / {r.max_score:<6g} {r.status}: {r.reason}", file=out)
    return 0


def _feedback(course: Course, args, out) -> int:
    paths = feedback_mod.feedback(course, args.assignment)
    print(f"wrote {len(paths)} feedback pages under {course.feedback_dir}", file=out)
    return 0


def _report(course: Course, args, out) -> int:
    rep = report_mod.report(course, args.assignment)
    print(f"wrote {rep.html}, {rep.grades_csv} and {len(rep.figures)} figures", file=out)
    return 0


COMMANDS = {"release": _release, "collect": _collect, "grade": _grade, "feedback": _feedback, "report": _report}


def main(argv: list[str] | None = None) -> int:
    """Run one command; return the exit code (argparse exits 2 itself on bad usage)."""
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](_course(args), args, sys.stdout)
    except GraderError as exc:
        print(f"backprop-grader {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"backprop-grader {args.command}: interrupted; run it again to resume", file=sys.stderr)
        return 130
