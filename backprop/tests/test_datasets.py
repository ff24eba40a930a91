"""load_mnist on tiny IDX files written here: options, shapes, and every file defect.

The expected arrays are built from the same random pixels the files are written
from, never from the loader, so a wrong reshape, scale or label order fails.
"""

from __future__ import annotations

import gzip
import struct
import time

import numpy as np
import pytest

from backprop.datasets import MNISTError, load_mnist, mnist_source, read_images, read_labels

NAMES = {
    "train_x": "train-images-idx3-ubyte.gz", "train_t": "train-labels-idx1-ubyte.gz",
    "test_x": "t10k-images-idx3-ubyte.gz", "test_t": "t10k-labels-idx1-ubyte.gz",
}


def images_idx(pixels: np.ndarray, magic: int = 2051) -> bytes:
    n, rows, cols = pixels.shape
    return struct.pack(">IIII", magic, n, rows, cols) + pixels.astype(np.uint8).tobytes()


def labels_idx(labels, magic: int = 2049) -> bytes:
    labels = np.asarray(labels, dtype=np.uint8)
    return struct.pack(">II", magic, len(labels)) + labels.tobytes()


def write_gz(path, raw: bytes) -> None:
    path.write_bytes(gzip.compress(raw))


@pytest.fixture
def tiny(isolated, monkeypatch):
    """A good four-file directory: 5 training and 3 test digits, set as MNIST_DIR."""
    rng = np.random.default_rng(0)
    data = {
        "train_x": rng.integers(0, 256, size=(5, 28, 28), dtype=np.uint8),
        "train_t": np.array([3, 0, 9, 1, 3], dtype=np.uint8),
        "test_x": rng.integers(0, 256, size=(3, 28, 28), dtype=np.uint8),
        "test_t": np.array([7, 2, 0], dtype=np.uint8),
    }
    data["train_x"][0, 0, :] = 0    # make sure both ends of the range occur
    data["train_x"][0, 1, :] = 255
    d = isolated / "tiny"
    d.mkdir()
    write_gz(d / NAMES["train_x"], images_idx(data["train_x"]))
    write_gz(d / NAMES["train_t"], labels_idx(data["train_t"]))
    write_gz(d / NAMES["test_x"], images_idx(data["test_x"]))
    write_gz(d / NAMES["test_t"], labels_idx(data["test_t"]))
    monkeypatch.setenv("MNIST_DIR", str(d))
    return d, data


def test_default_options_flatten_and_scale_to_float32(tiny):
    _, data = tiny
    (x, t), (xt, tt) = load_mnist()
    assert x.shape == (5, 784) and xt.shape == (3, 784)
    assert x.dtype == np.float32 and xt.dtype == np.float32
    assert x.min() == 0.0 and x.max() == 1.0
    expected = data["train_x"].reshape(5, -1).astype(np.float32) / np.float32(255)
    np.testing.assert_array_equal(x, expected)
    assert t.dtype == np.uint8 and t.shape == (5,)
    np.testing.assert_array_equal(t, [3, 0, 9, 1, 3])
    np.testing.assert_array_equal(tt, [7, 2, 0])


def test_flatten_false_keeps_rows_and_columns(tiny):
    _, data = tiny
    (x, _), (xt, _) = load_mnist(normalize=False, flatten=False)
    assert x.shape == (5, 1, 28, 28) and xt.shape == (3, 1, 28, 28)
    assert x.dtype == np.uint8
    # Row r, column c of the image must be pixel (r, c) as written: catches transposes.
    np.testing.assert_array_equal(x[:, 0], data["train_x"])
    np.testing.assert_array_equal(xt[:, 0], data["test_x"])


