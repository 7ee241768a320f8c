"""Events that any number of pages follow, sent as Server-Sent Events."""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Event:
    number: int
    kind: str
    data: Any

    def sse(self) -> bytes:
        number = f"id: {self.number}\n" if self.number >= 0 else ""  # negative: not part of the log
        return f"{number}event: {self.kind}\ndata: {json.dumps(self.data)}\n\n".encode()


class EventLog:
    """An append-only log with numbered events; readers follow it from any point.

    Only the last `keep` events are held: a reader that falls further behind
    skips ahead. Closing the log ends every reader once it has read the rest.
    """

    def __init__(self, keep: int = 1000) -> None:
        self._events: deque[Event] = deque(maxlen=keep)
        self._next_number = 0
        self._closed = False
        self._changed = asyncio.Condition()

    @property
    def next_number(self) -> int:
        return self._next_number

    def events(self) -> list[Event]:
        return list(self._events)

    async def publish(self, kind: str, data: Any = None) -> Event:
        async with self._changed:
            event = Event(self._next_number, kind, data)
            self._next_number += 1
            self._events.append(event)
            self._changed.notify_all()
        return event

    async def close(self) -> None:
        async with self._changed:
            self._closed = True
            self._changed.notify_all()

    async def follow(self, start: int = 0) -> AsyncIterator[Event]:
        """Events numbered `start` and later, as they come, until the log is closed."""
        position = start
        while True:
            async with self._changed:
                await self._changed.wait_for(lambda: self._next_number > position or self._closed)
                pending = [e for e in self._events if e.number >= position]
                done = self._closed
            for event in pending:
                yield event
                position = event.number + 1
            if done and position >= self._next_number:
                return


async def sse_stream(
    events: AsyncIterator[Event], first: Event | None = None, heartbeat_s: float = 15.0
) -> AsyncIterator[bytes]:
    """The SSE body: `first`, then each event; a comment line when idle keeps proxies and the page's check alive."""
    yield b"retry: 1000\n\n"
    if first is not None:
        yield first.sse()
    iterator = events.__aiter__()
    while True:
        next_event = asyncio.ensure_future(iterator.__anext__())
        try:
            while True:
                done, _ = await asyncio.wait({next_event}, timeout=heartbeat_s)
                if done:
                    break
                yield b": still here\n\n"
            try:
                event = next_event.result()
            except StopAsyncIteration:
                return
        finally:
            if not next_event.done():
                next_event.cancel()
        yield event.sse()
