"""A far link on 127.0.0.1: a TCP proxy that adds one-way delay each way and can cap the uplink.

The proxy reads eagerly and holds what it read in memory, like a router with a deep buffer, so
a sender that outpaces the cap builds a queue here (and sees its round trip grow), not in its
own socket buffers. Used by the bench's far-link scenario and by the far-link tests.
"""

import asyncio
import logging
import threading
import time

log = logging.getLogger(__name__)

CHUNK = 16384  # bytes read at a time; a capped link releases each chunk when fully "sent"
_EOF = b""


class _Direction:
    """One way of one connection: bytes leave `delay_s` after the bottleneck has sent them."""

    def __init__(self, delay_s, bits_per_s):
        self.delay_s = delay_s
        self.bits_per_s = bits_per_s
        self.busy_until = 0.0  # when the bottleneck finishes what it already holds

    def due(self, now, size):
        """Return when `size` bytes read at `now` reach the far end."""
        if self.bits_per_s:
            self.busy_until = max(now, self.busy_until) + size * 8 / self.bits_per_s
            now = self.busy_until
        return now + self.delay_s


class DelayLink:
    """Forward 127.0.0.1:`port` to `target_port`, `one_way_s` late each way, uplink capped.

    `up_bits_per_s` caps client -> target (a phone's or a camera's uplink); None is unlimited.
    Use as a context manager, or start() and close().
    """

    def __init__(self, target_port, one_way_s=0.1, up_bits_per_s=None, target_host="127.0.0.1"):
        self.target = (target_host, target_port)
        self.one_way_s = one_way_s
        self.up_bits_per_s = up_bits_per_s
        self.port = None
        self._loop = asyncio.new_event_loop()
        self._server = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True, name="delay-link")

    def __repr__(self):
        cap = f", up {self.up_bits_per_s / 1e6:g} Mbit/s" if self.up_bits_per_s else ""
        return f"DelayLink(:{self.port} -> :{self.target[1]}, rtt {self.rtt_s * 1000:.0f} ms{cap})"

    @property
    def rtt_s(self):
        """The link's own round trip, without any queue."""
        return 2 * self.one_way_s

    @property
    def url(self):
        """http://127.0.0.1:PORT of the near end."""
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        """Listen on a free port and return self."""
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._accept, "127.0.0.1", 0), self._loop).result(10)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def close(self):
        """Stop listening, drop every connection and end the loop's thread."""
        async def shut():
            self._server.close()
            tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        if self._server is not None:
            asyncio.run_coroutine_threadsafe(shut(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def __enter__(self):
        return self.start()

    def __exit__(self, *_exc):
        self.close()

    async def _accept(self, client_reader, client_writer):
        try:
            server_reader, server_writer = await asyncio.open_connection(*self.target)
        except OSError as exc:
            log.warning("delay link: target %s unreachable: %s", self.target, exc)
            client_writer.close()
            return
        up = _Direction(self.one_way_s, self.up_bits_per_s)
        down = _Direction(self.one_way_s, None)
        try:
            await asyncio.gather(self._pump(client_reader, server_writer, up),
                                 self._pump(server_reader, client_writer, down),
                                 return_exceptions=True)
        except asyncio.CancelledError:
            pass  # close(): asyncio's stream callback would log a cancelled handler as an error
        for writer in (client_writer, server_writer):
            writer.close()

    async def _pump(self, reader, writer, direction):
        # Reading and writing are separate tasks so reads never wait on the delay: the queue
        # of (due time, bytes) is the link's buffer.
        held = asyncio.Queue()
        sender = asyncio.ensure_future(self._deliver(held, writer))
        try:
            while True:
                data = await reader.read(CHUNK)
                held.put_nowait((direction.due(time.monotonic(), len(data)), data))
                if not data:
                    break
        except (ConnectionError, OSError):
            held.put_nowait((time.monotonic(), _EOF))
        await sender

    async def _deliver(self, held, writer):
        while True:
            due, data = await held.get()
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                if data is _EOF or not data:
                    if writer.can_write_eof():
                        writer.write_eof()
                    return
                writer.write(data)
                await writer.drain()
            except (ConnectionError, OSError):
                return
