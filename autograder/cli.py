"""``backprop-grader``: the instructor's command line, a thin layer over the library.

Each command calls one function (release.release, collect.collect, grade.grade,
feedback.feedback, report.report, remove.remove, export.export, and the instructor's
verbs in instructor: extend, override, regrade, comment); errors are GraderError subclasses
turned into one line on stderr and the exit code of their class. Warnings that only
nbgrader's or nbformat's maintainers could act on are kept off the terminal here,
at the edge, by exact category (see _known_warnings).
"""
from __future__ import annotations

import argparse
import dataclasses
import shlex
import sys
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import sqlalchemy as sa
from nbformat.warnings import DuplicateCellId, MissingIDFieldWarning

from autograder.config import CELL_TIMEOUT, WORKSPACE_ENV, Course
from autograder.errors import GraderError, StaleReleaseError, UsageError
from autograder.execution import ctrl_c
from autograder.pipeline import collect as collect_mod
from autograder.pipeline import export as export_mod
from autograder.pipeline import feedback as feedback_mod
from autograder.pipeline import grade as grade_mod
from autograder.pipeline import instructor
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
by hand, each kept with its reason in the gradebook's trail:
  backprop-grader extend ps2_layers --student ID --due "2026-10-02 23:59" --reason TEXT
  backprop-grader override ps2_layers --student ID --cell CELL --score N --reason TEXT
  backprop-grader override ps2_layers --student ID --penalty N --reason TEXT
  backprop-grader regrade ps2_layers --student ID --reason TEXT
  backprop-grader comment ps2_layers --student ID --text TEXT [--exercise ID]

The workspace (submissions, autograded notebooks, feedback, reports and the
SQLite gradebook) is --workspace, else ${WORKSPACE_ENV}, else <repo>/grading.
exit codes: 0 ok, 1 error, 2 usage, 3 unreadable source or damaged zip entry,
4 unsafe archive or zip bomb, 5 stale release, 6 gradebook busy or unreachable,
7 no sandbox available, 8 a fact a grade needs is missing or ambiguous (a
submission time where lateness would follow, which student a submission is).
"""


def _at_least_zero(unit: str):
    """An argparse type: a number >= 0 of ``unit``."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = -1.0
        if not value >= 0:
            raise argparse.ArgumentTypeError(f"expected a number of {unit} >= 0, got {text!r}")
        return value
    return parse


_seconds = _at_least_zero("seconds")
_points = _at_least_zero("points")


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
    p.add_argument("--language", action="append", metavar="LANG",
                   help="release the notebooks in LANG (repeat for several; English into exercises/, another "
                        "language into exercises/LANG/); default: course.yml's language")

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
    p.add_argument("--worksheet", type=Path, help="Moodle (required): the grading worksheet downloaded from the "
                                                  "assignment, in your Moodle's language")
    p.add_argument("--missing-as-zero", action="store_true",
                   help="export 0 for a roster student without a graded submission (default: the LMS's no grade)")
    p.add_argument("--map", type=Path, dest="mapping", metavar="FILE",
                   help="CSV lms_id,id settling students the roster cannot (as for collect)")

    p = sub.add_parser("feedback", parents=[common], help="write an HTML feedback page per student")
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p = sub.add_parser("report", parents=[common], help="write grades CSV, pass rates, histogram and frequent mistakes")
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.add_argument("--roster", type=Path, help="the class roster, so that students who sent nothing are listed too")
    _instructor_parsers(sub, common)
    return parser


def _instructor_parsers(sub, common) -> None:
    """The instructor's verbs: each changes one student's grade and keeps why in the trail."""
    student = argparse.ArgumentParser(add_help=False)
    student.add_argument("assignment", metavar="ASSIGNMENT")
    student.add_argument("--student", required=True, metavar="ID")
    student.add_argument("--wait", type=_seconds, default=0.0, metavar="SECONDS",
                         help="if a grading run holds the gradebook, wait this long for it (default: refuse)")
    reason = argparse.ArgumentParser(add_help=False)
    reason.add_argument("--reason", required=True, help="why: kept in the trail, shown in feedback, report, export")

    p = sub.add_parser("extend", parents=[common, student, reason], help="give a student their own due date")
    when = p.add_mutually_exclusive_group(required=True)
    when.add_argument("--due", metavar="TIME", help="the student's due date, e.g. '2026-10-02 23:59' (course.yml's "
                                                     "time zone unless it names one)")
    when.add_argument("--clear", action="store_true", help="withdraw the extension")

    p = sub.add_parser("override", parents=[common, student, reason],
                       help="set the points of one test cell, or the late penalty, by hand")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--cell", metavar="CELL", help="the graded cell (its grade_id, or notebook:grade_id)")
    what.add_argument("--penalty", type=_points, metavar="POINTS", help="the submission's late penalty")
    what.add_argument("--clear-penalty", action="store_true", help="give the course policy's late penalty back")
    p.add_argument("--score", type=_points, metavar="POINTS", help="with --cell: its points")
    p.add_argument("--clear", action="store_true", help="with --cell: give the autograder's points back")

    p = sub.add_parser("regrade", parents=[common, student, reason], help="grade one student's submission again")
    p.add_argument("--timeout", type=int, default=CELL_TIMEOUT, help="seconds per cell (default %(default)s)")
    p.add_argument("--allow-unsandboxed", action="store_true",
                   help="where no sandbox is possible, run student code as you anyway (unsafe)")

    p = sub.add_parser("comment", parents=[common, student], help="a comment to the student, shown in feedback")
    p.add_argument("--text", required=True, help="the comment ('' withdraws the last one)")
    p.add_argument("--exercise", metavar="ID", help="on this exercise (its solution cell's grade_id); "
                                                    "default: on the whole assignment")


