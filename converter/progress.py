"""A small progress bar on stderr, drawn only on a terminal unless asked for."""

from __future__ import annotations

import sys
import time

WIDTH = 30
REDRAW_SECONDS = 0.1


class Progress:
    def __init__(self, enabled: bool | None = None, stream=None):
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.label, self.total, self.done, self.last_draw = "", 0, 0, 0.0

    def stage(self, label: str, total: int):
        """Starts a new bar for `total` units of work."""
        self.finish()
        self.label, self.total, self.done = label, max(total, 1), 0
        self.draw(force=True)

    def advance(self, amount: int = 1):
        self.done = min(self.done + amount, self.total)
        self.draw()

    def draw(self, force: bool = False):
        now = time.monotonic()
        if not self.enabled or not self.label or (not force and now - self.last_draw < REDRAW_SECONDS
                                                  and self.done < self.total):
            return
        self.last_draw = now
        filled = WIDTH * self.done // self.total
        percent = 100 * self.done // self.total
        self.stream.write(f"\r{self.label:<28} [{'#' * filled}{'.' * (WIDTH - filled)}] {percent:3d}%")
        self.stream.flush()

    def close(self):
        """Ends a bar cut short where it stands, so that a message after it starts on a line of its own."""
        if self.enabled and self.label:
            self.stream.write("\n")
            self.stream.flush()
        self.label = ""

    def finish(self):
        if self.enabled and self.label:
            self.done = self.total
            self.draw(force=True)
            self.stream.write("\n")
            self.stream.flush()
        self.label = ""
