"""Downloading the official MNIST files into the cache, verified and atomic.

Each file goes to a temporary name in the cache directory, is checked against
the official size, MD5 and SHA-256, and only then renamed into place; so an
interrupted or corrupted download never leaves a file the loader would trust.
The mirror list can be replaced (argument or BACKPROP_MNIST_MIRRORS) so tests
can serve the real files from a loopback HTTP server.
"""

from __future__ import annotations

import http.client
import os
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from .files import FILE_NAMES, OFFICIAL, official_mismatch
from .idx import MNISTError

# Public mirrors of the four original files (yann.lecun.com itself is unreliable).
DEFAULT_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
MIRRORS_ENV = "BACKPROP_MNIST_MIRRORS"
TIMEOUT = 20  # seconds per connection attempt; long enough for a slow mirror
_CHUNK = 1 << 16


def mirrors_from_env() -> tuple[str, ...]:
    """The mirror base URLs: BACKPROP_MNIST_MIRRORS (space or comma separated;
    empty means "never download") if set, else the public mirrors."""
    raw = os.environ.get(MIRRORS_ENV)
    if raw is None:
        return DEFAULT_MIRRORS
    return tuple(u for u in raw.replace(",", " ").split() if u)


class Progress:
    """A one-line progress bar on a stream (stderr by default).

    On a terminal it redraws in place; elsewhere (logs, notebook builds) it
    prints a line per 25% so logs stay short.
    """

    def __init__(self, label: str, total: int, stream=None, width: int = 30):
        self.label, self.total, self.width = label, max(total, 1), width
        self.stream = sys.stderr if stream is None else stream
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.done = 0
        self._last_draw = 0.0
        self._last_quarter = -1

    def update(self, n: int) -> None:
        self.done += n
        if self.tty:
            now = time.monotonic()
            if now - self._last_draw >= 0.1:
                self._last_draw = now
                self._draw("\r")
        else:
            quarter = min(4, self.done * 4 // self.total)
            if quarter > self._last_quarter and quarter < 4:
                self._last_quarter = quarter
                self._draw("", "\n")

    def close(self) -> None:
        self._draw("\r" if self.tty else "", "\n")

    def _draw(self, start: str, end: str = "") -> None:
        frac = min(1.0, self.done / self.total)
        bar = "#" * int(frac * self.width)
        scale, unit = (1e6, "MB") if self.total >= 1e6 else (1e3, "kB")
        self.stream.write(f"{start}{self.label} [{bar:<{self.width}}] {frac:4.0%} "
                          f"{self.done / scale:.1f}/{self.total / scale:.1f} {unit}{end}")
        self.stream.flush()


def download_file(name: str, directory: str | Path, mirrors=None, *, progress: bool = True,
                  stream=None) -> Path:
    """Fetch the official file ``name`` into ``directory``; return its path.

    Tries each mirror in turn; a failed, short or wrong-checksum download is
    discarded and the next mirror tried. Raises MNISTError listing every
    mirror's failure when none gives the official file.
    """
    if name not in OFFICIAL:
        raise ValueError(f"name must be one of {', '.join(FILE_NAMES)}, got {name!r}")
    mirrors = mirrors_from_env() if mirrors is None else tuple(mirrors)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / name
    failures = []
    for base in mirrors:
        url = base.rstrip("/") + "/" + name
        try:
            _fetch_verified(url, name, target, progress=progress, stream=stream)
            return target
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError,
                _Rejected) as exc:
            failures.append(f"  {url}: {exc}")
    tried = "\n".join(failures) if failures else "  (no mirrors configured)"
    raise MNISTError(f"could not download {name} into {directory}:\n{tried}")


class _Rejected(Exception):
    """A download arrived but is not the official file."""


def _fetch_verified(url: str, name: str, target: Path, *, progress: bool, stream) -> None:
    want = OFFICIAL[name]
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            with urllib.request.urlopen(url, timeout=TIMEOUT) as resp:
                bar = Progress(name, want.size, stream) if progress else None
                got = 0
                while True:
                    block = resp.read(_CHUNK)
                    if not block:
                        break
                    got += len(block)
                    # Stop a server that sends far more than the real file instead of
                    # filling the disk; the checksum would reject it anyway.
                    if got > want.size:
                        raise _Rejected(f"the server sent more than the official "
                                        f"{want.size} bytes; discarded")
                    out.write(block)
                    if bar:
                        bar.update(len(block))
                if bar:
                    bar.close()
                announced = resp.headers.get("Content-Length")
                if announced and announced.isdigit() and got < int(announced):
                    raise _Rejected(f"the connection closed after {got} of {announced} "
                                    f"bytes; partial file discarded")
            out.flush()
            os.fsync(out.fileno())
        why = official_mismatch(tmp, name)
        if why:
            raise _Rejected(f"downloaded file rejected and removed: {why}")
        os.replace(tmp, target)
        tmp = None
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