def test_one_hot_labels(tiny):
    (_, t), (_, tt) = load_mnist(one_hot_label=True)
    assert t.shape == (5, 10) and tt.shape == (3, 10)
    np.testing.assert_array_equal(t.sum(axis=1), np.ones(5))
    np.testing.assert_array_equal(np.argmax(t, axis=1), [3, 0, 9, 1, 3])
    np.testing.assert_array_equal(np.argmax(tt, axis=1), [7, 2, 0])
    assert set(np.unique(t)) == {0.0, 1.0}


def test_results_are_fresh_writable_arrays(tiny):
    (x, t), _ = load_mnist(normalize=False)
    x[:] = 7
    t[:] = 7
    (x2, t2), _ = load_mnist(normalize=False)
    assert x2[0, 0] == 0 and t2[0] == 3  # the memoised data was not touched


@pytest.mark.parametrize("arg", ["normalize", "flatten", "one_hot_label"])
@pytest.mark.parametrize("bad", ["yes", 1, None])
def test_non_bool_options_raise_type_error_naming_the_argument(tiny, arg, bad):
    with pytest.raises(TypeError, match=rf"^{arg} must be True or False, got"):
        load_mnist(**{arg: bad})


def test_numpy_bool_is_accepted(tiny):
    (x, _), _ = load_mnist(normalize=np.bool_(False))
    assert x.dtype == np.uint8


# --- defects ---------------------------------------------------------------------------

def _replace(d, key, raw=None, *, data=None):
    path = d / NAMES[key]
    if data is not None:
        path.write_bytes(data)
    else:
        write_gz(path, raw)
    return path


def test_truncated_image_data(tiny):
    d, data = tiny
    _replace(d, "train_x", images_idx(data["train_x"])[:-100])
    with pytest.raises(MNISTError, match=r"train-images-idx3-ubyte\.gz.*truncated"):
        load_mnist()


