"""The sandbox that runs student notebooks: what it can see, reach, write and outlive.

These run real notebooks in bubblewrap (a few seconds each). On a host that
cannot sandbox they fail, never skip: grading refuses to run there by default.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import nbformat
import psutil
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

import autograder
from autograder.execution import bwrap, sandbox
from autograder.execution.bwrap import Limits
from autograder.execution.sandbox import (
    GRADED, KERNEL_DIED, KILLED_FOR_MEMORY, MALFORMED, TIMED_OUT, SandboxUnavailable, run_notebook)

REPO = Path(autograder.__file__).resolve().parents[1]
GRADER_DIR = REPO / "autograder"
#: Grader modules student code must not read: the judge and the diagnosis of mistakes (the wrong
#: variants and the catalogue live in solutions/reference, which is not mounted at all).
GRADER_ONLY = ("checks/judge", "checks/diagnosis")
FAST = Limits(cell_timeout=10, notebook_timeout=90, memory_bytes=1024**3)


def notebook(*sources: str) -> nbformat.NotebookNode:
    nb = new_notebook(cells=[new_markdown_cell("# test")] + [new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def text(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")


def errors(cell) -> list[str]:
    return [o.ename for o in cell.outputs if o.get("output_type") == "error"]


# A cell that writes a file at the repository's host path. Inside the sandbox that
# path is read-only, or (clone under /tmp) on the sandbox's own in-memory /tmp:
# either way the write must never reach the host's file.
PWNED = REPO / "pwned.txt"
WRITE_INTO_REPO = f"open({str(PWNED)!r}, 'w').write('pwned'); print('wrote inside the sandbox')"


def assert_repo_untouched(cell) -> None:
    """The write cell ran (it failed, or wrote inside only) and the host file does not exist."""
    assert errors(cell) or text(cell) == "wrote inside the sandbox\n", cell
    assert not PWNED.exists(), f"sandboxed code wrote {PWNED} on the host"


def processes_with(marker: str) -> list[psutil.Process]:
    found = []
    for p in psutil.process_iter(["cmdline"]):
        if marker in " ".join(p.info["cmdline"] or []):
            found.append(p)
    return found


def test_sandbox_is_available_here():
    assert bwrap.unavailable_reason() is None


def test_student_code_sees_only_its_scratch_folder_and_no_network():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.setblocking(False)
    port = listener.getsockname()[1]
    secret = Path.home() / f".sandbox-test-secret-{uuid.uuid4().hex}"
    secret.write_text("instructor only")
    try:
        result = run_notebook(notebook(
            "import os; print(os.getuid(), os.getcwd(), os.environ['HOME'])",
            f"import socket\nfor addr in [('127.0.0.1', {port}), ('1.1.1.1', 53)]:\n"
            "    s = socket.socket(); s.settimeout(3)\n"
            "    try:\n        s.connect(addr); print('connected', addr)\n"
            "    except OSError as e:\n        print('refused', type(e).__name__)",
            f"import os; print(sorted(os.listdir({str(REPO)!r})))",
            "import reference",
            WRITE_INTO_REPO,
            f"print(open({str(secret)!r}).read())",
            "open('mine.txt', 'w').write('ok'); print(open('mine.txt').read())",
            "import os; print(len([p for p in os.listdir('/proc') if p.isdigit()]))",
            # The probe imports; the grader's own modules (judge, diagnoses, wrong variants) are not there.
            "import autograder.probe, autograder.checks.cases; print(len(autograder.checks.cases.CHECKS) > 0)",
            f"for name in {GRADER_ONLY!r}:\n"
            f"    try:\n        open({str(GRADER_DIR)!r} + '/' + name + '.py').read(); print('read', name)\n"
            "    except OSError as e:\n        print(type(e).__name__)",
            "import autograder.checks.judge",
            f"import os; print(sorted(os.path.relpath(os.path.join(r, f), {str(GRADER_DIR)!r})\n"
            f"                 for r, _, fs in os.walk({str(GRADER_DIR)!r}) for f in fs))",
        ), limits=FAST)
        with pytest.raises(BlockingIOError):
            listener.accept()
    finally:
        listener.close()
        secret.unlink()
    cells = result.notebook.cells[1:]
    assert result.status == GRADED and result.sandboxed
    uid, cwd, home = text(cells[0]).split()
    assert (cwd, home) == ("/home/student", "/home/student")
    if os.geteuid() == 0:
        assert int(uid) == bwrap.DEFAULT_SANDBOX_UID
    assert "connected" not in text(cells[1]) and text(cells[1]).count("refused") == 2
    # Of the repository only the two importable packages are there (plus the venv inside it).
    assert set(eval(text(cells[2]))) <= {"autograder", "backprop", ".venv"}
    assert errors(cells[3]) == ["ModuleNotFoundError"]
    assert_repo_untouched(cells[4])
    assert errors(cells[5]) in (["FileNotFoundError"], ["PermissionError"])
    assert text(cells[6]).strip() == "ok"
    # init, runner, kernel and the shell-less cell itself: a handful, not the host's hundreds.
    assert int(text(cells[7])) < 10
    assert text(cells[8]) == "True\n"
    assert text(cells[9]).split() == ["FileNotFoundError"] * len(GRADER_ONLY)
    assert errors(cells[10]) == ["ModuleNotFoundError"]
    assert eval(text(cells[11])) == sorted(f.relative_to(GRADER_DIR).as_posix() for f in bwrap.grader_files())


def test_sandbox_modules_are_all_the_probe_and_runner_import():
    """In a clean interpreter the sandbox's entry modules load no grader module left out of the mount."""
    code = ("import sys\n" + "".join(f"import {m}\n" for m in bwrap.SANDBOX_ENTRY_MODULES) +
            "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] == 'autograder')))")
    done = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, check=True)
    loaded = set(done.stdout.split())
    assert set(bwrap.SANDBOX_ENTRY_MODULES) <= loaded <= set(bwrap.sandbox_modules())
    assert not {"autograder." + m.replace("/", ".") for m in GRADER_ONLY} & set(bwrap.sandbox_modules())

    def source(module: str) -> str:
        path = "/".join(module.split(".")[1:])
        return f"{path}/__init__.py".lstrip("/") if (GRADER_DIR / path).is_dir() else f"{path}.py"

    mounted = {f.relative_to(GRADER_DIR).as_posix() for f in bwrap.grader_files()}
    assert mounted == {source(m) for m in bwrap.sandbox_modules()}
    # The packages the entry modules live in come along (Python runs their __init__ first).
    assert {"__init__.py", "probe.py", "checks/__init__.py", "checks/probe.py", "execution/__init__.py",
            "execution/run_notebook.py"} <= mounted


