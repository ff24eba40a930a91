"""`make system-deps` on a machine that lacks the Debian packages it installs.

Stand-in `dpkg`, `apt-get`, `sudo` and `id` on PATH record what would run, so the
test sees the exact commands (and the environment apt-get gets) as root and as a
user, without touching the real package database.
"""
import os
import stat
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = "chromium chromium-driver postgresql bubblewrap fontconfig"


def _script(path: Path, body: str) -> None:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def _shims(tmp_path: Path, uid: int, installed: set[str] = frozenset(),
           apt_fails: bool = False) -> Path:
    """A folder of stand-ins; each appends one line to tmp_path/log."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "log"
    known = " ".join(sorted(installed))
    _script(bin_dir / "dpkg", f'for k in {known or "__none__"}; do '
                              f'[ "$2" = "$k" ] && exit 0; done\nexit 1\n')
    _script(bin_dir / "apt-get",
            f'echo "apt-get $* [DEBIAN_FRONTEND=${{DEBIAN_FRONTEND:-}}]" >>"{log}"\n'
            f'exit {1 if apt_fails else 0}\n')
    _script(bin_dir / "sudo", f'echo "sudo $*" >>"{log}"\nexec "$@"\n')
    _script(bin_dir / "id", f'[ "$1" = "-u" ] && echo {uid} && exit 0\nexit 1\n')
    return bin_dir


def _make(bin_dir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    env.pop("DEBIAN_FRONTEND", None)
    return subprocess.run(["make", "-s", "-C", str(REPO), "system-deps"], env=env,
                          capture_output=True, text=True, timeout=60)


def _log(tmp_path: Path) -> list[str]:
    log = tmp_path / "log"
    return log.read_text().splitlines() if log.exists() else []


def test_as_root_apt_get_runs_without_sudo(tmp_path):
    result = _make(_shims(tmp_path, uid=0))
    assert result.returncode == 0, result.stdout + result.stderr
    assert _log(tmp_path) == [
        "apt-get update -qq [DEBIAN_FRONTEND=]",
        f"apt-get install -y -qq {PACKAGES} [DEBIAN_FRONTEND=noninteractive]",
    ]
    assert f"Installing Debian packages: {PACKAGES}" in result.stdout


def test_as_a_user_apt_get_runs_through_sudo(tmp_path):
    result = _make(_shims(tmp_path, uid=1000))
    assert result.returncode == 0, result.stdout + result.stderr
    assert _log(tmp_path) == [
        "sudo apt-get update -qq",
        "apt-get update -qq [DEBIAN_FRONTEND=]",
        f"sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq {PACKAGES}",
        f"apt-get install -y -qq {PACKAGES} [DEBIAN_FRONTEND=noninteractive]",
    ]


def test_only_the_missing_packages_are_installed(tmp_path):
    result = _make(_shims(tmp_path, uid=0, installed={"postgresql", "chromium", "fontconfig"}))
    assert result.returncode == 0, result.stdout + result.stderr
    assert _log(tmp_path)[-1] == ("apt-get install -y -qq chromium-driver bubblewrap "
                                  "[DEBIAN_FRONTEND=noninteractive]")


def test_nothing_runs_when_everything_is_installed(tmp_path):
    result = _make(_shims(tmp_path, uid=0, installed=set(PACKAGES.split())))
    assert result.returncode == 0, result.stdout + result.stderr
    assert _log(tmp_path) == []
    assert result.stdout == ""


@pytest.mark.parametrize("uid", [0, 1000])
def test_a_failed_install_says_what_to_do_and_fails(tmp_path, uid):
    result = _make(_shims(tmp_path, uid=uid, apt_fails=True))
    assert result.returncode != 0
    assert f"Could not install {PACKAGES}; install them with apt-get" in result.stdout
