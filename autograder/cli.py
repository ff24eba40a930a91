"""``backprop-grader``: the instructor's command line, a thin layer over the library.

Each command calls one function (release.release, collect.collect, grade.grade,
feedback.feedback, report.report, remove.remove); errors are GraderError subclasses
turned into one line on stderr and the exit code of their class. Warnings that only
nbgrader's or nbformat's maintainers could act on are kept off the terminal here,
at the edge, by exact category (see _known_warnings).
"""
from __future__ import annotations

import argparse
import sys
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import sqlalchemy as sa
from nbformat.warnings import DuplicateCellId, MissingIDFieldWarning

from autograder.config import CELL_TIMEOUT, WORKSPACE_ENV, Course
from autograder.errors import GraderError, StaleReleaseError
from autograder.pipeline import collect as collect_mod
from autograder.pipeline import export as export_mod
from autograder.pipeline import feedback as feedback_mod
from autograder.pipeline import grade as grade_mod
from autograder.pipeline import release as release_mod
from autograder.pipeline import remove as remove_mod
from autograder.pipeline import report as report_mod
from autograder.pipeline.dburl import unreachable

EPILOG = f"""\
a typical term:
  backprop-grader release                       regenerate exercises/ from solutions/
  backprop-grader collect ps2_layers subs.zip --roster roster.csv
  backprop-grader grade ps2_layers              autograde, resumable
  backprop-grader feedback ps2_layers           HTML per student
  backprop-grader report ps2_layers             grades CSV, pass rates, plots
  backprop-grader remove ps2_layers --student ID   take one submission out again
  backprop-grader export ps2_layers --lms canvas --roster roster.csv
                                                the file your LMS imports

The workspace (submissions, autograded notebooks, feedback, reports and the
SQLite gradebook) is --workspace, else ${WORKSPACE_ENV}, else <repo>/grading.
exit codes: 0 ok, 1 error, 2 usage, 3 unreadable source or damaged zip entry,
4 unsafe archive or zip bomb, 5 stale release, 6 gradebook busy or unreachable,
7 no sandbox available, 8 a fact a grade needs is missing or ambiguous (a
submission time where lateness would follow, which student a submission is).
"""


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"expected a number of seconds >= 0, got {text!r}")
    return value


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
    p.add_argument("--roster", type=Path, help="student ids, one per line, or a CSV with 'id' and the LMS's names "
                                               "and ids (name, canvas_id, email, username); others are skipped")
    p.add_argument("--worksheet", type=Path, help="Moodle: the grading worksheet (submission times, e-mails)")
    p.add_argument("--map", type=Path, dest="mapping", metavar="FILE",
                   help="CSV lms_id,id settling students the roster cannot (id '-': leave that submission out)")
    p.add_argument("--submitted-at", action="append", metavar="[ID=]TIME",
                   help="the submission time of student ID (repeat), or of everyone in SOURCE; course.yml's zone")
    p.add_argument("--no-lateness", action="store_true",
                   help="record no submission time and charge no lateness for this collect")

    p = sub.add_parser("grade", parents=[common], help="autograde every collected submission")
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.add_argument("--student", action="append", dest="students", metavar="ID", help="only this student (repeat)")
    p.add_argument("--force", action="store_true", help="grade again submissions that are already graded")
    p.add_argument("--timeout", type=int, default=CELL_TIMEOUT, help="seconds per cell (default %(default)s)")
    p.add_argument("--allow-unsandboxed", action="store_true",
                   help="where no sandbox is possible, run student code as you anyway (unsafe)")
    p.add_argument("--wait", type=_seconds, default=0.0, metavar="SECONDS",
                   help="if another run holds the workspace or gradebook, wait this long for it (default: refuse)")
    p.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="run the notebooks on this Dask scheduler's "
                   "workers (default: $DASK_SCHEDULER_ADDRESS, else one local worker per core)")
    p.add_argument("--workers", type=int, metavar="N", help="local workers (default: one per core)")

    p = sub.add_parser("remove", parents=[common], help="delete students' submissions, grades and feedback")
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.add_argument("--student", action="append", dest="students", required=True, metavar="ID",
                   help="the student to remove (repeat)")
    p.add_argument("--wait", type=_seconds, default=0.0, metavar="SECONDS",
                   help="if a grading run holds the gradebook, wait this long for it (default: refuse)")

    p = sub.add_parser("export", parents=[common], help="write the grades file Canvas or Moodle imports")
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.add_argument("--lms", required=True, choices=("canvas", "moodle"), help="which LMS will import the file")
    p.add_argument("--roster", type=Path, required=True,
                   help="CSV with id, name and the LMS's ids (canvas_id, email); every row gets a grade")
    p.add_argument("--title", help="Canvas: the assignment's column, 'Name (canvas assignment id)' "
                                   "as in a gradebook export (default: ASSIGNMENT, a new column)")
    p.add_argument("--worksheet", type=Path, help="Moodle: the grading worksheet downloaded from the assignment")
    p.add_argument("--map", type=Path, dest="mapping", metavar="FILE",
                   help="CSV lms_id,id settling students the roster cannot (as for collect)")

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
    rep = collect_mod.collect(course, args.assignment, args.source, args.roster, args.worksheet,
                              mapping=args.mapping, submitted_at=args.submitted_at, no_lateness=args.no_lateness)
    kept = f" ({len(rep.unchanged)} unchanged since the last collect)" if rep.unchanged else ""
    print(f"collected {len(rep.collected)} submissions of {args.assignment} into {course.submitted_dir}{kept}",
          file=out)
    for student, line in rep.trail.items():
        print(f"  {student}: {line}", file=out)
    if rep.problems:
        print("needs a look:", file=out)
    for problem in rep.problems:
        print(f"  {problem}", file=out)
    return 0


