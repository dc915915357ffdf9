"""A local HTTP server that records requests: stands in for webhooks and vendor APIs."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web

from tests.support.processes import free_port


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Answers every request with `respond(request_number)` -> (status, headers, body)."""

    respond: Callable[[int], tuple[int, dict[str, str], bytes]] = lambda n: (204, {}, b"")
    requests: list[Received] = field(default_factory=list)
    port: int = field(default_factory=free_port)
    _runner: web.AppRunner | None = None
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _handle(self, request: web.Request) -> web.Response:
        self.requests.append(Received(request.method, request.path, dict(request.headers),
                                      await request.read()))
        self._changed.set()
        status, headers, body = self.respond(len(self.requests))
        return web.Response(status=status, headers=headers, body=body)

    async def __aenter__(self) -> Receiver:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner:
            await self._runner.cleanup()

    async def wait_for(self, count: int, timeout: float = 60.0,
                       path_prefix: str = "") -> list[Received]:
        """Wait until at least `count` requests under `path_prefix` arrived."""
        async def enough() -> list[Received]:
            while True:
                found = [r for r in self.requests if r.path.startswith(path_prefix)]
                if len(found) >= count:
                    return found
                self._changed.clear()
                await self._changed.wait()

        return await asyncio.wait_for(enough(), timeout)