def test_cell_timeout_interrupts_and_the_rest_still_runs():
    result = run_notebook(notebook("while True:\n    pass", "print('after')"),
                          limits=Limits(cell_timeout=3, notebook_timeout=60))
    loop, after = result.notebook.cells[1:]
    assert "CellTimeoutError" in errors(loop)
    assert text(after) == "after\n"
    assert result.status == TIMED_OUT


def test_a_cell_deaf_to_its_interrupt_ends_the_run_as_timed_out():
    deaf = "import time\nwhile True:\n    try:\n        time.sleep(100)\n    except KeyboardInterrupt:\n        pass"
    result = run_notebook(notebook("print('first')", deaf, "print('never')"),
                          limits=Limits(cell_timeout=2, notebook_timeout=120))
    first, loop, never = result.notebook.cells[1:]
    assert result.status == TIMED_OUT and "after its time limit" in result.detail, result.detail
    assert text(first) == "first\n"
    assert "CellTimeoutError" in errors(loop)
    assert never.outputs == [] and never.execution_count is None


def test_outputs_are_stored_as_jupyter_stores_them():
    result = run_notebook(notebook(
        "import sys\nprint('a'); print('b')\nprint('warn', file=sys.stderr)\n6 * 7",
        "from IPython.display import display, HTML\ndisplay(HTML('<b>x</b>'))\n[1, 2];",
        "1 / 0",
        "def f(:\n    pass",
        "%time y = 2\ny"), limits=FAST)
    prints, shown, raised, syntax, magic = result.notebook.cells[1:]
    assert result.status == GRADED
    assert [(o.output_type, o.get("name")) for o in prints.outputs] == [
        ("stream", "stdout"), ("stream", "stderr"), ("execute_result", None)]
    assert prints.outputs[0].text == "a\nb\n" and prints.outputs[2].data["text/plain"] == "42"
    assert prints.outputs[2].execution_count == prints.execution_count == 1
    assert [o.output_type for o in shown.outputs] == ["display_data"]    # ';' hides the result
    assert shown.outputs[0].data["text/html"] == "<b>x</b>"
    assert errors(raised) == ["ZeroDivisionError"] and raised.outputs[0].evalue == "division by zero"
    assert any("ZeroDivisionError" in line for line in raised.outputs[0].traceback)
    assert errors(syntax) == ["SyntaxError"]
    assert "Wall time" in text(magic) and magic.outputs[-1].data["text/plain"] == "2"
    assert [c.execution_count for c in result.notebook.cells[1:]] == [1, 2, 3, 4, 5]


