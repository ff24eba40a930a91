"""Shared fixtures: the book, both editions, built once per test session.

``built_book`` runs the same build as ``make book`` (front-end files, then
``python -m booktools.build``: each edition is ``jupyter-book build
--warningiserror --keep-going`` with its language) into a temporary folder, so
tests never touch ``_build/``. A failing build fails every test that uses the
fixture; each edition's build time goes to the test log. ``korean_book`` is the
Korean edition inside it. ``BACKPROP_BOOK_HTML=<built html folder>`` (``_build/html``
after ``make book``) reuses a book built earlier instead, for working on the tests.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The Makefile's default: the course's offline MNIST split beside the checkout.
OFFLINE_MNIST = ROOT.parent / "shared" / "data" / "mnist-t10k-split"


_BUILD_LOG: list[str] = []


def pytest_terminal_summary(terminalreporter):
    """Put the book's build time in the test log (a figure to watch, never asserted)."""
    for line in _BUILD_LOG:
        terminalreporter.write_line(line)


def _build_env() -> dict[str, str]:
    env = os.environ.copy()
    mnist = env.get("MNIST_DIR")
    if mnist:
        # The notebooks run with book/ as their working directory: a relative
        # path meant from the repository root would point elsewhere there.
        env["MNIST_DIR"] = str((ROOT / mnist).resolve()) if not Path(mnist).is_absolute() else mnist
    elif (OFFLINE_MNIST / "t10k-labels-idx1-ubyte.gz").is_file():
        env["MNIST_DIR"] = str(OFFLINE_MNIST)
    return env


def _run(cmd: list[str], env: dict[str, str], timeout: float) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="session")
def vendored() -> Path:
    """The front-end files the book serves, fetched once as `make vendor` does: book/_vendor."""
    if importlib.util.find_spec("booktools.vendor") is not None:
        vendor = _run([sys.executable, "-m", "booktools.vendor", "book/_vendor"], _build_env(), 600)
        if vendor.returncode != 0:
            pytest.fail(f"python -m booktools.vendor failed:\n{vendor.stdout[-3000:]}\n{vendor.stderr[-3000:]}")
    return ROOT / "book" / "_vendor"


@pytest.fixture(scope="session")
def built_book(tmp_path_factory, vendored) -> Path:
    """Build the whole book once; return the folder of the built HTML."""
    given = os.environ.get("BACKPROP_BOOK_HTML")
    if given:
        return Path(given)
    env = _build_env()
    out = tmp_path_factory.mktemp("book")
    cmd = [sys.executable, "-m", "booktools.build", "--path-output", str(out)]
    start = time.perf_counter()
    proc = _run(cmd, env, 2400)
    seconds = time.perf_counter() - start
    (out / "build-seconds.txt").write_text(f"{seconds:.1f}\n")
    (out / "build-output.txt").write_text(proc.stdout + proc.stderr)
    editions = re.findall(r"^(\w+ edition built in [\d.]+ s)", proc.stdout, flags=re.M)
    _BUILD_LOG.append(f"book build: {seconds:.1f} s ({'; '.join(editions) or 'no edition finished'}, "
                      f"exit code {proc.returncode}) into {out}")
    if proc.returncode != 0:
        log = (proc.stdout + proc.stderr).splitlines()
        problems = [line for line in log if "WARNING" in line or "ERROR" in line or "Error" in line]
        pytest.fail("the book build failed:\n" + "\n".join(problems[-40:] + ["...", *log[-40:]]))
    html = out / "_build" / "html"
    for edition in (html, html / "ko"):
        if not (edition / "book" / "intro.html").is_file():
            pytest.fail(f"the build succeeded but wrote no book/intro.html under {edition}")
    return html


@pytest.fixture(scope="session")
def korean_book(built_book) -> Path:
    """The Korean edition of the session's book: ``_build/html/ko``."""
    return built_book / "ko"


class Term:
    """One run of the tiny course as an instructor meets it: course.yml, a roster, LMS downloads, the CLI.

    Grading is real (nbgrader, the sandbox, the tiny course's judge); everything else goes through
    ``autograder.cli.main`` exactly as typed on a terminal.
    """

    ANSWERS = {"double": ("def times2(x):\n    return 2 * x", "def times2(x):\n    return x"),
               "triple": ("def times3(x):\n    return 3 * x", "def times3(x):\n    return x")}

    def __init__(self, root: Path, course_yml: str, roster: str):
        from autograder.checks.samples import tiny_course
        from autograder.config import Course
        from autograder.pipeline.release import release

        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.course = Course(repo=tiny_course(root / "repo"), workspace=root / "ws",
                             judge="autograder.checks.samples:tiny_judge")
        release(self.course)
        self.course.workspace.mkdir(parents=True)
        (self.course.workspace / "course.yml").write_text(course_yml, encoding="utf-8")
        self.roster = self.write("roster.csv", roster)
        self.common = ["--repo", str(self.course.repo), "--workspace", str(self.course.workspace)]

    def notebook(self, name: str, right: bool = True) -> bytes:
        """The released notebook ``name`` answered rightly (full points) or wrongly (none)."""
        import nbformat

        nb = nbformat.read(self.course.release_dir / "tiny" / f"{name}.ipynb", as_version=4)
        nb.cells[1].source = self.ANSWERS[name][0 if right else 1]
        return nbformat.writes(nb).encode()

    def write(self, name: str, text: str) -> Path:
        path = self.root / name
        path.write_text(text, encoding="utf-8")
        return path

    def zip(self, name: str, files: dict[str, bytes], when: tuple = (2026, 10, 5, 9, 0, 0)) -> Path:
        """A download as the LMS zips it; every entry carries ``when`` (the download's moment, as Canvas's do)."""
        import zipfile

        path = self.root / name
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for entry, data in files.items():
                zf.writestr(zipfile.ZipInfo(entry, when), data)
        return path

    def cli(self, *argv: str) -> tuple[int, str, str]:
        """``backprop-grader ARGV --repo .. --workspace ..``: (exit code, stdout, stderr)."""
        import contextlib
        import io

        from autograder.cli import main

        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main([*argv, *self.common])
        return code, out.getvalue(), err.getvalue()

    def grade(self, **options):
        from autograder.pipeline.grade import grade

        return {r.student: r for r in grade(self.course, "tiny", workers_count=1, **options)}

    def submission(self, student: str):
        """(timestamp, seconds late, score, penalty) of nbgrader's SubmittedAssignment."""
        from autograder.pipeline.gradebook import open_gradebook

        with open_gradebook(self.course.gradebook_url, self.course.course_id) as gb:
            sub = gb.find_submission("tiny", student)
            return (sub.timestamp, sub.total_seconds_late, sub.score, sub.late_submission_penalty)

    def csv(self, path: Path) -> list[list[str]]:
        import csv

        with open(path, newline="", encoding="utf-8") as fh:
            return list(csv.reader(fh))


@pytest.fixture
def term(tmp_path):
    """term(course_yml, roster, name="run"): a fresh run of the tiny course in tmp_path/name."""
    return lambda course_yml, roster, name="run": Term(tmp_path / name, course_yml, roster)
