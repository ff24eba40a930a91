"""Downloads, against a loopback HTTP server serving the real official files.

Never touches the real network: every test sets BACKPROP_MNIST_MIRRORS or passes
mirrors pointing at 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import io
import os
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from backprop.datasets import MNISTError, download_file, load_mnist, mnist_source
from backprop.datasets.files import OFFICIAL, OfficialFile

TEST_IMAGES = "t10k-images-idx3-ubyte.gz"
TEST_LABELS = "t10k-labels-idx1-ubyte.gz"
TRAIN_IMAGES = "train-images-idx3-ubyte.gz"
TRAIN_LABELS = "train-labels-idx1-ubyte.gz"


class Server:
    """Serves ``routes`` (path -> bytes) on 127.0.0.1; ``cut`` paths announce the full
    length but stop halfway, like a dropped connection. Counts requests per path."""

    def __init__(self, routes: dict, cut: set = frozenset()):
        self.routes, self.cut, self.hits = routes, cut, {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.hits[self.path] = server.hits.get(self.path, 0) + 1
                body = server.routes.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2] if self.path in server.cut else body)

            def log_message(self, *args):  # keep test output clean
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/mnist/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def _closed_port_url() -> str:
    """A loopback URL nobody listens on: connecting fails at once, like being offline."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/mnist/"


@pytest.fixture(scope="module")
def official(shared_data) -> dict:
    d = shared_data / "mnist-official"
    return {p.name: p.read_bytes() for p in d.glob("*.gz")}


@pytest.fixture
def env(monkeypatch, tmp_path):
    monkeypatch.delenv("MNIST_DIR", raising=False)
    monkeypatch.setenv("BACKPROP_CACHE", str(tmp_path))
    monkeypatch.setenv("BACKPROP_MNIST_MIRRORS", "")
    for var in ("no_proxy", "NO_PROXY"):  # a configured proxy must not catch loopback
        monkeypatch.setenv(var, "127.0.0.1,localhost")
    return tmp_path / "mnist"


def _left_over(directory: Path) -> list:
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def test_download_verifies_and_shows_progress(official, env):
    routes = {f"/mnist/{n}": b for n, b in official.items()}
    stream = io.StringIO()
    with Server(routes) as srv:
        for name in official:
            path = download_file(name, env, [srv.url], stream=stream)
            assert path == env / name
            assert path.read_bytes() == official[name]
    assert _left_over(env) == sorted(official)  # no temporary files left behind
    log = stream.getvalue()
    for name in official:
        assert f"{name} [" in log
    assert "100%" in log and "1.6/1.6 MB" in log  # the 1,648,877-byte test images


def test_progress_goes_to_stderr_by_default(official, env, capsys):
    with Server({f"/mnist/{TEST_LABELS}": official[TEST_LABELS]}) as srv:
        download_file(TEST_LABELS, env, [srv.url])
    err = capsys.readouterr().err
    assert TEST_LABELS in err and "100%" in err and "4.5/4.5 kB" in err


def test_progress_can_be_switched_off(official, env, capsys):
    with Server({f"/mnist/{TEST_LABELS}": official[TEST_LABELS]}) as srv:
        download_file(TEST_LABELS, env, [srv.url], progress=False)
    assert capsys.readouterr().err == ""