def _tell_waiting(holder: str, seconds: float) -> None:
    print(f"backprop-grader: waiting up to {seconds:g} s for {holder} to finish",
          file=sys.stderr, flush=True)


def _warn_if_unsandboxed(args) -> None:
    """Say on the terminal, before any student code runs, that it will run without a sandbox."""
    from autograder.execution import bwrap
    if args.allow_unsandboxed and (reason := bwrap.unavailable_reason()) is not None:
        print(f"backprop-grader grade: WARNING: grading WITHOUT a sandbox (--allow-unsandboxed; {reason}): "
              f"student code runs as you and can read and change your files and use the network",
              file=sys.stderr, flush=True)


def _grade(course: Course, args, out) -> int:
    _warn_if_unsandboxed(args)
    rows = grade_mod.grade(course, args.assignment, force=args.force, students=args.students,
                           progress=grade_mod.progress_bar(sys.stderr), wait=args.wait,
                           on_wait=lambda holder: _tell_waiting(holder, args.wait),
                           scheduler=args.scheduler, workers_count=args.workers)
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


def _remove(course: Course, args, out) -> int:
    removed = remove_mod.remove(course, args.assignment, args.students, wait=args.wait)
    for path in removed:
        print(f"removed {path}", file=out)
    print(f"removed {', '.join(args.students)} from {args.assignment} in the gradebook; run report again to "
          f"update reports/", file=out)
    return 0


def _export(course: Course, args, out) -> int:
    paths, problems = export_mod.export(course, args.assignment, args.lms, args.roster, title=args.title,
                                        worksheet=args.worksheet, mapping=args.mapping)
    print(f"wrote {', '.join(map(str, paths))}", file=out)
    for problem in problems:
        print(f"  {problem}", file=out)
    return 0


COMMANDS = {"release": _release, "collect": _collect, "grade": _grade, "feedback": _feedback, "report": _report,
            "remove": _remove, "export": _export}


@contextmanager
def _known_warnings() -> Iterator[None]:
    """Keep warnings off the terminal that say nothing the instructor could act on."""
    with warnings.catch_warnings():
        # nbgrader 0.9 links a new submission to its student through backrefs, which SQLAlchemy 2 no
        # longer cascades into the session; nbgrader adds the row itself right after, so nothing is lost.
        warnings.filterwarnings("ignore", r"Object of type <\w+> not in session, add operation along",
                                sa.exc.SAWarning, r"nbgrader\.")
        # A submission with missing or repeated cell ids: nbformat repairs them on reading, nbgrader's
        # DeduplicateIds step does it again, and the grade does not depend on them.
        warnings.filterwarnings("ignore", category=MissingIDFieldWarning)
        warnings.filterwarnings("ignore", category=DuplicateCellId)
        yield


def main(argv: list[str] | None = None) -> int:
    """Run one command; return the exit code (argparse exits 2 itself on bad usage)."""
    args = _parser().parse_args(argv)
    try:
        with _known_warnings():
            course = _course(args)
            try:
                return COMMANDS[args.command](course, args, sys.stdout)
            except sa.exc.DBAPIError as exc:   # the database went away under nbgrader, mid-run
                raise unreachable(course.gradebook_url, exc) from exc
    except GraderError as exc:
        print(f"backprop-grader {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"backprop-grader {args.command}: interrupted; run it again to resume", file=sys.stderr)
        return 130
