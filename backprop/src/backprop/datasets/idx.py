"""Reading and checking MNIST's IDX files (gzip-compressed).

IDX layout (all integers big-endian 32-bit):

    images: magic 2051, count N, rows 28, cols 28, then N * 28 * 28 unsigned bytes
    labels: magic 2049, count N, then N unsigned bytes (digits 0-9)

Every problem raises :class:`MNISTError` naming the file, what is wrong and
what to do, because a reader who meets it usually has a half-downloaded or
hand-copied file and needs to know which one to replace.
"""

from __future__ import annotations

import gzip
import struct
import zlib
from pathlib import Path

import numpy as np

IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049
ROWS = COLS = 28
CLASSES = 10

_FIX = ("Replace it with a fresh copy of the standard MNIST file of the same name "
        "(see backprop.datasets.download_mnist or the mirrors it lists).")


class MNISTError(Exception):
    """Any problem finding, downloading or reading the MNIST files."""


def _read_gz(path: Path, limit: int | None = None) -> bytes:
    """Decompress ``path`` (all of it, or its first ``limit`` bytes)."""
    try:
        with gzip.open(path, "rb") as fh:
            return fh.read() if limit is None else fh.read(limit)
    except FileNotFoundError:
        raise MNISTError(f"{path}: file not found.") from None
    except EOFError:
        raise MNISTError(f"{path}: the gzip data ends early (the file is truncated, "
                         f"perhaps an interrupted download). {_FIX}") from None
    except (gzip.BadGzipFile, zlib.error, OSError) as exc:
        raise MNISTError(f"{path}: not a readable gzip file ({exc}). MNIST files must stay "
                         f"gzip-compressed with their .gz names; if you unpacked one, "
                         f"compress it again with `gzip <file>`. {_FIX}") from None


def _header(path: Path, data: bytes, kind: str) -> tuple[int, ...]:
    """Check the magic number and return the header's dimensions."""
    want, size = (IMAGES_MAGIC, 16) if kind == "images" else (LABELS_MAGIC, 8)
    if len(data) < size:
        raise MNISTError(f"{path}: only {len(data)} bytes after decompression, too short for "
                         f"an IDX {kind} header ({size} bytes). {_FIX}")
    magic = struct.unpack(">I", data[:4])[0]
    if magic != want:
        other = {IMAGES_MAGIC: "an images file", LABELS_MAGIC: "a labels file"}.get(magic)
        hint = (f" It looks like {other}: are the image and label files swapped or misnamed?"
                if other else "")
        raise MNISTError(f"{path}: magic number {magic}, expected {want} for an IDX {kind} "
                         f"file.{hint} {_FIX}")
    return struct.unpack(">" + "I" * (size // 4 - 1), data[4:size])


def read_header(path: str | Path) -> tuple[str, int]:
    """Return ``(kind, count)`` of an IDX gzip file, reading only its header.

    ``kind`` is "images" or "labels". Cheap: decompresses 16 bytes, so it can
    describe a directory without loading it.
    """
    path = Path(path)
    data = _read_gz(path, 16)
    magic = struct.unpack(">I", data[:4])[0] if len(data) >= 4 else None
    kind = "labels" if magic == LABELS_MAGIC else "images"
    return kind, _header(path, data, kind)[0]


def read_images(path: str | Path) -> np.ndarray:
    """Read an IDX images file. Returns uint8 of shape (N, 28, 28)."""
    path = Path(path)
    data = _read_gz(path)
    count, rows, cols = _header(path, data, "images")
    if (rows, cols) != (ROWS, COLS):
        raise MNISTError(f"{path}: images are {rows}x{cols}, expected {ROWS}x{COLS} "
                         f"(MNIST digits). {_FIX}")
    _check_length(path, data, 16, count * rows * cols, f"{count} images of {rows}x{cols}")
    return np.frombuffer(data, dtype=np.uint8, offset=16).reshape(count, rows, cols)


def read_labels(path: str | Path) -> np.ndarray:
    """Read an IDX labels file. Returns uint8 of shape (N,), values 0-9."""
    path = Path(path)
    data = _read_gz(path)
    (count,) = _header(path, data, "labels")
    _check_length(path, data, 8, count, f"{count} labels")
    labels = np.frombuffer(data, dtype=np.uint8, offset=8)
    if labels.size and labels.max() >= CLASSES:
        bad = int(np.argmax(labels >= CLASSES))
        raise MNISTError(f"{path}: label {bad} is {labels[bad]}, but MNIST labels are digits "
                         f"0-9. {_FIX}")
    return labels


def _check_length(path: Path, data: bytes, offset: int, want: int, what: str) -> None:
    got = len(data) - offset
    if got < 0 or got != want:
        problem = "is truncated" if got < want else "has extra bytes at the end"
        raise MNISTError(f"{path}: the header promises {what} ({want} bytes of data) but the "
                         f"file holds {got}: it {problem}. {_FIX}")
