"""The bubblewrap command line that isolates one notebook run, and a check that it works here.

The sandbox is built from a *whitelist*: inside it the file system holds only
``/usr`` (and the ``/bin``, ``/lib*``, ``/sbin`` links into it), ``/etc``, the
Python installation, the virtual environment and the two packages student code
may import, all read-only: ``backprop`` whole, and of ``autograder`` only the
modules the probe and the notebook runner import (:func:`sandbox_modules`), so
the judge, the diagnosis of mistakes and the wrong variants are not there; plus a fresh
``/proc``, a minimal ``/dev``, a small ``/tmp`` in memory and the scratch folder
(``/home/student``, the only place on disk it can write). The repository, the
reference solutions, the gradebook, other students' work and the instructor's
home are simply not there; where one of them lies *inside* a folder that is
mounted (a virtual environment inside the home folder, say) it is covered by an
empty in-memory folder.

Namespaces: a new network namespace (only its own loopback, so no connection
reaches the host or the internet), PID namespace (student processes cannot see
or signal anything outside, and all of them die with the sandbox's init),
IPC and UTS namespaces, a new session (no terminal injection), and
``--die-with-parent`` so that killing the grader kills the sandbox.

User: run as root (a grading server), the sandbox switches to an unprivileged
uid (``nobody`` by default) with every capability dropped and ``no_new_privs``
set, so even a mistake in the mounts would not let student code write a root
owned file or read a private one. Run as an ordinary user, bubblewrap uses an
unprivileged user namespace and the student code keeps that user's uid
(and no capabilities outside the namespace).

Resource limits are rlimits set by ``prlimit`` on the process tree in the
sandbox: address space, processes, file size, open files, no core dumps.
"""
from __future__ import annotations

import ast
import functools
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

#: Where the scratch folder appears inside the sandbox (also HOME and the working directory).
SANDBOX_HOME = "/home/student"
#: Where the runner reads its input and writes its output inside the sandbox.
SANDBOX_IO = "/grading"
#: Packages the student's kernel may import whole from the instructor's installation.
STUDENT_PACKAGES = ("backprop",)
#: The grader package: only the modules these two import (and nothing else of it) are mounted:
#: the name the hidden tests import the probe by, and the notebook runner (their parent
#: packages' ``__init__`` files and what those import come along).
GRADER_PACKAGE = "autograder"
SANDBOX_ENTRY_MODULES = ("autograder.probe", "autograder.execution.run_notebook")
#: Packages that must never be visible (the reference solutions).
HIDDEN_PACKAGES = ("reference",)
#: uid/gid the student code runs as when the grader runs as root (``nobody`` on Debian).
DEFAULT_SANDBOX_UID = 65534


@dataclass(frozen=True)
class Limits:
    """Resource limits of one notebook run (seconds and bytes)."""

    cell_timeout: int = 30
    notebook_timeout: int = 600
    memory_bytes: int = 2 * 1024**3
    # RLIMIT_NPROC counts every thread of the uid, across all sandboxes running at once (a kernel
    # and its runner hold about 20), so this bounds a fork bomb without starving parallel grading.
    max_processes: int = 256
    max_file_bytes: int = 64 * 1024**2
    max_open_files: int = 256
    tmp_bytes: int = 64 * 1024**2
    max_output_bytes: int = 32 * 1024**2

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"Limits.{name} must be a positive integer, got {value!r}")


