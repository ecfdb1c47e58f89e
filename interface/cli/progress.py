"""Progress of long work (rebuild, rekey): a bar with rate and time left on a terminal, else a line every few seconds."""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

LINE_EVERY = 5.0
"""Seconds between progress lines when the output is not a terminal (a log, a CI job)."""


class Progress:
    """Told the running total with :meth:`update`; shows it as ``tqdm`` on a terminal, as lines elsewhere."""

    def __init__(self, what: str, total: int | None, unit: str = "events", stream: TextIO | None = None,
                 clock: Any = time.monotonic) -> None:  # fmt: skip
        self.what, self.total, self.unit = what, total or None, unit
        self.stream = stream or sys.stderr
        self.clock = clock
        self.started = self.last_line = clock()
        self.done = 0
        self._bar = None
        if self.stream.isatty():
            from tqdm import tqdm

            self._bar = tqdm(total=self.total, desc=what, unit=f" {unit}", unit_scale=True, file=self.stream)

    def update(self, done: int) -> None:
        step, self.done = done - self.done, done
        if self._bar is not None:
            self._bar.update(step)
            return
        now = self.clock()
        if now - self.last_line >= LINE_EVERY:
            self.last_line = now
            print(self.line(now), file=self.stream, flush=True)

    def line(self, now: float) -> str:
        elapsed = max(now - self.started, 1e-9)
        rate = self.done / elapsed
        text = f"{self.what}: {self.done:,} {self.unit}"
        if self.total:
            text += f" of {self.total:,} ({min(100, 100 * self.done // self.total)}%)"
        text += f", {rate:,.0f} {self.unit}/s"
        if self.total and rate > 0 and self.done < self.total:
            text += f", about {(self.total - self.done) / rate:,.0f} s left"
        return text

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