def test_notebook_limit_kills_everything_and_keeps_finished_cells():
    marker = f"sandbox-marker-{uuid.uuid4().hex}"
    nb = notebook(
        # A helper process that must die with the notebook.
        f"import subprocess, sys\nsubprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)', "
        f"{marker!r}])\nprint('first')",
        # Longer than the notebook limit (and deaf to interrupts): only the outside wall clock stops it.
        "import time\nwhile True:\n    try:\n        time.sleep(100)\n    except KeyboardInterrupt:\n        pass",
        "print('never')")
    # The test waits out the whole limit, so it is short; on a machine so loaded that the kernel
    # has not even run the first cell by then, it tries again with more time instead of failing.
    for limit in (15, 45, 120):
        result = run_notebook(nb, limits=Limits(cell_timeout=300, notebook_timeout=limit))
        first, hang, never = result.notebook.cells[1:]
        if first.outputs:
            break
    assert result.status == TIMED_OUT and "killed" in result.detail
    assert text(first) == "first\n"
    assert never.outputs == []
    assert processes_with(marker) == []


def test_memory_bomb_hits_the_limit():
    result = run_notebook(notebook("x = bytearray(4 * 1024**3)", "chunks = []\nwhile True:\n"
                                   "    chunks.append(bytearray(50 * 1024**2))", "print('alive')"), limits=FAST)
    big, grow, alive = result.notebook.cells[1:]
    assert errors(big) == ["MemoryError"]
    # A MemoryError anywhere names the run, even if the starved kernel dies afterwards.
    assert result.status == KILLED_FOR_MEMORY


def test_os_exit_ends_the_run_and_later_cells_have_no_outputs():
    result = run_notebook(notebook("print('before')", "import os; os._exit(0)", "print('after')"), limits=FAST)
    before, dead, after = result.notebook.cells[1:]
    assert result.status == KERNEL_DIED
    assert text(before) == "before\n"
    assert after.outputs == []


def test_detached_child_does_not_outlive_the_run():
    marker = f"sandbox-marker-{uuid.uuid4().hex}"
    result = run_notebook(notebook(
        "import os, subprocess, sys, time\n"
        f"cmd = [sys.executable, '-c', 'import time; time.sleep(300)', '{marker}']\n"
        "p = subprocess.Popen(cmd, start_new_session=True)\n"
        "if os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
        "        os.execv(cmd[0], cmd)\n    os._exit(0)\n"
        "time.sleep(1)\nprint('spawned', p.poll() is None)"), limits=FAST)
    assert text(result.notebook.cells[1]) == "spawned True\n"
    assert processes_with(marker) == []


