"""``load_mnist``: the book's MNIST loader, with honest bookkeeping of its source.

Where the files come from, in order:

1. ``$MNIST_DIR`` if set: the user's own four IDX gzip files, format-checked only
   (the course's offline split lives in such a directory; its sums are not official).
2. the cache ``$BACKPROP_CACHE/mnist`` (default ``~/.cache/backprop/mnist``): only the
   official files, checked against the published checksums; missing ones are
   downloaded there where there is a network.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

from .. import messages
from .download import DEFAULT_MIRRORS, download_file, mirrors_from_env
from .files import (FILE_NAMES, OFFICIAL_IMAGES, TEST_IMAGES, TEST_LABELS, TRAIN_IMAGES,
                    TRAIN_LABELS, fingerprint, identify, official_mismatch)
from .idx import CLASSES, MNISTError, read_header, read_images, read_labels

_FILE_LIST = ", ".join(FILE_NAMES)

# One parsed dataset per process (the book loads MNIST in several chapters), keyed by
# the files' checksums: hashing all of MNIST takes ~0.07 s, parsing it ~0.3 s, and
# unlike size and mtime a checksum cannot miss a file rewritten within one clock tick.
_parsed: dict = {}


def cache_dir() -> Path:
    """Where downloaded official files live: $BACKPROP_CACHE/mnist or ~/.cache/backprop/mnist."""
    root = os.environ.get("BACKPROP_CACHE")
    base = Path(root).expanduser() if root else Path.home() / ".cache" / "backprop"
    return base / "mnist"


def _user_dir() -> Path | None:
    raw = os.environ.get("MNIST_DIR")
    if not raw:
        return None
    path = Path(raw).expanduser()
    if not path.is_dir():
        raise MNISTError(f"MNIST_DIR is set to {raw!r}, which is not a directory. Point it at "
                         f"the directory holding {_FILE_LIST}, or unset it to use the cache "
                         f"{cache_dir()}.")
    return path


def _where_to_get() -> str:
    return ("The official files (same names) can be downloaded from "
            + " or ".join(DEFAULT_MIRRORS) + ".")


def _missing_in_user_dir(directory: Path, missing: list[str]) -> MNISTError:
    return MNISTError(
        f"MNIST_DIR is {directory}, but it lacks {', '.join(missing)}.\n"
        f"Put the four MNIST files there ({_FILE_LIST}), gzip-compressed with exactly these "
        f"names, or unset MNIST_DIR to use the cache {cache_dir()}, which is filled "
        f"automatically where there is a network. {_where_to_get()}")


def _offline(directory: Path, missing: list[str], detail: str) -> MNISTError:
    return MNISTError(
        f"MNIST files missing: {', '.join(missing)} are not in {directory}, and {detail}\n"
        f"To fix it, either\n"
        f"  - put the four official files ({_FILE_LIST}) in {directory} "
        f"(they are checked against the official checksums), or\n"
        f"  - put your own MNIST-format files (same four names) in any directory and set "
        f"MNIST_DIR to it, e.g. `export MNIST_DIR=/path/to/mnist` "
        f"(format-checked only; the course's offline split is such a directory).\n"
        f"{_where_to_get()}")


def _fingerprints(directory: Path) -> dict:
    return {n: fingerprint(directory / n) for n in FILE_NAMES}


def _ensure_cache(directory: Path) -> dict:
    """Download what is missing, then check every cached file against the official sums."""
    missing = [n for n in FILE_NAMES if not (directory / n).is_file()]
    if missing:
        mirrors = mirrors_from_env()
        if not mirrors:
            raise _offline(directory, missing, "downloading is switched off "
                           "(BACKPROP_MNIST_MIRRORS is empty).")
        print(f"Downloading MNIST into {directory}", file=sys.stderr)
        for name in missing:
            try:
                download_file(name, directory, mirrors)
            except MNISTError as exc:
                raise _offline(directory, missing, f"downloading failed: {exc}") from None
    prints = _fingerprints(directory)
    for name in FILE_NAMES:
        path = directory / name
        why = official_mismatch(path, name, prints[name])
        if why:
            raise MNISTError(
                f"{path} is in the cache but is not the official {name}: {why}.\n"
                f"Delete it and run again to download the official file, or, if these are "
                f"your own MNIST-format files, move them to a directory of your choice and "
                f"set MNIST_DIR to it.")
    return prints


def _locate() -> tuple[Path, dict]:
    """Return (directory holding all four files, their fingerprints)."""
    user = _user_dir()
    if user is not None:
        missing = [n for n in FILE_NAMES if not (user / n).is_file()]
        if missing:
            raise _missing_in_user_dir(user, missing)
        return user, _fingerprints(user)
    directory = cache_dir()
    return directory, _ensure_cache(directory)


def _read_all(directory: Path, prints: dict) -> tuple[np.ndarray, ...]:
    """Parse the four files (memoised); uint8 (N, 28, 28) images and (N,) labels."""
    key = tuple(prints[n] for n in FILE_NAMES)
    if key not in _parsed:
        arrays = []
        for images_name, labels_name in ((TRAIN_IMAGES, TRAIN_LABELS), (TEST_IMAGES, TEST_LABELS)):
            images = read_images(directory / images_name)
            labels = read_labels(directory / labels_name)
            if len(images) != len(labels):
                raise MNISTError(
                    f"{directory}: {images_name} holds {len(images)} images but {labels_name} "
                    f"holds {len(labels)} labels; they must match one to one. The two files "
                    f"probably come from different sets: replace both with a matching pair.")
            arrays += [images, labels]
        _parsed.clear()  # keep one dataset in memory, not one per directory ever loaded
        _parsed[key] = tuple(arrays)
    return _parsed[key]


def _require_bool(name: str, value) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r}")
    return bool(value)


def _images(images: np.ndarray, normalize: bool, flatten: bool) -> np.ndarray:
    n = len(images)
    shaped = images.reshape(n, 28 * 28) if flatten else images.reshape(n, 1, 28, 28)
    if normalize:
        out = shaped.astype(np.float32)
        out /= np.float32(255.0)
        return out
    return shaped.copy()  # the memoised arrays are read-only and shared


def _labels(labels: np.ndarray, one_hot: bool) -> np.ndarray:
    if not one_hot:
        return labels.copy()
    out = np.zeros((len(labels), CLASSES))  # float64, as in the book
    out[np.arange(len(labels)), labels] = 1.0
    return out


def load_mnist(normalize=True, flatten=True, one_hot_label=False):
    """Load MNIST as the book does.

    Args:
        normalize: True -> images float32 in [0, 1]; False -> uint8 in 0-255.
        flatten: True -> images (N, 784); False -> (N, 1, 28, 28).
        one_hot_label: True -> labels float64 (N, 10) one-hot; False -> uint8 (N,) digits.

    Returns:
        ((x_train, t_train), (x_test, t_test)); fresh arrays the caller may modify.
        N is 60,000 / 10,000 for official MNIST; see mnist_source() for what was loaded.

    Raises:
        TypeError: an option is not a bool.
        MNISTError: files missing (the message says where to put them), unreadable,
            malformed, or (in the cache) not the official files.
    """
    normalize = _require_bool("normalize", normalize)
    flatten = _require_bool("flatten", flatten)
    one_hot_label = _require_bool("one_hot_label", one_hot_label)
    directory, prints = _locate()
    train_x, train_t, test_x, test_t = _read_all(directory, prints)
    return ((_images(train_x, normalize, flatten), _labels(train_t, one_hot_label)),
            (_images(test_x, normalize, flatten), _labels(test_t, one_hot_label)))


def mnist_source(*, folder: bool = True) -> str:
    """Say which MNIST data load_mnist() loads (or would load) now, for captions.

    folder=False leaves out where the files are (a path of the machine that
    runs it), for text that others read: the book names the data set only.
    Reads only file headers and checksums, never the whole dataset. The phrase is
    a template of ``backprop.messages`` (``mnist.*``), in the language of the book
    or notebook that shows it; its counts are filled in here.
    """
    user = _user_dir()
    directory = user if user is not None else cache_dir()
    where = {"folder": directory} if folder else {}
    missing = [n for n in FILE_NAMES if not (directory / n).is_file()]
    if missing:
        if user is not None:
            return _phrase("missing", where, files=", ".join(missing))
        return _phrase("not_downloaded", where, **_counts(OFFICIAL_IMAGES))
    kind = identify(_fingerprints(directory))
    counts = _counts({n: read_header(directory / n)[1] for n in (TRAIN_IMAGES, TEST_IMAGES)})
    if kind == "official":
        return _phrase("official", where, **counts)
    if user is None:
        return _phrase("unofficial_cache", where, **counts)
    if kind == "offline-split":
        official = _counts(OFFICIAL_IMAGES)
        return _phrase("offline_split", where, **counts,
                       official_train=official["train"], official_test=official["test"])
    return _phrase("user_files", where, **counts)


def _counts(images: dict[str, int]) -> dict[str, str]:
    """The training and test image counts as the phrases write them (8,000)."""
    return {"train": f"{images[TRAIN_IMAGES]:,}", "test": f"{images[TEST_IMAGES]:,}"}


def _phrase(kind: str, where: dict, **fields) -> str:
    """The message ``mnist.<kind>``, or ``mnist.<kind>.in`` when ``where`` names the folder."""
    return messages.text(f"mnist.{kind}" + (".in" if where else ""), **where, **fields)
