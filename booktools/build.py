"""Build every edition of the book: ``python -m booktools.build`` (what ``make book`` runs).

    python -m booktools.build                     # English into _build/html, Korean into _build/html/ko
    python -m booktools.build --path-output DIR   # the same under DIR/_build (the tests build there)
    python -m booktools.build --edition ko        # one edition only

Each edition is the Sphinx build ``jupyter-book build . --warningiserror --keep-going``
runs (jupyter-book's own configuration from ``_config.yml`` and ``_toc.yml``), with
one difference: Sphinx's ``language``. Each runs in a process of its own (Sphinx and
MyST-NB keep state in module globals), executes every page, and its time is printed.

The English edition is built first: a translated edition shows the English edition's
glued numbers (a time measured while building would otherwise differ between the
two; see booktools/glue_i18n.py), so ``--edition ko`` alone needs a current English
build. MyST-NB writes executed notebooks beside the HTML folder, so the Korean edition is
built in ``_build/ko/html`` (doctrees and executed notebooks in ``_build/ko``) and
then copied to ``_build/html/ko``: one folder holds the whole book, and the language
switch of every page is a relative link.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

from booktools.editions import EDITIONS, SOURCE_LANGUAGE

ROOT = Path(__file__).resolve().parents[1]


def build_dir(base: Path, language: str) -> Path:
    """Where Sphinx writes ``language``'s HTML (its doctrees go beside it)."""
    return base / "_build" / ("html" if language == SOURCE_LANGUAGE else f"{language}/html")


def published_dir(base: Path, language: str) -> Path:
    """Where ``language``'s edition is read: ``_build/html`` or a folder below it."""
    folder = EDITIONS[language]
    html = base / "_build" / "html"
    return html / folder if folder else html


def build_edition(language: str, base: Path, source: Path = ROOT) -> int:
    """Run one edition's Sphinx build in this process; return its status (0 when it passed)."""
    from jupyter_book.sphinx import build_sphinx

    overrides = {"external_toc_path": (source / "_toc.yml").as_posix(),
                 "latex_individualpages": False, "language": language}
    if language != SOURCE_LANGUAGE:
        # glued numbers from the English edition, so both show the same (booktools/glue_i18n.py)
        overrides["booktools_glue_from"] = str(build_dir(base, SOURCE_LANGUAGE).parent / "jupyter_execute")
    result = build_sphinx(
        source, build_dir(base, language),
        noconfig=True, path_config=source / "_config.yml",
        confoverrides=overrides,
        builder="html", warningiserror=True, keep_going=True,
    )
    if isinstance(result, BaseException):
        print(f"the {language} edition failed: {result!r}", file=sys.stderr)
        return 1
    return int(result or 0)


def publish(language: str, base: Path) -> None:
    """Copy a translated edition's HTML into its folder below the English edition."""
    built, target = build_dir(base, language), published_dir(base, language)
    if built == target:
        return
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(built, target)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m booktools.build", description=__doc__.splitlines()[0])
    parser.add_argument("--path-output", type=Path, default=ROOT,
                        help="build into PATH/_build (default: the repository)")
    parser.add_argument("--source", type=Path, default=ROOT,
                        help="the book to build: a folder with _config.yml and _toc.yml (default: this one)")
    parser.add_argument("--edition", choices=sorted(EDITIONS), action="append",
                        help="build only this edition (repeatable; default: all, English first)")
    parser.add_argument("--in-process", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    base, source = args.path_output.resolve(), args.source.resolve()
    languages = args.edition or list(EDITIONS)
    if args.in_process:   # the child process of one edition
        return build_edition(languages[0], base, source)
    times = []
    for language in languages:
        print(f"\n==== building the {language} edition ====", flush=True)
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "booktools.build", "--in-process", "--edition", language,
                               "--path-output", str(base), "--source", str(source)], cwd=ROOT)
        seconds = time.perf_counter() - start
        if proc.returncode != 0:
            print(f"\nthe {language} edition failed after {seconds:.1f} s (exit code {proc.returncode}); "
                  "the messages above say why", file=sys.stderr)
            return proc.returncode
        publish(language, base)
        times.append((language, seconds))
    print()
    for language, seconds in times:
        index = published_dir(base, language) / "index.html"
        print(f"{language} edition built in {seconds:.1f} s: file://{index}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