def _module_dir(name: str) -> Path | None:
    """The folder holding package ``name`` as the grader imports it, or None."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin or spec.origin in ("built-in", "frozen"):
        return None
    return Path(spec.origin).resolve().parent


def _module_file(package_dir: Path, name: str) -> Path | None:
    """The source file of module ``name`` (dotted, inside GRADER_PACKAGE), or None if there is none."""
    parts = name.split(".")[1:]
    for candidate in (package_dir.joinpath(*parts, "__init__.py"),
                      package_dir.joinpath(*parts[:-1], f"{parts[-1]}.py") if parts else None):
        if candidate is not None and candidate.is_file():
            return candidate
    return None


def imported_names(tree: ast.AST, module: str, is_package: bool) -> set[str]:
    """Every module name an import statement anywhere in ``tree`` may load (relative ones resolved)."""
    names: set[str] = set()
    here = module.split(".") if is_package else module.split(".")[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = here[:len(here) - node.level + 1] if node.level else []
            target = ".".join(base + ([node.module] if node.module else []))
            names.add(target)
            # ``from . import drivers`` imports a submodule; ``from .cases import CHECKS`` a name (dropped later).
            names.update(f"{target}.{alias.name}" for alias in node.names)
    return names


@functools.lru_cache(maxsize=None)
def sandbox_modules() -> tuple[str, ...]:
    """Modules of GRADER_PACKAGE that SANDBOX_ENTRY_MODULES import, found by reading their import statements.

    Computed, not listed, so that a new import in the probe cannot leave the sandbox without
    a module it needs. Imports anywhere in a file count (inside functions too), which errs on
    the side of mounting a module that might not be loaded.
    """
    package_dir = _module_dir(GRADER_PACKAGE)
    if package_dir is None:
        return ()
    found: set[str] = set()
    todo = list(SANDBOX_ENTRY_MODULES)
    while todo:
        name = todo.pop()
        if name in found or name.split(".")[0] != GRADER_PACKAGE:
            continue
        path = _module_file(package_dir, name)
        if path is None:
            continue
        found.add(name)
        parts = name.split(".")
        todo += [".".join(parts[:i]) for i in range(1, len(parts))]  # parent packages run first
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        todo += sorted(imported_names(tree, name, path.name == "__init__.py"))
    return tuple(sorted(found))


def grader_files() -> list[Path]:
    """The source files of :func:`sandbox_modules`, the only part of the grader mounted in the sandbox."""
    package_dir = _module_dir(GRADER_PACKAGE)
    if package_dir is None:
        return []
    return [f for f in (_module_file(package_dir, m) for m in sandbox_modules()) if f is not None]


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def python_mounts() -> list[Path]:
    """Folders the sandboxed Python needs: installation, venv, and the student-importable packages."""
    mounts = [Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve()]
    mounts += [d for d in map(_module_dir, STUDENT_PACKAGES) if d is not None]
    # Drop folders already inside another mount; bwrap would mount them twice.
    mounts = sorted(set(mounts), key=lambda p: len(p.parts))
    kept: list[Path] = []
    for m in mounts:
        if not any(_inside(m, k) for k in kept) and not str(m).startswith("/usr/"):
            kept.append(m)
    return kept


def hidden_paths(extra: list[Path] | tuple[Path, ...] = ()) -> list[Path]:
    """Protected folders that would otherwise be visible inside a mounted folder."""
    protected = [d for d in map(_module_dir, HIDDEN_PACKAGES) if d is not None]
    protected += [Path.home().resolve(), Path("/root")]
    protected += [Path(p).resolve() for p in extra]
    mounts = python_mounts() + [Path("/usr"), Path("/etc")]
    hide = []
    for p in protected:
        # Hide p if it sits inside something mounted; a mount inside p stays (it was asked for).
        if any(_inside(p, m) and p != m for m in mounts) and p.exists():
            hide.append(p)
    return sorted(set(hide))


def _system_mounts() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"]
    for name in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(name):
            args += ["--symlink", os.readlink(name), name]
        elif os.path.isdir(name):
            args += ["--ro-bind", name, name]
    return args


def _parents(paths: list[Path]) -> list[Path]:
    """Every ancestor of ``paths`` below ``/``, outermost first, each once."""
    seen: list[Path] = []
    for path in paths:
        for parent in reversed(path.parents[:-1]):
            if parent not in seen:
                seen.append(parent)
    return seen


def privileged() -> bool:
    """True when the grader runs as root and can switch the sandbox to another uid."""
    return os.geteuid() == 0


def bwrap_argv(scratch_home: Path, scratch_io: Path, inner: list[str], limits: Limits, *,
               uid: int = DEFAULT_SANDBOX_UID, hide: list[Path] | tuple[Path, ...] = ()) -> list[str]:
    """The full command: bwrap, namespaces, mounts, then uid switch and rlimits, then ``inner``."""
    bwrap = shutil.which("bwrap") or "bwrap"
    argv = [bwrap, "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--hostname", "sandbox", "--die-with-parent", "--new-session"]
    if not privileged():
        argv += ["--unshare-user"]
    argv += _system_mounts()
    argv += ["--proc", "/proc", "--dev", "/dev", "--size", str(limits.tmp_bytes), "--tmpfs", "/tmp"]
    mounts = python_mounts()
    grader_dir = _module_dir(GRADER_PACKAGE)
    # bwrap makes missing parent folders mode 0700 (root-owned); the sandbox user must traverse them.
    for parent in _parents(mounts + [Path(SANDBOX_HOME), Path(SANDBOX_IO)] + ([grader_dir] if grader_dir else [])):
        argv += ["--perms", "0755", "--dir", str(parent)]
    for m in mounts:
        argv += ["--ro-bind", str(m), str(m)]
    for p in hidden_paths(hide):
        argv += ["--tmpfs", str(p)]
    if grader_dir is not None:
        # An empty folder (covering the package if it sits inside the venv), then file by file only
        # what the probe imports, then read-only: the judge and its diagnoses stay outside.
        argv += ["--perms", "0755", "--tmpfs", str(grader_dir)]
        for f in grader_files():
            for sub in _parents([f.relative_to(grader_dir)]):
                argv += ["--perms", "0755", "--dir", str(grader_dir / sub)]
            argv += ["--ro-bind", str(f), str(f)]
        argv += ["--remount-ro", str(grader_dir)]
    argv += ["--bind", str(scratch_home), SANDBOX_HOME, "--bind", str(scratch_io), SANDBOX_IO,
             "--remount-ro", "/", "--chdir", SANDBOX_HOME, "--"]
    if privileged():
        argv += [shutil.which("setpriv") or "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                 "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]
    argv += [shutil.which("prlimit") or "prlimit",
             f"--as={limits.memory_bytes}", f"--nproc={limits.max_processes}",
             f"--fsize={limits.max_file_bytes}", f"--nofile={limits.max_open_files}", "--core=0", "--"]
    return argv + inner


def python_executable() -> str:
    """This interpreter's path as the sandbox sees it: its folder with every ``..`` and symlink resolved.

    Started as ``../../repo/.venv/bin/python``, ``sys.executable`` keeps the folders it came through,
    and the sandbox has none of them. The file name stays: a virtual environment's ``python`` is a
    link, and the folder it is called from tells it which environment it belongs to.
    """
    exe = Path(sys.executable)
    return str(Path(os.path.realpath(exe.parent)) / exe.name)


def sandbox_env() -> dict[str, str]:
    """The whole environment of the sandboxed runner and kernel; nothing is inherited from the grader."""
    return {
        "PATH": f"{Path(python_executable()).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": SANDBOX_HOME,
        "USER": "student",
        "LANG": "C.UTF-8",
        "TMPDIR": "/tmp",
        "JUPYTER_RUNTIME_DIR": f"{SANDBOX_HOME}/.jupyter-runtime",
        "JUPYTER_PLATFORM_DIRS": "1",
        "IPYTHONDIR": f"{SANDBOX_HOME}/.ipython",
        "MPLCONFIGDIR": f"{SANDBOX_HOME}/.matplotlib",
        "MPLBACKEND": "Agg",
        # One BLAS thread: the address-space limit counts every thread's buffers.
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "NBGRADER_EXECUTION": "autograde",
    }


@functools.lru_cache(maxsize=None)
def unavailable_reason(uid: int = DEFAULT_SANDBOX_UID) -> str | None:
    """None when a sandboxed Python starts on this host, else why not (in words for the instructor)."""
    for tool in ("bwrap", "prlimit") + (("setpriv",) if privileged() else ()):
        if shutil.which(tool) is None:
            return (f"{tool} is not installed (Debian/Ubuntu: apt-get install bubblewrap util-linux; "
                    f"`make system-deps` does it)")
    import tempfile

    with tempfile.TemporaryDirectory(prefix="backprop-sandbox-probe-") as tmp:
        home, io = Path(tmp, "home"), Path(tmp, "io")
        home.mkdir()
        io.mkdir()
        python = python_executable()
        argv = bwrap_argv(home, io, [python, "-I", "-c", "import autograder, backprop"], Limits(), uid=uid)
        try:
            done = subprocess.run(argv, env=sandbox_env(), capture_output=True, timeout=60, text=True)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"bubblewrap could not start: {exc}"
    if done.returncode != 0:
        return failure_cause(done.returncode, done.stderr, python)
    return None


def failure_cause(returncode: int, stderr: str, python: str) -> str:
    """Why a sandboxed ``python -c "import autograder, backprop"`` failed, from its exit status and stderr."""
    lines = stderr.strip().splitlines()
    last = lines[-1] if lines else "no message"
    said = f"exit {returncode}: {last}"
    if "failed to execute" in last:   # prlimit's or setpriv's words: the interpreter is not in the sandbox
        return (f"the sandbox cannot run the Python interpreter {python} ({said}); start the grader with "
                f"the course environment's python, e.g. .venv/bin/python -m autograder")
    if last.startswith("bwrap:"):     # bubblewrap itself could not set the sandbox up
        if "namespace" in last or "uid map" in last or "Operation not permitted" in last:
            return (f"bubblewrap cannot create the sandbox's namespaces ({said}); user namespaces may be "
                    f"disabled on this host (sysctl kernel.unprivileged_userns_clone, user.max_user_namespaces, "
                    f"or an AppArmor restriction)")
        return f"bubblewrap could not set up the sandbox ({said})"
    if any(line.startswith("Traceback") for line in lines):
        # Python started in the sandbox; the course's packages are not where its environment looks.
        return (f"the sandboxed Python ({python}) cannot import the course's packages ({said}); install them "
                f"into that environment (`make venv`, or pip install -e . -e ./backprop) and run the grader "
                f"with it, not with a copy found through the current folder or PYTHONPATH")
    return f"a sandboxed Python did not start ({said})"
