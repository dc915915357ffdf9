"""Local stand-ins for TikTok's API for Business, the X filtered stream, a remote GeoReport v2
server and a news site, speaking each one's documented format; and a sink that records."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from services.intake.channels.inbound import Inbound
from tests.support.processes import free_port

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class FakeServer:
    def __init__(self, routes: dict[str, Handler]) -> None:
        self.port = free_port()
        self.routes = routes
        self.requests: list[tuple[str, dict[str, str], dict[str, str]]] = []
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> FakeServer:
        app = web.Application()
        for path, handler in self.routes.items():
            app.router.add_get(path, self._recorded(handler))
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    def _recorded(self, handler: Handler) -> Handler:
        async def answer(request: web.Request) -> web.StreamResponse:
            self.requests.append((request.path, dict(request.query), dict(request.headers)))
            return await handler(request)
        return answer

    async def __aexit__(self, *exc: object) -> None:
        if self._runner:
            await self._runner.cleanup()


class RecordingSink:
    """Keeps every hand-over, in order; `fail` makes the next hand-overs raise."""

    def __init__(self) -> None:
        self.handed: list[Inbound] = []
        self.fail = 0
        self.changed = asyncio.Event()

    async def submit(self, source: str, inbound: Inbound) -> None:
        if self.fail:
            self.fail -= 1
            raise OSError("sink unavailable")
        self.handed.append(inbound)
        self.changed.set()

    @property
    def keys(self) -> list[str]:
        return [s.channel_message_id for i in self.handed for s in i.submissions]

    @property
    def amendments(self) -> list[Any]:
        return [a for i in self.handed for a in i.amendments]
