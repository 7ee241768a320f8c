"""Live reload: watch the page folders (the demos, the user's site) and a checkout's js/src/ and shaders/; rebuild
the bundle when the runtime changes; tell the pages.

Changes come in debounced batches from watchfiles. A batch that touches
js/src/ or shaders/ first rebuilds the bundle (one build at a time: changes
made during a build arrive as the next batch). Then every open page hears
`reload`, or `build-error` with the build's output, which it shows instead.
A checkout with sources but no bundle gets one built when watching starts.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from watchfiles import DefaultFilter, awatch

from tensorweb.server.events import EventLog

DEFAULT_BUILD = ("npm", "run", "-s", "build")
BUILD_OUTPUT_CHARS = 8000
# Editors and tools write through hidden temporary files and rename them into
# place: the rename is the change that matters.
WATCH_FILTER = DefaultFilter(ignore_entity_patterns=DefaultFilter.ignore_entity_patterns + (r"^\.", r"\.tmp$"))


class LiveReload:
    """`checkout` is None for an installed wheel: its bundle is built, so only `page_dirs` are watched
    (default: the checkout's demos/)."""

    def __init__(
        self,
        checkout: Path | None,
        events: EventLog,
        *,
        page_dirs: list[Path] | None = None,
        build_command: tuple[str, ...] = DEFAULT_BUILD,
        debounce_ms: int = 300,
        build_timeout_s: float = 300,
    ) -> None:
        self.root = checkout
        self.events = events
        self.build_command = build_command
        self.debounce_ms = debounce_ms
        self.build_timeout_s = build_timeout_s
        self.page_dirs = page_dirs if page_dirs is not None else [checkout / "demos"]
        self.runtime_dirs = [checkout / "js" / "src", checkout / "shaders"] if checkout else []
        self.bundle = checkout / "js" / "dist" / "tensorweb.js" if checkout else None
        self.ready = asyncio.Event()  # set once the watches are in place
        self._stop = asyncio.Event()

    def stop(self) -> None:
        """End `run` soon; a build under way is left to finish unless `run` is cancelled."""
        self._stop.set()

    async def run(self) -> None:
        watched = [d for d in self.page_dirs + self.runtime_dirs if d.is_dir()]
        if not watched:
            self.ready.set()
            return
        changes = awatch(
            *watched, debounce=self.debounce_ms, step=50, stop_event=self._stop, watch_filter=WATCH_FILTER
        )
        first = asyncio.ensure_future(anext(changes, None))
        try:
            # The task above runs before this coroutine resumes, up to its first
            # await; by then watchfiles has set its watches, so no change is missed.
            await asyncio.sleep(0)
            self.ready.set()
            if self.bundle is not None and not self.bundle.exists() and self.runtime_dirs[0].is_dir():
                await self._handle([self.bundle])
            batch = await first
            while batch is not None:
                await self._handle([Path(path) for _, path in batch])
                batch = await anext(changes, None)
        except OSError as exc:  # e.g. the system's limit on watches: serve on, without live reload
            print(f"tensorweb serve: live reload stopped: {exc}", file=sys.stderr)
        finally:
            first.cancel()

    async def _handle(self, paths: list[Path]) -> None:
        changed = sorted({self._relative(p) for p in paths})
        if any(p == self.bundle or self._is_under(p, self.runtime_dirs) for p in paths):
            await self.events.publish("building", {"changed": changed})
            ok, output = await self.build()
            if not ok:
                await self.events.publish("build-error", {"changed": changed, "output": output})
                return
        await self.events.publish("reload", {"changed": changed})

    async def build(self) -> tuple[bool, str]:
        """Run the bundle build; (succeeded, the tail of its output)."""
        try:
            process = await asyncio.create_subprocess_exec(
                *self.build_command,
                cwd=self.root,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
        except OSError as exc:
            return False, f"cannot run {' '.join(self.build_command)}: {exc}"
        try:
            async with asyncio.timeout(self.build_timeout_s):
                output, _ = await process.communicate()
        except TimeoutError:
            return False, f"the build took longer than {self.build_timeout_s:g} s"
        finally:
            if process.returncode is None:  # timed out, or the server is stopping
                process.kill()
                await process.wait()
        text = output.decode("utf-8", errors="replace").strip()[-BUILD_OUTPUT_CHARS:]
        if process.returncode != 0:
            return False, text or f"the build exited with status {process.returncode}"
        return True, text

    def _relative(self, path: Path) -> str:
        """The path from the checkout, or from above the page folder that holds it ("site/index.html")."""
        for base in ([self.root] if self.root else []) + [folder.parent for folder in self.page_dirs]:
            if base in path.parents:
                return path.relative_to(base).as_posix()
        return str(path)

    @staticmethod
    def _is_under(path: Path, folders: list[Path]) -> bool:
        return any(path == folder or folder in path.parents for folder in folders)
