"""The grading package's three parts, and the student package's rooms, import only downward,
and no group of modules imports in a circle.

``autograder.pipeline`` (release, collect, grade, feedback, report, the gradebook) may use
``autograder.checks`` (probe, cases, judge, diagnosis) and ``autograder.execution`` (sandbox,
runner, workers); checks and execution use neither the pipeline nor each other. At the top
level only the shared bottom modules (``config``, ``errors``) and the entry points (the CLI,
``python -m autograder``, ``autograder.probe`` that hidden tests import) live.

``backprop``: the graph model below its figures below the widgets (``graph``, ``figures``,
``widgets``); ``nn`` and ``datasets`` stand apart (only the widgets borrow from ``nn``: the
numerical check's step from ``nn.gradcheck``, the playground's log floor from ``nn.functions``;
and ``figures.trace`` draws what ``nn.autograd`` recorded); the shared helpers at the top level (``validate``, ``messages``,
``glue``, the old module names) are the bottom.

Imports are read with ``ast`` from every file, those inside functions included, so a late
import cannot hide a circle.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import autograder
import backprop
from autograder.execution.bwrap import imported_names

PACKAGE_DIR = Path(autograder.__file__).resolve().parent
#: Top-level modules every layer may import; they import no other part of the grader.
BOTTOM = {"autograder", "autograder.config", "autograder.errors", "autograder.i18n"}
#: Top-level entry points: they may import anything, nothing in a layer may import them.
ENTRY = {"autograder.cli", "autograder.__main__", "autograder.probe"}
#: Each layer and the layers (besides itself and BOTTOM) it may import.
ALLOWED = {
    "pipeline": {"checks", "execution"},
    "checks": set(),
    "execution": set(),
}


@dataclass(frozen=True)
class Layout:
    """A package's layers: its bottom modules, entry points and which layer may import which."""
    bottom: frozenset
    entry: frozenset
    allowed: dict


GRADER = Layout(frozenset(BOTTOM), frozenset(ENTRY), ALLOWED)
STUDENT_DIR = Path(backprop.__file__).resolve().parent
STUDENT = Layout(
    bottom=frozenset({"backprop", "backprop.validate", "backprop.messages", "backprop.glue", "backprop._moved"}),
    entry=frozenset(),
    allowed={"graph": set(), "figures": {"graph", "nn"}, "widgets": {"graph", "figures", "nn"},
             "nn": set(), "datasets": set()},
)


