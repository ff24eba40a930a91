"""What ``pip install ./backprop`` gives a student: what a student runs, and nothing else.

The wheel is built from the checkout with the environment's setuptools (no network), then
read: every file of the package's source is in it (the operation table, the messages, the
widgets' browser code included), and none of the book's build tools, the grader or the
reference solutions is. Installed on its own, it draws the widgets.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "backprop" / "src"
#: Names that belong to the instructor's side or the book's build, never to a student's install.
FORBIDDEN = ("booktools", "vendor", "sphinx", "widget_boot", "widget-boot", "autograder", "reference",
             "solutions", "extra_layers", "multi_layer_net")
SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### BEGIN HIDDEN TESTS")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    # Built from a copy: setuptools writes build/ and egg-info beside the sources it builds.
    copy = tmp_path_factory.mktemp("source") / "backprop"
    shutil.copytree(ROOT / "backprop", copy, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "build", "tests"))
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", str(copy), "--no-deps",
                           "--no-build-isolation", "--no-index", "--quiet", "--wheel-dir", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (found,) = out.glob("backprop-*.whl")
    return found


def package_files(names) -> set[str]:
    return {n for n in names if n.startswith("backprop/") and not n.endswith("/")}


def test_the_wheel_holds_every_file_of_the_package(wheel):
    with zipfile.ZipFile(wheel) as z:
        shipped = package_files(z.namelist())
    source = {str(p.relative_to(SOURCE)) for p in (SOURCE / "backprop").rglob("*")
              if p.is_file() and "__pycache__" not in p.parts}
    assert source - shipped == set(), f"files the student install would lack: {sorted(source - shipped)}"
    for needed in ("backprop/graph/ops.json", "backprop/messages.json", "backprop/widgets/front/engine.js",
                   "backprop/widgets/front/widget.css", "backprop/nn/layers.py", "backprop/datasets/mnist.py"):
        assert needed in shipped


def test_the_wheel_holds_no_build_tools_and_no_solutions(wheel):
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        texts = {n: z.read(n).decode("utf-8", "replace") for n in names}
    assert {n.split("/")[0] for n in names} <= {"backprop", *(n.split("/")[0] for n in names if ".dist-info" in n)}
    bad = [n for n in names if any(word in n.lower() for word in FORBIDDEN)]
    assert not bad, f"build tooling or instructor code in the student wheel: {bad}"
    leaked = [n for n, t in texts.items() for marker in SOLUTION_MARKERS if marker in t]
    assert not leaked, f"solution regions in the student wheel: {leaked}"


def test_the_installed_wheel_alone_draws_the_widgets(wheel, tmp_path):
    target = tmp_path / "site"
    install = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--quiet",
                              "--target", str(target), str(wheel)], capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stdout + install.stderr
    code = f"""
import sys
sys.path.insert(0, {str(target)!r})
import backprop
assert backprop.__file__.startswith({str(target)!r}), backprop.__file__
from backprop.widgets.gradient_flow import flow
from backprop.widgets.playground import playground
w = flow("apple")
assert "BP.framesOf" in w._esm and "Forward pass: the inputs enter the graph" in w.frames[1]["caption"]
assert "playground.run" in playground()._esm
print("ok")
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stdout + proc.stderr