def test_forged_result_brings_back_nothing():
    # The cell replaces the runner's output file with a notebook of its own and ends the runner
    # (its own process: the kernel is the runner), so the forgery is what the trusted side reads.
    forged = ("import nbformat, os, signal\n"
              "nb = nbformat.read('/grading/in.ipynb', as_version=4)\n"
              "nb.cells[0].source = 'forged'\n"
              "nb.cells.append(nbformat.v4.new_code_cell('extra'))\n"
              "nbformat.write(nb, '/grading/out.ipynb')\n"
              "os._exit(0)")
    original = notebook(forged, "print('x')")
    result = run_notebook(original, limits=FAST)
    assert result.status == MALFORMED
    assert [c.source for c in result.notebook.cells] == [c.source for c in original.cells]
    assert all(c.outputs == [] for c in result.notebook.cells if c.cell_type == "code")


def test_result_is_read_strictly(tmp_path):
    target = tmp_path / "real.ipynb"
    nbformat.write(notebook("1"), str(target))
    link = tmp_path / "link.ipynb"
    link.symlink_to(target)
    with pytest.raises(OSError):
        sandbox.read_notebook_strictly(link, 10**6)
    with pytest.raises(ValueError, match="more than the limit"):
        sandbox.read_notebook_strictly(target, 10)
    (tmp_path / "bad.ipynb").write_text('{"cells": 5}')
    with pytest.raises((ValueError, nbformat.ValidationError)):
        sandbox.read_notebook_strictly(tmp_path / "bad.ipynb", 10**6)


def test_merge_refuses_a_changed_notebook():
    mine, theirs = notebook("1", "2"), notebook("1", "2")
    theirs.cells[1].id = "other"
    with pytest.raises(ValueError, match="not the cell that was sent"):
        sandbox.merge_outputs(mine, theirs)
    theirs = notebook("1")
    with pytest.raises(ValueError, match="cells"):
        sandbox.merge_outputs(mine, theirs)


def test_refuses_to_run_unsandboxed_unless_allowed(monkeypatch):
    bwrap.unavailable_reason.cache_clear()
    real_which = bwrap.shutil.which
    monkeypatch.setattr(bwrap.shutil, "which", lambda name: None if name == "bwrap" else real_which(name))
    try:
        reason = bwrap.unavailable_reason()
        assert reason and "bwrap is not installed" in reason
        with pytest.raises(SandboxUnavailable, match="--allow-unsandboxed"):
            sandbox.require_sandbox(False)
        assert sandbox.require_sandbox(True) is False
    finally:
        bwrap.unavailable_reason.cache_clear()


