"""The event log behind every Server-Sent Events stream."""

import asyncio

from tensorweb.server.events import Event, EventLog, sse_stream


def test_readers_follow_from_their_own_position_until_the_log_closes():
    async def scenario():
        log = EventLog()
        await log.publish("a", 1)
        early = log.follow(0)
        late = log.follow(log.next_number)
        await log.publish("b", 2)
        await log.close()
        return [e.kind async for e in early], [e.kind async for e in late]

    assert asyncio.run(scenario()) == (["a", "b"], ["b"])


def test_a_reader_waits_for_the_next_event():
    async def scenario():
        log = EventLog()
        reader = log.follow(0)
        waiting = asyncio.ensure_future(anext(reader))
        await asyncio.sleep(0)
        assert not waiting.done()
        await log.publish("reload", {"changed": ["demos/a/index.html"]})
        return await asyncio.wait_for(waiting, 5)

    assert asyncio.run(scenario()) == Event(0, "reload", {"changed": ["demos/a/index.html"]})


def test_a_reader_that_falls_behind_skips_to_what_is_kept():
    async def scenario():
        log = EventLog(keep=2)
        for n in range(5):
            await log.publish("log", n)
        await log.close()
        return [e.data async for e in log.follow(0)]

    assert asyncio.run(scenario()) == [3, 4]


def test_sse_framing_and_heartbeat():
    async def scenario():
        log = EventLog()
        body = sse_stream(log.follow(0), first=Event(-1, "hello", {"ok": True}), heartbeat_s=0.01)
        head = [await anext(body), await anext(body), await anext(body)]
        await log.publish("reload", None)
        await log.close()
        rest = [chunk async for chunk in body]
        return head, rest

    head, rest = asyncio.run(scenario())
    assert head == [b"retry: 1000\n\n", b'event: hello\ndata: {"ok": true}\n\n', b": still here\n\n"]
    assert rest[-1] == b"id: 0\nevent: reload\ndata: null\n\n"
    assert set(rest[:-1]) <= {b": still here\n\n"}