def test_truncated_gzip_stream(tiny):
    d, data = tiny
    whole = gzip.compress(images_idx(data["test_x"]))
    _replace(d, "test_x", data=whole[: len(whole) // 2])
    with pytest.raises(MNISTError, match=r"t10k-images-idx3-ubyte\.gz.*(ends early|truncated)"):
        load_mnist()


def test_extra_bytes_after_data(tiny):
    d, data = tiny
    _replace(d, "test_t", labels_idx(data["test_t"]) + b"\x00\x01")
    with pytest.raises(MNISTError, match=r"t10k-labels-idx1-ubyte\.gz.*extra bytes"):
        load_mnist()


def test_header_shorter_than_an_idx_header(tiny):
    d, _ = tiny
    _replace(d, "train_t", b"\x00\x00\x08")
    with pytest.raises(MNISTError, match=r"train-labels-idx1-ubyte\.gz.*too short"):
        load_mnist()


def test_wrong_magic_number(tiny):
    d, data = tiny
    _replace(d, "train_x", images_idx(data["train_x"], magic=1234))
    with pytest.raises(MNISTError, match=r"train-images-idx3-ubyte\.gz: magic number 1234, "
                                         r"expected 2051"):
        load_mnist()


def test_swapped_files_are_recognised(tiny):
    d, data = tiny
    _replace(d, "test_t", images_idx(data["test_x"]))
    with pytest.raises(MNISTError, match=r"t10k-labels.*magic number 2051.*swapped"):
        load_mnist()


def test_image_and_label_counts_must_agree(tiny):
    d, data = tiny
    _replace(d, "train_t", labels_idx(data["train_t"][:4]))
    with pytest.raises(MNISTError) as err:
        load_mnist()
    msg = str(err.value)
    assert "train-images-idx3-ubyte.gz holds 5 images" in msg
    assert "train-labels-idx1-ubyte.gz holds 4 labels" in msg


def test_not_gzip(tiny):
    d, data = tiny
    _replace(d, "train_x", data=images_idx(data["train_x"]))  # raw IDX under a .gz name
    with pytest.raises(MNISTError, match=r"train-images-idx3-ubyte\.gz: not a readable gzip"):
        load_mnist()
    _replace(d, "train_x", data=b"<html>404 Not Found</html>")
    with pytest.raises(MNISTError, match=r"not a readable gzip"):
        load_mnist()


def test_empty_file(tiny):
    d, _ = tiny
    _replace(d, "test_x", data=b"")
    with pytest.raises(MNISTError, match=r"t10k-images-idx3-ubyte\.gz"):
        load_mnist()


def test_images_must_be_28_by_28(tiny):
    d, _ = tiny
    _replace(d, "test_x", images_idx(np.zeros((3, 27, 28), dtype=np.uint8)))
    with pytest.raises(MNISTError, match=r"t10k-images.*27x28, expected 28x28"):
        load_mnist()


def test_labels_must_be_digits(tiny):
    d, _ = tiny
    _replace(d, "test_t", labels_idx([7, 12, 0]))
    with pytest.raises(MNISTError, match=r"t10k-labels.*label 1 is 12.*0-9"):
        load_mnist()


def test_huge_count_in_header_is_truncation_not_a_crash(tiny):
    d, _ = tiny
    _replace(d, "train_t", struct.pack(">II", 2049, 2**31 + 5) + b"\x01\x02")
    with pytest.raises(MNISTError, match=r"train-labels.*truncated"):
        load_mnist()


def test_every_defect_message_says_what_to_do(tiny):
    d, data = tiny
    _replace(d, "train_x", images_idx(data["train_x"], magic=7))
    with pytest.raises(MNISTError, match=r"Replace it with a fresh copy"):
        load_mnist()


def test_a_changed_file_is_reread_not_served_from_memory(tiny):
    d, data = tiny
    load_mnist()
    _replace(d, "train_t", labels_idx([1, 1, 1, 1, 1]))
    (_, t), _ = load_mnist()
    np.testing.assert_array_equal(t, [1, 1, 1, 1, 1])


# --- locating the files ----------------------------------------------------------------

def test_mnist_dir_missing_a_file_says_where_to_put_it(tiny):
    d, _ = tiny
    (d / NAMES["test_t"]).unlink()
    with pytest.raises(MNISTError) as err:
        load_mnist()
    msg = str(err.value)
    assert f"MNIST_DIR is {d}" in msg
    assert "lacks t10k-labels-idx1-ubyte.gz" in msg
    assert "unset MNIST_DIR" in msg
    assert "https://ossci-datasets.s3.amazonaws.com/mnist/" in msg


def test_mnist_dir_that_is_not_a_directory(isolated, monkeypatch):
    monkeypatch.setenv("MNIST_DIR", str(isolated / "nowhere"))
    with pytest.raises(MNISTError, match=r"MNIST_DIR is set to .*nowhere.*not a directory"):
        load_mnist()


def test_mnist_source_names_a_user_directory_with_its_counts(tiny):
    d, _ = tiny
    text = mnist_source()
    assert f"user-supplied MNIST-format files in {d}" in text
    assert "5 training / 3 test images" in text
    assert "not the official" in text
    named = mnist_source(folder=False)
    assert str(d) not in named and str(d.name) not in named
    assert named == text.replace(f" in {d}", "")


def test_readers_alone(tiny):
    d, data = tiny
    np.testing.assert_array_equal(read_images(d / NAMES["test_x"]), data["test_x"])
    np.testing.assert_array_equal(read_labels(d / NAMES["test_t"]), data["test_t"])


def test_parse_time_of_a_larger_file_is_printed(isolated):
    """A 10,000-digit file: prints the parse time (figures only, never asserted)."""
    pixels = np.random.default_rng(1).integers(0, 256, size=(10000, 28, 28), dtype=np.uint8)
    path = isolated / "big.gz"
    write_gz(path, images_idx(pixels))
    start = time.perf_counter()
    out = read_images(path)
    print(f"parsed 10,000 images in {time.perf_counter() - start:.3f} s")
    np.testing.assert_array_equal(out, pixels)
