"""Read a submission source (a folder or a zip) entry by entry, with bounded memory.

``open_source`` lists every entry's name and size without reading any content,
and refuses the whole source when an entry could land outside the target
(``../``, an absolute path, a link), is encrypted, uses a compression Python
cannot read (Deflate64), or the archive claims to unpack to more than
``MAX_TOTAL_BYTES``. Content is read later, one entry at a time, with
``Entry.read(cap)``: the stream stops at ``cap`` bytes whatever the archive
header says, so a zip bomb with forged sizes cannot fill the memory either.

Entries carry no time on purpose: a zip entry's or a file's modification time says
when the download or the copy was made, never when the student handed the work in
(see :mod:`autograder.pipeline.timing`).
"""
from __future__ import annotations

import lzma
import os
import re
import stat
import zipfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Callable, Iterator

from autograder.errors import SourceError, UnsafeArchiveError

#: Largest total the entries of one source may unpack to (bytes).
MAX_TOTAL_BYTES = 2 * 1024 ** 3
#: An entry over BOMB_BYTES that unpacks to more than MAX_RATIO times its packed size
#: is a zip bomb (notebooks compress 5-20 fold, even with big outputs rarely 100 fold;
#: bombs a thousand fold and more).
MAX_RATIO = 200
BOMB_BYTES = 64 * 1024 ** 2
_CHUNK = 1 << 20
_DEFLATE64 = 9
_READABLE = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}


@dataclass(frozen=True)
class Entry:
    """One file of a source: its path inside the source and declared size."""

    path: PurePosixPath
    size: int
    _open: Callable[[], object]
    _label: str

    def read(self, cap: int) -> bytes | None:
        """The entry's bytes, or None when it holds more than ``cap`` bytes (only cap + 1 are read)."""
        chunks, total = [], 0
        try:
            with self._open() as stream:
                while total <= cap:
                    chunk = stream.read(min(_CHUNK, cap + 1 - total))
                    if not chunk:
                        break
                    chunks.append(chunk)
                    total += len(chunk)
        except (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, OSError) as exc:
            raise SourceError(f"{self._label}: entry {self.path.as_posix()!r} is damaged ({exc}); "
                              f"download the submissions again") from exc
        return None if total > cap else b"".join(chunks)


@contextmanager
def open_source(source: Path) -> Iterator[list[Entry]]:
    """The entries of a folder or zip, checked as described in the module docstring."""
    source = Path(source)
    if source.is_dir():
        yield _folder_entries(source)
    elif source.is_file():
        try:
            archive = zipfile.ZipFile(source)
        except (zipfile.BadZipFile, OSError) as exc:
            raise SourceError(f"{source} is not a readable zip file ({exc}); download the submissions again") from exc
        with archive:
            yield _zip_entries(archive, source)
    else:
        raise SourceError(f"no such folder or zip file: {source}")


def _zip_entries(archive: zipfile.ZipFile, source: Path) -> list[Entry]:
    entries, total = [], 0
    for info in archive.infolist():
        name = info.filename
        if stat.S_ISLNK(info.external_attr >> 16):
            raise UnsafeArchiveError(f"{source}: entry {name!r} is a symbolic link; refusing the whole archive")
        parts = safe_parts(name, f"{source}: entry")
        if info.is_dir():
            continue
        if info.flag_bits & 0x1:
            raise SourceError(f"{source}: entry {name!r} is encrypted (password-protected); download the "
                              f"submissions again without a password, or ask the student for the plain file")
        if info.compress_type == _DEFLATE64:
            raise SourceError(f"{source}: entry {name!r} is compressed with Deflate64, which Python cannot read; "
                              f"unpack the zip with 7-Zip or Windows Explorer and collect the folder instead")
        if info.compress_type not in _READABLE:
            raise SourceError(f"{source}: entry {name!r} uses zip compression method {info.compress_type}, which "
                              f"Python cannot read; unpack the zip with 7-Zip and collect the folder instead")
        total += info.file_size
        if total > MAX_TOTAL_BYTES or (info.file_size > BOMB_BYTES
                                          and info.file_size > MAX_RATIO * info.compress_size):
            raise UnsafeArchiveError(f"{source}: entry {name!r} unpacks to {info.file_size} bytes from "
                                     f"{info.compress_size} (a zip bomb?); refusing the whole archive")
        entries.append(Entry(PurePosixPath(*parts), info.file_size,
                             lambda info=info: archive.open(info), str(source)))
    return entries


def _folder_entries(root: Path) -> list[Entry]:
    entries = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in dirnames + filenames:
            if Path(dirpath, name).is_symlink():
                raise UnsafeArchiveError(f"{Path(dirpath, name)} is a symbolic link; refusing the whole folder "
                                         f"(copy the real files in its place)")
        for name in filenames:
            full = Path(dirpath, name)
            entries.append(Entry(PurePosixPath(full.relative_to(root).as_posix()), full.stat().st_size,
                                 lambda full=full: open(full, "rb"), str(root)))
    return entries


def safe_parts(name: str, where: str) -> list[str]:
    """Path components of an archive name, or UnsafeArchiveError when it could escape the target."""
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or "\\" in name or "\0" in name:
        raise UnsafeArchiveError(f"{where} {name!r} is an absolute or Windows path; refusing the whole archive")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise UnsafeArchiveError(f"{where} {name!r} climbs out of the archive with '..'; refusing the whole archive")
    return parts
