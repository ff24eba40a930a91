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