def _probe_in(cwd: Path, python: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """What the grader started as ``python`` in ``cwd`` says about the sandbox (None: it works)."""
    code = "from autograder.execution import bwrap; print(bwrap.unavailable_reason())"
    return subprocess.run([python, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_an_interpreter_started_by_a_relative_path_runs_in_the_sandbox(tmp_path):
    """``../../repo/.venv/bin/python`` keeps its ``..`` in sys.executable; the sandbox has no such folders."""
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    relative = os.path.relpath(sys.executable, deep)
    assert relative.startswith("..")
    done = _probe_in(deep, relative)
    assert done.returncode == 0 and done.stdout == "None\n", done.stderr


def test_a_grader_run_from_a_copy_the_environment_does_not_know_is_told_so(tmp_path):
    """The grader imports the copy in the current folder; the sandboxed Python only knows the installed one."""
    shutil.copytree(GRADER_DIR, tmp_path / "autograder", ignore=shutil.ignore_patterns("__pycache__"))
    done = _probe_in(tmp_path, bwrap.python_executable())
    assert done.stdout.startswith(f"the sandboxed Python ({bwrap.python_executable()}) cannot import the course's "
                                  f"packages (exit 1: ModuleNotFoundError: No module named 'autograder'); "), done
    assert "namespaces" not in done.stdout


def test_an_interpreter_the_sandbox_cannot_see_is_named(monkeypatch, tmp_path):
    missing = tmp_path / "elsewhere" / "python3"
    monkeypatch.setattr(bwrap, "python_executable", lambda: str(missing))
    bwrap.unavailable_reason.cache_clear()
    try:
        reason = bwrap.unavailable_reason()
    finally:
        bwrap.unavailable_reason.cache_clear()
    assert reason.startswith(f"the sandbox cannot run the Python interpreter {missing} (exit 127: ")
    assert f"failed to execute {missing}: No such file or directory" in reason and "namespaces" not in reason


def test_a_host_without_user_namespaces_is_told_that(tmp_path):
    """A real bwrap failure: the grader as an ordinary user where no more user namespaces may be made.

    unshare makes a user namespace allowing one more, spends it on mapping this process to
    uid 1000, and bwrap's own then fails as on a host with user.max_user_namespaces = 0.
    """
    inner = ["unshare", "--user", "--map-user=1000", "--map-group=1000", bwrap.python_executable(),
             "-c", "from autograder.execution import bwrap; print(bwrap.unavailable_reason())"]
    script = "echo 1 > /proc/sys/user/max_user_namespaces && exec \"$@\""
    cmd = ["unshare", "--user", "--map-root-user", "sh", "-c", script, "sh", *inner]
    if subprocess.run(cmd[:3] + ["true"], capture_output=True).returncode != 0:
        pytest.skip("this host lets no process make a user namespace, so none can be limited further")
    done = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.stdout.startswith("bubblewrap cannot create the sandbox's namespaces (exit 1: bwrap: Creating new "
                                  "namespace failed: "), (done.stdout, done.stderr)
    assert "user.max_user_namespaces" in done.stdout


def test_unsandboxed_run_still_executes():
    result = run_notebook(notebook("print(6 * 7)"), limits=FAST, sandboxed=False)
    assert (result.status, result.sandboxed, text(result.notebook.cells[1])) == (GRADED, False, "42\n")


def test_user_namespace_mode_isolates_too(monkeypatch):
    """The mode used when the grader is not root: bwrap --unshare-user, no uid switch."""
    monkeypatch.setattr(bwrap, "privileged", lambda: False)
    assert "--unshare-user" in bwrap.bwrap_argv(Path("/h"), Path("/io"), ["true"], FAST)
    result = run_notebook(notebook(
        f"import os; print(sorted(os.listdir({str(REPO)!r})))",
        "import reference",
        WRITE_INTO_REPO,
        "import socket\ns = socket.socket(); s.settimeout(3)\ntry:\n    s.connect(('1.1.1.1', 53))\n"
        "except OSError as e:\n    print('refused')",
    ), limits=FAST)
    listing, reference, write, net = result.notebook.cells[1:]
    assert result.status == GRADED
    assert set(eval(text(listing))) <= {"autograder", "backprop", ".venv"}
    assert errors(reference) == ["ModuleNotFoundError"]
    assert_repo_untouched(write)
    assert text(net) == "refused\n"


def test_print_flood_is_cut_and_the_rest_of_the_notebook_counts():
    result = run_notebook(notebook("for i in range(200_000):\n    print('x' * 100)", "print('ok')"), limits=FAST)
    flood, ok = result.notebook.cells[1:]
    assert result.status == GRADED
    assert "[output cut" in text(flood) and len(text(flood)) < 300_000
    assert text(ok) == "ok\n"


def test_reference_installed_inside_the_venv_is_covered(monkeypatch):
    """A non-editable install puts `reference` in site-packages, inside a mounted folder: cover it."""

    inside = Path(sys.prefix).resolve() / "lib" / "site-packages" / "reference"
    real = bwrap._module_dir
    monkeypatch.setattr(bwrap, "_module_dir", lambda name: inside if name == "reference" else real(name))
    real_exists = Path.exists
    monkeypatch.setattr(Path, "exists", lambda self, *a, **k: self == inside or real_exists(self, *a, **k))
    argv = bwrap.bwrap_argv(Path("/h"), Path("/io"), ["true"], FAST)
    at = argv.index(str(inside))
    assert argv[at - 1] == "--tmpfs"
    # ... and it is mounted over after the venv, so it really hides what is there.
    assert at > argv.index(str(Path(sys.prefix).resolve()))


def test_grader_installed_inside_the_venv_shows_only_the_probes_modules(monkeypatch):
    """Installed into site-packages the grader sits inside the mounted venv: an empty folder covers it."""
    inside = Path(sys.prefix).resolve() / "lib" / "site-packages" / "autograder"
    real = bwrap._module_dir
    monkeypatch.setattr(bwrap, "_module_dir", lambda name: inside if name == "autograder" else real(name))
    monkeypatch.setattr(bwrap, "grader_files", lambda: [inside / "__init__.py", inside / "probe.py"])
    argv = bwrap.bwrap_argv(Path("/h"), Path("/io"), ["true"], FAST)
    at = argv.index(str(inside))
    assert argv[at - 1] == "--tmpfs" and at > argv.index(str(Path(sys.prefix).resolve()))
    binds = [argv[i + 1] for i, a in enumerate(argv) if a == "--ro-bind" and i > at]
    assert binds == [str(inside / "__init__.py"), str(inside / "probe.py")]
    assert argv[argv.index("--remount-ro"):][:2] == ["--remount-ro", str(inside)]


def test_runner_is_the_kernel_and_loads_nothing_grading_does_not_need(tmp_path):
    """The runner starts once per notebook: it runs the cells itself, with no Jupyter messaging,
    no second process and no schema validation on reading (the trusted side validates)."""
    heavy = ("nbformat", "jsonschema", "rfc3987_syntax", "zmq", "jupyter_client", "ipykernel", "nbclient")
    check = ("import os, sys\n"
             f"print(sorted(m for m in {heavy!r} if sys.modules.get(m)), os.getpid() == {{pid}})")  # None: blocked
    raw = {"nbformat": 4, "nbformat_minor": 5, "metadata": {},
           "cells": [{"cell_type": "code", "id": "a", "metadata": {}, "source": ["x = 1\n", "y = x + 1"],
                      "outputs": [], "execution_count": None, "unknown": "no schema would allow this"},
                     {"cell_type": "code", "id": "b", "metadata": {}, "source": "PID", "outputs": [],
                      "execution_count": None}]}
    src, out = tmp_path / "in.ipynb", tmp_path / "out.ipynb"
    script = tmp_path / "run.py"
    # The check runs as a cell, inside the runner's own process (its pid is the cell's pid).
    script.write_text("import json, os, sys\n"
                      "from autograder.execution import run_notebook as r\n"
                      "nb = json.load(open(sys.argv[1]))\n"
                      f"nb['cells'][1]['source'] = {check!r}.format(pid=os.getpid())\n"
                      "json.dump(nb, open(sys.argv[1], 'w'))\n"
                      "sys.exit(r.main(sys.argv[1:]))\n")
    src.write_text(json.dumps(raw))
    done = subprocess.run([sys.executable, "-I", str(script), str(src), str(out)], capture_output=True, text=True,
                          timeout=120, cwd=REPO)
    assert done.returncode == 0, done.stderr
    first, second = json.loads(out.read_text())["cells"]
    assert first["execution_count"] == 1 and first["outputs"] == []
    assert second["outputs"] == [{"output_type": "stream", "name": "stdout", "text": "[] True\n"}]