def modules(package_dir: Path) -> dict[str, Path]:
    """Dotted name -> source file of every module in the package (``__init__`` names its package)."""
    root = package_dir.name
    found = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = [root, *path.relative_to(package_dir).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules that ``name`` imports anywhere in its file (read as the sandbox's mounts are)."""
    targets = imported_names(ast.parse(path.read_text(encoding="utf-8"), str(path)), name, path.name == "__init__.py")
    found = set()
    for target in targets:
        # ``autograder.checks.probe.MIME`` names the module autograder.checks.probe.
        parts = target.split(".")
        while parts and ".".join(parts) not in known:
            parts.pop()
        if parts and ".".join(parts) != name:
            found.add(".".join(parts))
    return found


def layer(name: str, layout: Layout = GRADER) -> str | None:
    """The subpackage ``name`` belongs to, "bottom", "entry", or None (a module in no known place)."""
    parts = name.split(".")
    if len(parts) > 1 and parts[1] in layout.allowed:
        return parts[1]
    if name in layout.bottom:
        return "bottom"
    if name in layout.entry:
        return "entry"
    return None


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One circle of ``graph`` as a list of nodes (first == last), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def problems(package_dir: Path, layout: Layout = GRADER) -> list[str]:
    """Every breach of the layering in the package at ``package_dir``, in words; [] if none."""
    found = modules(package_dir)
    graph = {name: imports(name, path, set(found)) for name, path in found.items()}

    def where(name):
        return layer(name, layout)

    allowed = layout.allowed
    out = [f"{name} is in no layer (put it in {', '.join(sorted(allowed))}, or make it bottom or entry)"
           for name in graph if where(name) is None]
    for name, targets in sorted(graph.items()):
        mine = where(name)
        for target in sorted(targets):
            theirs = where(target)
            if mine == "entry" or theirs == "bottom" and mine is not None:
                continue
            if mine == "bottom" or theirs == "entry" or (theirs != mine and theirs not in allowed.get(mine, ())):
                out.append(f"{name} ({mine}) imports {target} ({theirs}): an upward or sideways import")
    layers = {}
    for name, targets in graph.items():
        if where(name) in allowed:
            layers.setdefault(where(name), set()).update(
                where(t) for t in targets if where(t) in allowed and where(t) != where(name))
    if circle := _cycle(layers):
        out.append(f"the subpackages import in a circle: {' -> '.join(circle)}")
    if circle := _cycle(graph):
        out.append(f"modules import in a circle: {' -> '.join(circle)}")
    return out


def test_the_grading_package_imports_only_downward():
    assert problems(PACKAGE_DIR) == []


def test_the_three_parts_are_there():
    layers = {layer(name) for name in modules(PACKAGE_DIR)}
    assert layers == {"pipeline", "checks", "execution", "bottom", "entry"}


def _package(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def test_an_upward_import_or_a_circle_is_found(tmp_path):
    """The check itself: each kind of breach planted in a small package is reported."""
    base = {"__init__.py": "", "errors.py": "", "config.py": "from autograder.errors import X\n",
            "pipeline/__init__.py": "", "checks/__init__.py": "", "execution/__init__.py": "",
            "pipeline/grade.py": "from autograder.execution.sandbox import run\nfrom ..checks import judge\n",
            "checks/judge.py": "from . import cases\n", "checks/cases.py": "",
            "execution/sandbox.py": "from autograder.errors import GraderError\n"}
    assert problems(_package(tmp_path / "ok" / "autograder", base)) == []

    upward = {**base, "execution/sandbox.py": "def f():\n    from autograder.pipeline import grade\n"}
    found = problems(_package(tmp_path / "up" / "autograder", upward))
    assert any("autograder.execution.sandbox (execution) imports autograder.pipeline.grade" in p for p in found)
    assert any("subpackages import in a circle" in p for p in found)

    sideways = {**base, "checks/cases.py": "from autograder.execution import sandbox\n"}
    found = problems(_package(tmp_path / "side" / "autograder", sideways))
    assert "autograder.checks.cases (checks) imports autograder.execution.sandbox (execution): " \
           "an upward or sideways import" in found
    assert all(p.startswith("autograder.checks.cases (checks) imports autograder.execution") for p in found)

    bottom_up = {**base, "config.py": "from autograder.pipeline.grade import x\n"}
    found = problems(_package(tmp_path / "bottom" / "autograder", bottom_up))
    assert found[0].startswith("autograder.config (bottom) imports autograder.pipeline.grade")

    circle = {**base, "checks/cases.py": "from .judge import x\n"}
    found = problems(_package(tmp_path / "circle" / "autograder", circle))
    assert found == ["modules import in a circle: autograder.checks.cases -> autograder.checks.judge -> "
                     "autograder.checks.cases"]

    stray = {**base, "sandbox.py": ""}
    assert problems(_package(tmp_path / "flat" / "autograder", stray)) == [
        "autograder.sandbox is in no layer (put it in checks, execution, pipeline, or make it bottom or entry)"]


def test_the_student_package_imports_only_downward():
    assert problems(STUDENT_DIR, STUDENT) == []


def test_the_student_package_shows_its_rooms():
    layers = {layer(name, STUDENT) for name in modules(STUDENT_DIR)}
    assert layers == {"graph", "figures", "widgets", "nn", "datasets", "bottom"}


def test_a_figure_importing_a_widget_or_the_model_importing_its_replay_is_found(tmp_path):
    """The student package's rules catch an upward import and a circle inside a room."""
    base = {"__init__.py": "from ._moved import install\n", "_moved.py": "", "validate.py": "",
            "messages.py": "", "glue.py": "",
            "graph/__init__.py": "from .model import Graph\n", "graph/model.py": "from .steps import s\n",
            "graph/steps.py": "from .. import messages\n", "graph/replay.py": "from .model import Graph\n",
            "figures/__init__.py": "", "figures/svg.py": "from ..graph import Graph\n",
            "widgets/__init__.py": "", "widgets/flow.py": "from ..figures.svg import x\nfrom ..nn.gradcheck import H\n",
            "nn/__init__.py": "", "nn/gradcheck.py": "from backprop.validate import v\n",
            "datasets/__init__.py": ""}
    assert problems(_package(tmp_path / "ok" / "backprop", base), STUDENT) == []

    upward = {**base, "figures/svg.py": "from ..widgets import flow\n"}
    assert "backprop.figures.svg (figures) imports backprop.widgets.flow (widgets): an upward or sideways import" \
        in problems(_package(tmp_path / "up" / "backprop", upward), STUDENT)

    apart = {**base, "nn/gradcheck.py": "from backprop.graph.model import Graph\n"}
    assert problems(_package(tmp_path / "apart" / "backprop", apart), STUDENT) == [
        "backprop.nn.gradcheck (nn) imports backprop.graph.model (graph): an upward or sideways import"]

    circle = {**base, "graph/steps.py": "def f():\n    from .model import Graph\n"}
    assert problems(_package(tmp_path / "circle" / "backprop", circle), STUDENT) == [
        "modules import in a circle: backprop.graph.model -> backprop.graph.steps -> backprop.graph.model"]
