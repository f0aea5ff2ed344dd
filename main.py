"""The app entry point: `uvicorn main:app` serves GraphQL, the legacy REST API and probes."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.concurrency import run_in_threadpool

from alerts import AlertEngine
from broker import Broker
from broker.hub import Hub
from core.runtime import Runtime
from core.tail_reader import TailReader, new_log_hub
from db.alert_history import AlertRecord
from db.engine import Database
from db.migrate import upgrade_database
from graph.router import graphql_router
from ops.probes import router as probes_router
from rest import api_router, welcome_router
from rest.errors import install_error_handlers
from settings import Settings, get_settings

MAX_BODY_BYTES = 64 * 1024 * 1024
DESCRIPTION = (
    "Log aggregation: GraphQL at `/graphql` (GraphiQL in a browser), the legacy REST API "
    "under `/api/v1`, and probes at `/healthz` and `/readyz`."
)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the database is migrated and opened when the app starts."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = Database(settings.database_url)
        await run_in_threadpool(upgrade_database, db.engine)
        broker = Broker(settings.redis_url)
        alert_hub: Hub[AlertRecord] = Hub(name="alerts", drop_oldest=True)
        alert_engine = AlertEngine(
            db=db, settings=settings, link=broker.link, bus=broker.bus, hub=alert_hub
        )
        await alert_engine.start()
        log_hub = new_log_hub(queue_batches=settings.tail_queue_batches)
        tail_reader = TailReader(db=db, hub=log_hub, bus=broker.bus)
        await tail_reader.start()
        broker.start()
        app.state.runtime = Runtime(
            db=db,
            alert_hub=alert_hub,
            log_hub=log_hub,
            tail_reader=tail_reader,
            write_listeners=[alert_engine.logs_written, tail_reader.logs_written],
            rules_listeners=[alert_engine.rules_changed],
        )
        app.state.alert_engine = alert_engine
        try:
            yield
        finally:
            await alert_engine.stop()
            await tail_reader.stop()
            await broker.stop()
            db.close()

    app = FastAPI(
        title="lograph",
        description=DESCRIPTION,
        version="1.0.0",
        lifespan=lifespan,
        max_body_size=MAX_BODY_BYTES,  # 413 before anything parses an oversized body
    )
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["*"],
        allow_headers=["*"],
    )
    install_error_handlers(app)
    # Routes are matched in order: the busiest endpoint first.
    app.include_router(
        graphql_router(allowed_origins=settings.cors_origins),
        prefix="/graphql",
        include_in_schema=False,
    )
    app.include_router(api_router)
    app.include_router(welcome_router)
    app.include_router(probes_router)
    return app


logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
app = create_app()
