"""The four MNIST files: names, official checksums, and telling known sets apart.

The official sizes and sums are the published ones (the course's data README
lists them; the SHA-256 of the training images, absent there, is the widely
published 440fcabf...). The loader checks files it downloads against them; files
a user supplies through MNIST_DIR are only format-checked, and these sums are used
merely to *name* what was loaded (official MNIST, the course's offline split, or
something else) so the book can say which data its figures came from.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class OfficialFile:
    name: str
    size: int
    md5: str
    sha256: str


TRAIN_IMAGES = "train-images-idx3-ubyte.gz"
TRAIN_LABELS = "train-labels-idx1-ubyte.gz"
TEST_IMAGES = "t10k-images-idx3-ubyte.gz"
TEST_LABELS = "t10k-labels-idx1-ubyte.gz"
FILE_NAMES = (TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS)

OFFICIAL = {
    f.name: f
    for f in (
        OfficialFile(TRAIN_IMAGES, 9912422, "f68b3c2dcbeaaa9fbdd348bbdeb94873",
                     "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
        OfficialFile(TRAIN_LABELS, 28881, "d53e105ee54ea40749a09fcbcd1e9432",
                     "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
        OfficialFile(TEST_IMAGES, 1648877, "9fb629c4189551a2d022fa330f9573f3",
                     "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
        OfficialFile(TEST_LABELS, 4542, "ec29112dd5afa0611ce80d1b7f02629c",
                     "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
    )
}

# How many images the official training and test files hold (the published counts).
OFFICIAL_IMAGES = {TRAIN_IMAGES: 60_000, TEST_IMAGES: 10_000}

# SHA-256 of the course's offline split (shared/data/mnist-t10k-split): official test
# digits 0-7999 as "train" and 8000-9999 as "test". Recognising it lets captions say
# so instead of the vaguer "user-supplied files".
OFFLINE_SPLIT = {
    TRAIN_IMAGES: "deb6c3a1888b2423a5d01b1661ba096f9520cc7c183e16cf8a18e3a79b98372d",
    TRAIN_LABELS: "b8dc58f5efb725f845f118f06973c2b92d25bf89e5f4c6d9364fb31839f7c9af",
    TEST_IMAGES: "b77fb3479627ef7833025f4f99520c04d6961b9bce5cea4a44c535d6a0c597e8",
    TEST_LABELS: "2cca0dd44fa0495df4f2a36b11b8dc5c8908e902ff7813eaf91c0c786a488b1c",
}


def digests(path: str | Path) -> tuple[str, str]:
    """Return ``(md5, sha256)`` hex digests of a file, read in one pass."""
    md5, sha = hashlib.md5(), hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            md5.update(block)
            sha.update(block)
    return md5.hexdigest(), sha.hexdigest()


def fingerprint(path: str | Path) -> tuple[int, str, str]:
    """Return ``(size, md5, sha256)`` of a file."""
    return (Path(path).stat().st_size,) + digests(path)


def official_mismatch(path: str | Path, name: str, print_: tuple | None = None) -> str | None:
    """Why ``path`` is not the official ``name`` file, or None when it is.

    ``print_`` is the file's fingerprint if already computed.
    """
    want = OFFICIAL[name]
    size = Path(path).stat().st_size if print_ is None else print_[0]
    if size != want.size:
        return f"it has {size} bytes, the official file has {want.size}"
    _, md5, sha = fingerprint(path) if print_ is None else print_
    if md5 != want.md5 or sha != want.sha256:
        return (f"its checksums (md5 {md5}, sha256 {sha}) differ from the official ones "
                f"(md5 {want.md5}, sha256 {want.sha256})")
    return None


def identify(prints: dict) -> str:
    """Return "official", "offline-split" or "other" for fingerprints of the four files
    (a dict name -> (size, md5, sha256))."""
    if all(prints[n] == (OFFICIAL[n].size, OFFICIAL[n].md5, OFFICIAL[n].sha256)
           for n in FILE_NAMES):
        return "official"
    if all(prints[n][2] == OFFLINE_SPLIT[n] for n in FILE_NAMES):
        return "offline-split"
    return "other"
