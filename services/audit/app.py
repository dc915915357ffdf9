"""Audit's process: index_lifecycle keeps the index, the ops web app serves timelines and lag.

It is a plain aiokafka consumer under a FastAPI app (like intake's projection), not a Faust
worker: it produces nothing, and it writes each fetched batch in one transaction.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from services.audit.consumer import SERVICE, LifecycleIndexer
from services.audit.index import TOPIC_NAMES
from services.audit.logreader import LogReader
from services.audit.routes import router
from services.audit.settings import AuditSettings
from services.audit.store import SCHEMA, IndexStore
from services.runtime import outage
from services.runtime.database import connect, migrate
from services.runtime.lag import LagExporter
from services.runtime.web import ops_router

MIGRATIONS = Path(__file__).parent / "migrations"


async def open_store(settings: AuditSettings) -> IndexStore:
    """The index's pool, migrated; the caller closes `store.pool`."""
    pool = await connect(settings.database_url, SCHEMA, max_size=settings.audit_pool_size)
    await migrate(pool, SCHEMA, MIGRATIONS)
    return IndexStore(pool, settings.topic_prefix)


def create_app(settings: AuditSettings | None = None) -> FastAPI:
    """Build the audit app; settings are read from the environment if not given."""
    conf = settings or AuditSettings()
    outage.configure(conf.database_outage_seconds)
    ready = {"up": False}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            store = await open_store(conf)
            stack.push_async_callback(store.pool.close)
            reader = await stack.enter_async_context(LogReader(conf))
            indexer = LifecycleIndexer(conf, store, conf.audit_batch)
            await indexer.start()
            stack.push_async_callback(indexer.stop)
            lag = LagExporter(conf, SERVICE, TOPIC_NAMES,
                              conf.audit_lag_interval_seconds)
            await lag.start()
            stack.push_async_callback(lag.stop)
            app.state.settings, app.state.store, app.state.reader = conf, store, reader
            app.state.indexer, app.state.lag = indexer, lag
            ready["up"] = True
            yield
            ready["up"] = False

    app = FastAPI(title="tanggap audit", version="0.1.0", lifespan=lifespan, docs_url=None,
                  redoc_url=None)
    app.state.settings = conf
    app.include_router(router)
    app.include_router(ops_router(SERVICE, lambda: ready["up"]))
    return app
