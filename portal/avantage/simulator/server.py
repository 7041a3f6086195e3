"""SimulatorServer: the asyncio TCP server, run in a thread (tests) or in the foreground (CLI)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import threading
from collections.abc import Callable

from portal.avantage.simulator.config import SimulatorConfig
from portal.avantage.simulator.dataset import Dataset
from portal.avantage.simulator.listing import Lister
from portal.avantage.simulator.session import Session
from portal.avantage.simulator.state import SimulatorState

log = logging.getLogger("portal.avantage.simulator")


class SimulatorServer:
    """A MainTCP simulator speaking AVTCP/1 on ``config.host``/``config.port``."""

    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        #: The data served; change it with ``dataset.touch/add/remove`` while running.
        self.dataset = Dataset(
            config.seed,
            employees=config.employees,
            projects=config.projects,
            activities=config.activities,
            suppliers=config.suppliers,
            purchase_orders=config.purchase_orders,
        )
        #: Batches and posted timesheet entries.
        self.state = SimulatorState(config.state_file, config.open_batch_ttl)
        self.lister = Lister(self.dataset, self.state, config.cursor_ttl)
        #: (host, port) once listening.
        self.address: tuple[str, int] | None = None
        self._server: asyncio.Server | None = None
        self._sessions: set[asyncio.Task[None]] = set()
        #: Numbers the frames of every session, for ``config.frame_budget``.
        self._frames = itertools.count(1)
        self._active = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    async def start(self) -> tuple[str, int]:
        """Start listening (in the running loop); return the bound (host, port)."""
        self._server = await asyncio.start_server(self._accept, self.config.host, self.config.port)
        host, port = self._server.sockets[0].getsockname()[:2]
        self.address = (host, port)
        return self.address

    async def close(self) -> None:
        """Stop listening and end every connection."""
        if self._server is not None:
            self._server.close()
        for task in list(self._sessions):
            task.cancel()
        await asyncio.gather(*self._sessions, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._sessions.add(task)
        peer = "{}:{}".format(*(writer.get_extra_info("peername") or ("?", "?"))[:2])
        session = Session(
            self.config, self.dataset, self.state, self.lister, reader, writer, self._frames
        )
        busy = self._active >= self.config.max_sessions
        if not busy:
            self._active += 1
        reason = "server stopping"
        try:
            reason = await (session.refuse_busy() if busy else session.serve())
        except (ConnectionError, OSError) as error:
            reason = f"connection lost ({error.__class__.__name__})"
        finally:
            if not busy:
                self._active -= 1
            self._sessions.discard(task)
            writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()
            log.info("%s: %s after %d frames", peer, reason, session.frames_received)

    def start_in_thread(self) -> tuple[str, int]:
        """Run the server in a background thread with its own loop; return (host, port)."""
        started = threading.Event()
        failures: list[BaseException] = []
        self._loop = asyncio.new_event_loop()

        def run(loop: asyncio.AbstractEventLoop) -> None:
            try:
                loop.run_until_complete(self.start())
            except BaseException as error:
                failures.append(error)
            started.set()
            try:
                if not failures:
                    loop.run_forever()
            finally:
                loop.run_until_complete(self.close())
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.close()

        self._thread = threading.Thread(
            target=run, args=(self._loop,), name="avantage-simulator", daemon=True
        )
        self._thread.start()
        started.wait()
        if failures:
            self._thread.join()
            self._thread = None
            raise failures[0]
        assert self.address is not None
        return self.address

    def stop(self) -> None:
        """Stop a server started with :meth:`start_in_thread` and wait for its thread."""
        if self._thread is None or self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._thread = None

    def serve_forever(self, on_ready: Callable[[tuple[str, int]], None] | None = None) -> None:
        """Serve in the foreground until Ctrl-C; ``on_ready`` gets the bound (host, port)."""

        async def main() -> None:
            address = await self.start()
            if on_ready is not None:
                on_ready(address)
            try:
                await asyncio.Event().wait()
            finally:
                await self.close()

        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(main())
