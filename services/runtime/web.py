"""The small HTTP surface every service has: /healthz and Prometheus /metrics."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from fastapi import APIRouter, FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest


def ops_router(service: str, healthy: Callable[[], bool] = lambda: True) -> APIRouter:
    """Routes for liveness and metrics, mounted by every service's web app."""
    router = APIRouter(tags=["ops"])

    @router.get("/healthz")
    async def healthz(response: Response) -> dict[str, str]:
        ok = healthy()
        response.status_code = 200 if ok else 503
        return {"service": service, "status": "ok" if ok else "starting"}

    @router.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


def ops_app(service: str, healthy: Callable[[], bool] = lambda: True,
            routers: Sequence[APIRouter] = ()) -> FastAPI:
    """A web app with the ops routes (and a service's own `routers`), for the Faust workers."""
    app = FastAPI(title=f"tanggap {service}", docs_url=None, redoc_url=None)
    app.include_router(ops_router(service, healthy))
    for router in routers:
        app.include_router(router)
    return app