def _course(args: argparse.Namespace) -> Course:
    kwargs = {"workspace": args.workspace, "db_url": args.db_url,
              "cell_timeout": getattr(args, "timeout", CELL_TIMEOUT),
              "allow_unsandboxed": getattr(args, "allow_unsandboxed", False)}
    if args.repo is not None:
        kwargs["repo"] = args.repo
    return Course(**kwargs)


def _release(course: Course, args, out) -> int:
    for language in dict.fromkeys(args.language or [course.language]):
        in_language = dataclasses.replace(course, language=language)
        folder = in_language.release_dir.relative_to(course.repo)
        if args.check:
            problems = release_mod.stale(in_language, args.assignments or None)
            problems += release_mod.leaks(in_language, args.assignments or None)
            if problems:
                raise StaleReleaseError(f"{folder}/ is not a clean, current release ({len(problems)} problems, first: "
                                        f"{problems[0]}); run `backprop-grader release` and commit {folder}/")
            print(f"{folder}/ is current and shows no solutions or hidden tests", file=out)
            continue
        for path in release_mod.release(in_language, args.assignments or None):
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
    scores = _scores(course, args.assignment)
    for r in rows:
        print(f"{r.student:<{width}}  {scores.get(r.student, '')}  {r.status}: {r.reason}", file=out)
    return 0


def _scores(course: Course, assignment: str) -> dict[str, str]:
    """student -> 'score 4.5 / 6 (raw score 6, late penalty 1.5)', from nbgrader's gradebook."""
    from autograder.pipeline.gradebook import open_gradebook
    from autograder.pipeline.scores import sentence

    with open_gradebook(course.gradebook_url, course.course_id) as gb:
        return {sub.student.id: sentence(float(sub.score), float(sub.late_submission_penalty or 0),
                                         float(sub.max_score))
                for sub in gb.find_assignment(assignment).submissions}


def _feedback(course: Course, args, out) -> int:
    paths = feedback_mod.feedback(course, args.assignment, args.command_line)
    print(f"wrote {len(paths)} feedback pages under {course.feedback_dir}", file=out)
    return 0


def _report(course: Course, args, out) -> int:
    rep = report_mod.report(course, args.assignment, args.roster, args.command_line)
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
                                        worksheet=args.worksheet, missing_as_zero=args.missing_as_zero,
                                        mapping=args.mapping, command=args.command_line)
    print(f"wrote {', '.join(map(str, paths))}", file=out)
    for problem in problems:
        print(f"  {problem}", file=out)
    return 0


def _done(course: Course, done: instructor.Done, out) -> int:
    from autograder.pipeline.duedates import load_settings

    c = done.change
    print(f"{c.student}: {c.describe(load_settings(course.workspace, course.repo).tz)}"
          + (f"; now {done.score}" if done.score else "")
          + "; kept in the trail with its reason (see feedback, report and export)", file=out)
    return 0


def _extend(course: Course, args, out) -> int:
    return _done(course, instructor.extend(course, args.assignment, args.student, None if args.clear else args.due,
                                   args.reason, args.command_line, wait=args.wait), out)


def _override(course: Course, args, out) -> int:
    if args.cell is not None:
        if (args.score is None) == (not args.clear):
            raise UsageError("--cell needs --score POINTS, or --clear to give the autograder's points back")
        done = instructor.override_score(course, args.assignment, args.student, args.cell,
                                         None if args.clear else args.score, args.reason, args.command_line,
                                         wait=args.wait)
    else:
        if args.score is not None or args.clear:
            raise UsageError("--score and --clear go with --cell; for the late penalty use --penalty or "
                             "--clear-penalty")
        done = instructor.override_penalty(course, args.assignment, args.student,
                                           None if args.clear_penalty else args.penalty, args.reason,
                                           args.command_line, wait=args.wait)
    return _done(course, done, out)


def _regrade(course: Course, args, out) -> int:
    _warn_if_unsandboxed(args)
    return _done(course, instructor.regrade(course, args.assignment, args.student, args.reason, args.command_line,
                                    progress=grade_mod.progress_bar(sys.stderr), wait=args.wait), out)


def _comment(course: Course, args, out) -> int:
    return _done(course, instructor.comment(course, args.assignment, args.student, args.text, args.exercise,
                                    args.command_line, wait=args.wait), out)


COMMANDS = {"release": _release, "collect": _collect, "grade": _grade, "feedback": _feedback, "report": _report,
            "remove": _remove, "export": _export, "extend": _extend, "override": _override, "regrade": _regrade,
            "comment": _comment}


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
    # the command as typed, for the trail of what an instructor changed
    args.command_line = shlex.join(["backprop-grader", *(sys.argv[1:] if argv is None else argv)])
    try:
        with _known_warnings():
            course = _course(args)
            try:
                with ctrl_c.noticed():
                    code = COMMANDS[args.command](course, args, sys.stdout)
                    ctrl_c.stop_if_pressed()   # pressed where Python swallowed the exception
                    return code
            except sa.exc.DBAPIError as exc:   # the database went away under nbgrader, mid-run
                raise unreachable(course.gradebook_url, exc) from exc
    except GraderError as exc:
        print(f"backprop-grader {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"backprop-grader {args.command}: interrupted; run it again to resume", file=sys.stderr)
        return 130