def test_checksum_mismatch_is_rejected_and_removed(official, env):
    bad = bytearray(official[TEST_IMAGES])
    bad[len(bad) // 2] ^= 0xFF  # same size, one byte flipped
    with Server({f"/mnist/{TEST_IMAGES}": bytes(bad)}) as srv:
        with pytest.raises(MNISTError) as err:
            download_file(TEST_IMAGES, env, [srv.url], progress=False)
    msg = str(err.value)
    assert f"could not download {TEST_IMAGES}" in msg
    assert "rejected and removed" in msg and "checksums" in msg
    assert OFFICIAL[TEST_IMAGES].sha256 in msg
    assert _left_over(env) == []


def test_oversized_download_is_cut_off(official, env):
    with Server({f"/mnist/{TEST_LABELS}": official[TEST_LABELS] + b"x" * 100}) as srv:
        with pytest.raises(MNISTError, match="more than the official 4542 bytes"):
            download_file(TEST_LABELS, env, [srv.url], progress=False)
    assert _left_over(env) == []


def test_interrupted_download_leaves_no_file(official, env):
    path = f"/mnist/{TEST_IMAGES}"
    with Server({path: official[TEST_IMAGES]}, cut={path}) as srv:
        with pytest.raises(MNISTError, match=r"(?s)t10k-images.*connection closed after "
                                             r"824438 of 1648877 bytes; partial file discarded"):
            download_file(TEST_IMAGES, env, [srv.url], progress=False)
    assert _left_over(env) == []


def test_next_mirror_is_tried_when_one_fails(official, env):
    with Server({}) as empty, Server({f"/mnist/{TEST_LABELS}": official[TEST_LABELS]}) as good:
        mirrors = [_closed_port_url(), empty.url, good.url]
        path = download_file(TEST_LABELS, env, mirrors, progress=False)
        assert empty.hits == {f"/mnist/{TEST_LABELS}": 1}  # the 404 mirror was asked first
    assert hashlib.md5(path.read_bytes()).hexdigest() == "ec29112dd5afa0611ce80d1b7f02629c"


def test_offline_and_missing_says_where_to_put_the_files(env, monkeypatch):
    monkeypatch.setenv("BACKPROP_MNIST_MIRRORS", _closed_port_url())
    with pytest.raises(MNISTError) as err:
        load_mnist()
    msg = str(err.value)
    assert f"are not in {env}" in msg
    assert "train-images-idx3-ubyte.gz" in msg and "t10k-labels-idx1-ubyte.gz" in msg
    assert "downloading failed" in msg and "127.0.0.1" in msg
    assert f"put the four official files" in msg and str(env) in msg
    assert "set MNIST_DIR" in msg
    assert "https://ossci-datasets.s3.amazonaws.com/mnist/" in msg
    assert "https://storage.googleapis.com/cvdf-datasets/mnist/" in msg
    assert _left_over(env) == []


def test_downloads_switched_off(env):
    with pytest.raises(MNISTError, match=r"(?s)downloading is switched off.*set MNIST_DIR"):
        load_mnist()
    assert "not yet all downloaded" in mnist_source()


def test_load_mnist_downloads_what_is_missing_then_loads(official, env, monkeypatch, capsys, shared_data):
    """End to end. The official training images are not available offline, so the
    official table's training entries are pointed at the offline split's training
    files (real MNIST digits); the test files are the real official ones."""
    split = shared_data / "mnist-t10k-split"
    routes = {f"/mnist/{n}": b for n, b in official.items() if n.startswith("t10k")}
    for name in (TRAIN_IMAGES, TRAIN_LABELS):
        body = (split / name).read_bytes()
        routes[f"/mnist/{name}"] = body
        monkeypatch.setitem(OFFICIAL, name, OfficialFile(
            name, len(body), hashlib.md5(body).hexdigest(), hashlib.sha256(body).hexdigest()))
    # One file is already in the cache: only the other three are fetched.
    env.mkdir(parents=True)
    (env / TEST_LABELS).write_bytes(official[TEST_LABELS])
    with Server(routes) as srv:
        monkeypatch.setenv("BACKPROP_MNIST_MIRRORS", srv.url)
        (x, t), (xt, tt) = load_mnist()
        load_mnist(one_hot_label=True)
        assert srv.hits == {f"/mnist/{n}": 1 for n in (TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES)}
    assert x.shape == (8000, 784) and xt.shape == (10000, 784)
    assert np.bincount(tt, minlength=10)[1] == 1135  # published count of 1s in the test set
    err = capsys.readouterr().err
    assert f"Downloading MNIST into {env}" in err and "100%" in err
    assert _left_over(env) == sorted(routes_name.rsplit("/", 1)[1] for routes_name in routes)
    # The cached files are re-checked on a later load; a corrupted one is refused.
    bad = bytearray(official[TEST_LABELS])
    bad[100] ^= 0x01
    (env / TEST_LABELS).write_bytes(bytes(bad))
    with pytest.raises(MNISTError, match=r"t10k-labels-idx1-ubyte\.gz is in the cache but is "
                                         r"not the official"):
        load_mnist()


def test_progress_redraws_in_place_on_a_terminal(official, env):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    stream = Terminal()
    with Server({f"/mnist/{TEST_IMAGES}": official[TEST_IMAGES]}) as srv:
        download_file(TEST_IMAGES, env, [srv.url], stream=stream)
    out = stream.getvalue()
    assert out.startswith(f"\r{TEST_IMAGES} [") and out.count("\n") == 1
    assert "\r" + TEST_IMAGES + " [" + "#" * 30 + "] 100% 1.6/1.6 MB\n" in out
