"""Where a grading run stands, and the progress bar the CLI draws from it."""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import Callable, TextIO

from autograder.pipeline.gradebook import StatusRow


@dataclass
class Progress:
    """Where a grading run stands, handed to the progress callback after every change."""

    total: int
    skipped: int = 0                       # already graded at their timestamp: not graded again
    finished: int = 0                      # graded (or failed) by this run
    running: list[str] = field(default_factory=list)   # students queued or running on a worker
    row: StatusRow | None = None           # the submission that finished last
    started: float = field(default_factory=time.monotonic)

    @property
    def done(self) -> int:
        return self.skipped + self.finished

    def eta(self) -> float | None:
        """Seconds until the end at the pace so far (None before the first submission finishes)."""
        if not self.finished:
            return None
        return (time.monotonic() - self.started) / self.finished * (self.total - self.done)



def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds >= 3600 \
        else f"{seconds // 60:02d}:{seconds % 60:02d}"


def progress_bar(stream: TextIO = sys.stderr, width: int = 30) -> Callable[[Progress], None]:
    """A progress callback drawing, on ``stream``::

        [#####.........] 12/40 (3 skipped) bob: graded, raw score 12/15 | grading carl, dan | ETA 01:20

    The raw score: the late penalty is nbgrader's to work out once the run is done
    (``autograder.pipeline.scores``), so the bar never calls this number the score.
    """
    live = getattr(stream, "isatty", lambda: False)()
    shown = [-1]    # without a terminal, one line per finished submission, not one per change

    def show(p: Progress) -> None:
        filled = int(width * p.done / p.total) if p.total else width
        line = f"[{'#' * filled}{'.' * (width - filled)}] {p.done}/{p.total}"
        if p.skipped:
            line += f" ({p.skipped} skipped)"
        if p.row is not None:
            line += f" {p.row.student}: {p.row.status}, raw score {p.row.score:g}/{p.row.max_score:g}"
        if p.running:
            line += f" | grading {', '.join(p.running[:3])}{' ...' if len(p.running) > 3 else ''}"
        if p.done < p.total:
            line += f" | ETA {_clock(p.eta())}"
        if live:
            stream.write("\r\033[K" + line + ("\n" if p.done == p.total else ""))
        elif p.done != shown[0]:
            stream.write(line + "\n")
        shown[0] = p.done
        stream.flush()
    return show
