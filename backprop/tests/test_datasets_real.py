"""The loader against real MNIST: the official files and the course's offline split.

Expected values come from outside the loader: checksums from the data README's
table, label counts from a plain gzip read here and from the published MNIST
class frequencies.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import shutil
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from backprop.datasets import OFFICIAL, MNISTError, load_mnist, mnist_source, read_images, read_labels
from backprop.datasets.files import official_mismatch

# Published per-class counts of the official MNIST sets (digits 0-9).
TEST_CLASS_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
TRAIN_CLASS_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]


@pytest.fixture(scope="module")
def shared(shared_data) -> Path:
    return shared_data


def _readme_sums(shared: Path) -> dict:
    """name -> (bytes, md5, sha256 or None), parsed from the data README's table."""
    rows = re.findall(r"^\| (\S+\.gz) \| (\d+) \| ([0-9a-f]{32}) \| (\S+|\(not present here\)) \|",
                      (shared / "README.md").read_text(), flags=re.M)
    return {n: (int(b), md5, sha if re.fullmatch(r"[0-9a-f]{64}", sha) else None)
            for n, b, md5, sha in rows}


def _raw(path: Path) -> bytes:
    with gzip.open(path, "rb") as fh:
        return fh.read()


def test_official_table_matches_the_readme(shared):
    readme = _readme_sums(shared)
    assert set(readme) == set(OFFICIAL)
    for name, (size, md5, sha) in readme.items():
        assert OFFICIAL[name].size == size and OFFICIAL[name].md5 == md5
        if sha is not None:
            assert OFFICIAL[name].sha256 == sha


def test_official_files_have_the_published_checksums(shared):
    readme = _readme_sums(shared)
    present = sorted(p.name for p in (shared / "mnist-official").glob("*.gz"))
    assert len(present) == 3
    for name in present:
        path = shared / "mnist-official" / name
        data = path.read_bytes()
        size, md5, sha = readme[name]
        assert len(data) == size
        assert hashlib.md5(data).hexdigest() == md5
        assert hashlib.sha256(data).hexdigest() == sha
        assert official_mismatch(path, name) is None


def test_official_test_set_parses_with_the_published_class_counts(shared):
    d = shared / "mnist-official"
    images = read_images(d / "t10k-images-idx3-ubyte.gz")
    labels = read_labels(d / "t10k-labels-idx1-ubyte.gz")
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (10000,)
    raw_labels = _raw(d / "t10k-labels-idx1-ubyte.gz")[8:]
    independent = Counter(raw_labels)
    assert [independent[k] for k in range(10)] == TEST_CLASS_COUNTS
    assert np.bincount(labels, minlength=10).tolist() == TEST_CLASS_COUNTS
    raw_images = _raw(d / "t10k-images-idx3-ubyte.gz")
    assert images[0].tobytes() == raw_images[16:16 + 784]
    assert images[-1].tobytes() == raw_images[-784:]


def test_official_training_labels(shared):
    labels = read_labels(shared / "mnist-official" / "train-labels-idx1-ubyte.gz")
    assert labels.shape == (60000,)
    independent = Counter(_raw(shared / "mnist-official" / "train-labels-idx1-ubyte.gz")[8:])
    assert [independent[k] for k in range(10)] == TRAIN_CLASS_COUNTS
    assert np.bincount(labels, minlength=10).tolist() == TRAIN_CLASS_COUNTS


def test_offline_split_loads_with_the_book_shapes(shared, isolated, monkeypatch):
    monkeypatch.setenv("MNIST_DIR", str(shared / "mnist-t10k-split"))
    start = time.perf_counter()
    (x, t), (xt, tt) = load_mnist()
    print(f"offline split loaded in {time.perf_counter() - start:.3f} s")
    assert x.shape == (8000, 784) and xt.shape == (2000, 784)
    assert t.shape == (8000,) and tt.shape == (2000,)
    assert x.dtype == np.float32 and 0.0 <= x.min() and x.max() <= 1.0
    (x4, t1), _ = load_mnist(flatten=False, one_hot_label=True)
    assert x4.shape == (8000, 1, 28, 28) and t1.shape == (8000, 10)


def test_offline_split_is_the_official_test_set_cut_in_two(shared, isolated, monkeypatch):
    """What mnist_source claims about the split, checked against the official files."""
    monkeypatch.setenv("MNIST_DIR", str(shared / "mnist-t10k-split"))
    (x, t), (xt, tt) = load_mnist(normalize=False, flatten=False)
    d = shared / "mnist-official"
    official_x = np.frombuffer(_raw(d / "t10k-images-idx3-ubyte.gz")[16:], np.uint8)
    official_t = np.frombuffer(_raw(d / "t10k-labels-idx1-ubyte.gz")[8:], np.uint8)
    official_x = official_x.reshape(10000, 1, 28, 28)
    np.testing.assert_array_equal(x, official_x[:8000])
    np.testing.assert_array_equal(xt, official_x[8000:])
    np.testing.assert_array_equal(t, official_t[:8000])
    np.testing.assert_array_equal(tt, official_t[8000:])
    text = mnist_source()
    assert "offline MNIST split" in text
    assert "8,000 training / 2,000 test images" in text
    assert "not the official 60,000 / 10,000 split" in text


def test_a_copy_of_the_split_with_one_changed_byte_is_just_user_data(shared, isolated,
                                                                       monkeypatch):
    d = isolated / "mine"
    shutil.copytree(shared / "mnist-t10k-split", d)
    raw = bytearray(_raw(d / "t10k-labels-idx1-ubyte.gz"))
    raw[8] = (raw[8] + 1) % 10
    (d / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(bytes(raw)))
    monkeypatch.setenv("MNIST_DIR", str(d))
    assert mnist_source().startswith(f"user-supplied MNIST-format files in {d} "
                                      f"(8,000 training / 2,000 test images")
    load_mnist()  # format-checked only: unofficial sums are fine in MNIST_DIR


def test_cache_refuses_files_that_are_not_official(shared, isolated):
    """The split copied into the cache has the right names but not the official sums."""
    cache = isolated / "cache" / "mnist"
    shutil.copytree(shared / "mnist-t10k-split", cache)
    with pytest.raises(MNISTError) as err:
        load_mnist()
    msg = str(err.value)
    assert "is in the cache but is not the official" in msg
    assert "set MNIST_DIR" in msg and "Delete it" in msg
    assert len(list(cache.glob("*.gz"))) == 4  # a user's files are reported, not deleted
    assert "load_mnist() will refuse them" in mnist_source()
