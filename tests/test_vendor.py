"""booktools.vendor: the offline book's front-end files, fetched at pinned versions.

Fetching uses the npm registry (reachable where the course is built and
tested); the first test fetches once into a temporary folder and the others
reuse it.
"""

from __future__ import annotations

import hashlib
import json
import shutil

import pytest

from booktools import vendor as v


@pytest.fixture(scope="module")
def vendored(tmp_path_factory):
    target = tmp_path_factory.mktemp("vendor")
    dest = v.vendor(target, quiet=True)
    return target, dest


def test_the_files_the_book_loads_are_there(vendored):
    _, dest = vendored
    # MathJax for node at build time (booktools/static_math.py) and its fonts for the pages
    for rel in ("mathjax/node-main.js", "mathjax/input/tex.js", "mathjax/output/chtml.js",
                "mathjax/output/chtml/fonts/tex.js", "mathjax/a11y/assistive-mml.js",
                "mathjax/output/chtml/fonts/woff-v2/MathJax_Main-Regular.woff"):
        assert (dest / rel).is_file(), rel
    # nothing the pages no longer load: the widget manager, require.js, MathJax for the browser
    for rel in ("require.js", "html-manager", "anywidget", "mathjax/tex-mml-chtml.js", "mathjax/ui", "mathjax/sre"):
        assert not (dest / rel).exists(), rel
    manifest = json.loads((dest / v.MANIFEST).read_text())
    assert manifest["pins"]["npm"]["mathjax"][0] == "3.2.2"
    assert all((dest / f).is_file() for f in manifest["files"])
    # no source maps or type declarations: the book serves only what runs
    assert not list(dest.rglob("*.map"))


def test_the_build_finds_what_it_needs_there(vendored):
    """The build's extensions find MathJax and the Korean font under html_static_path's folder."""
    from booktools import korean_font, static_math

    target, dest = vendored
    assert (target / static_math.MATHJAX_DIR / "node-main.js").is_file()
    assert (target / korean_font.FONT_DIR / "400.css").is_file()
    typesetter = static_math.Typesetter(target / static_math.MATHJAX_DIR)
    try:
        assert "<mjx-container" in typesetter.html(r"\frac{\partial L}{\partial x}", True)
    finally:
        typesetter.close()


def test_second_run_fetches_nothing(vendored, monkeypatch):
    target, dest = vendored

    def no_fetch(*args, **kwargs):
        raise AssertionError("fetched again although every pinned file was present")

    monkeypatch.setattr(v, "_fetch", no_fetch)
    assert v.vendor(target, quiet=True) == dest


@pytest.fixture
def fetch_calls(monkeypatch):
    """Names of the npm packages ``vendor`` fetches from here on (the fetch still happens)."""
    calls = []
    real = v._fetch

    def counting(name, *args):
        calls.append(name)
        return real(name, *args)

    monkeypatch.setattr(v, "_fetch", counting)
    return calls


def test_a_missing_file_or_changed_pin_fetches_again(vendored, tmp_path, fetch_calls):
    target, dest = vendored
    copy = tmp_path / "copy"
    shutil.copytree(target, copy)
    (copy / v.SUBDIR / "mathjax" / "node-main.js").unlink()
    v.vendor(copy, quiet=True)
    assert (copy / v.SUBDIR / "mathjax" / "node-main.js").is_file()
    assert fetch_calls == list(v.NPM_PINS)


def test_a_changed_file_fails_its_hash_and_fetches_again(vendored, tmp_path, fetch_calls):
    """The fast path hashes the files: one of the right name and size but other bytes is replaced."""
    target, dest = vendored
    manifest = json.loads((dest / v.MANIFEST).read_text())
    # the manifest's hashes are those of the files on disk, computed here independently
    assert set(manifest["files"]) >= {"mathjax/node-main.js", "mathjax/input/tex.js", "mathjax/output/chtml.js"}
    for rel, digest in manifest["files"].items():
        assert hashlib.sha256((dest / rel).read_bytes()).hexdigest() == digest, rel
    copy = tmp_path / "copy"
    shutil.copytree(target, copy)
    js = copy / v.SUBDIR / "mathjax" / "output" / "chtml.js"
    good = js.read_bytes()
    js.write_bytes(good[:-1] + (b"X" if good[-1:] != b"X" else b"Y"))   # same size, one byte off
    v.vendor(copy, quiet=True)
    assert fetch_calls == list(v.NPM_PINS), "a file whose hash differs from the manifest was not fetched again"
    assert js.read_bytes() == good
    # and now it is up to date again: a further run fetches nothing
    fetch_calls.clear()
    v.vendor(copy, quiet=True)
    assert fetch_calls == []


def test_a_manifest_without_hashes_fetches_again(vendored, tmp_path, monkeypatch):
    """A manifest from before hashes were recorded (a list of names) cannot vouch for its files."""
    target, _ = vendored
    copy = tmp_path / "copy"
    shutil.copytree(target, copy)
    manifest = copy / v.SUBDIR / v.MANIFEST
    old = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({"pins": old["pins"], "files": sorted(old["files"])}))

    class Fetched(Exception):
        pass

    def fetch(name, *args):
        raise Fetched(name)

    monkeypatch.setattr(v, "_fetch", fetch)
    with pytest.raises(Fetched):
        v.vendor(copy, quiet=True)


def test_a_tarball_that_does_not_match_its_pin_is_refused(tmp_path, monkeypatch):
    version, _, mapping = v.NPM_PINS["mathjax"]
    monkeypatch.setattr(v, "NPM_PINS", {"mathjax": (version, "sha512-AAAA", mapping)})
    with pytest.raises(v.VendorError, match=r"mathjax@3\.2\.2.*refusing"):
        v.vendor(tmp_path / "out", quiet=True)
    assert list((tmp_path / "out").iterdir()) == [], "a refused fetch left files behind"


def test_command_line(tmp_path, capsys, monkeypatch):
    assert v.main([]) == 2
    assert "usage" in capsys.readouterr().err
    def no_npm():
        raise v.VendorError("npm is needed")

    monkeypatch.setattr(v, "_npm_command", no_npm)
    assert v.main([str(tmp_path / "x")]) == 1
    assert "npm is needed" in capsys.readouterr().err
