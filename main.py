"""The app entry point: `uvicorn main:app` serves GraphQL, the legacy REST API and probes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Receive, Scope, Send

from alerts import AlertEngine
from broker import Broker
from broker.hub import Hub
from core import metrics
from core.compactor import RollupCompactor
from core.keys import KeyRing
from core.maintenance import Maintenance
from core.miner_process import background_miner
from core.pattern_miner import new_pattern_miner
from core.ratelimit import RateLimiter
from core.retention import Retention
from core.runtime import Runtime
from core.tail_reader import TailReader, new_log_hub
from db.alert_history import AlertRecord
from db.engine import Database
from db.migrate import upgrade_database
from db.replicas import ReplicaSettings
from db.search_indexes import warn_when_text_search_scans
from db.timeouts import Timeouts
from graph.fast.posts import GraphQLPosts, is_graphql_post
from graph.router import graphql_router
from ingest.router import router as ingest_router
from internals.starlette import RequestBodyLimitMiddleware
from ops.docs import router as docs_router
from ops.heap import startup_objects_frozen
from ops.hosts import HostGuard
from ops.limits import WebSocketLimit
from ops.logs import configure_logging
from ops.metrics import router as metrics_router
from ops.probes import router as probes_router
from ops.requests import RequestMiddleware
from ops.startup import (
    StartupFailureMiddleware,
    check_auth_setting,
    check_redis_setting,
    database_setting,
    log_startup,
)
from rest import api_router, welcome_router
from rest.errors import install_error_handlers
from rest.posts import LogPosts, is_log_post
from settings import Settings, get_settings
from ui import assets_router, explore_router

MAX_BODY_BYTES = 64 * 1024 * 1024
GRAPHQL_PATH = "/graphql"
DESCRIPTION = (
    "Log aggregation: GraphQL at `/graphql` (GraphiQL in a browser), the legacy REST API "
    "under `/api/v1`, and probes at `/healthz` and `/readyz`."
)


class Lanes:
    """The busiest POSTs (GraphQL's JSON, one REST log) answered past FastAPI's own layers, right
    behind the app's middleware, so that every way in passes the same checks in the same order;
    graph/fast/posts.py and rest/posts.py say why. A lane switched off is None."""

    def __init__(
        self, app: ASGIApp, *, graphql_posts: GraphQLPosts | None, log_posts: bool
    ) -> None:
        self.app = app
        self.graphql_posts = graphql_posts
        self.log_posts = LogPosts(route=app) if log_posts else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        lane = self._lane(scope) if scope["type"] == "http" else None
        await (lane or self.app)(scope, receive, send)

    def _lane(self, scope: Scope) -> ASGIApp | None:
        if scope["path"] == GRAPHQL_PATH and is_graphql_post(scope):
            return self.graphql_posts
        if is_log_post(scope):
            return self.log_posts
        return None


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the database is migrated and opened when the app starts."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await check_redis_setting(settings.redis_url, required=settings.redis_required)
        with database_setting(settings.database_url):
            db = Database(
                settings.database_url,
                timeouts=Timeouts.of(settings),
                fast_path=settings.database_fast_path,
                replicas=ReplicaSettings.of(settings),
            )
            for engine in db.engines:
                metrics.watch_pool(engine)
            if db.replicas is not None:
                db.replicas.watch(metrics.replicas_seen)
            await run_in_threadpool(upgrade_database, db.engine)
            await run_in_threadpool(warn_when_text_search_scans, db.engine)
        broker = Broker(settings.redis_url)
        limiter = RateLimiter(
            link=broker.link,
            default_per_second=settings.rate_limit_per_second,
            failures_per_second=settings.auth_failures_per_second,
        )
        keys = KeyRing(
            db=db,
            bus=broker.bus,
            limiter=limiter,
            auth_required=settings.auth_required,
            admin_key=settings.admin_api_key,
        )
        await check_auth_setting(keys)
        alert_hub: Hub[AlertRecord] = Hub(name="alerts", drop_oldest=True)
        alert_engine = AlertEngine(
            db=db, settings=settings, link=broker.link, bus=broker.bus, hub=alert_hub
        )
        await alert_engine.start()
        log_hub = new_log_hub(
            queue_batches=settings.tail_queue_batches, queue_bytes=settings.tail_queue_bytes
        )
        tail_reader = TailReader(db=db, hub=log_hub, bus=broker.bus)
        await tail_reader.start()
        compactor = RollupCompactor(db=db)
        await compactor.start()
        retention = Retention(db=db, default_days=settings.retention_days)
        maintenance = Maintenance(
            db=db, retention=retention, interval=settings.retention_interval_seconds
        )
        await maintenance.start()
        # Mining on demand here (tests, tools); in the background, a process of its own.
        pattern_miner = new_pattern_miner(db, settings, on_new=alert_engine.patterns_created)
        mining = background_miner(
            db,
            settings,
            in_process=pattern_miner,
            on_new=alert_engine.patterns_created,
            configure_logging=configure_logging,
        )
        if mining is not None:
            await mining.start()
        broker.start()
        keys.start()
        limiter.start()
        app.state.runtime = Runtime(
            db=db,
            alert_hub=alert_hub,
            keys=keys,
            limiter=limiter,
            log_hub=log_hub,
            tail_reader=tail_reader,
            retention=retention,
            idempotency_lease_seconds=settings.idempotency_lease_seconds,
            write_listeners=[
                alert_engine.logs_written,
                tail_reader.logs_written,
                metrics.logs_written,
                compactor.logs_written,
            ],
            rules_listeners=[alert_engine.rules_changed],
        )
        app.state.alert_engine = alert_engine
        app.state.pattern_miner = pattern_miner
        log_startup(settings, version=app.version)
        try:
            with startup_objects_frozen():
                yield
        finally:
            await alert_engine.stop()
            await limiter.stop()
            await keys.stop()
            await tail_reader.stop()
            await compactor.stop()
            await maintenance.stop()
            if mining is not None:
                await mining.stop()
            await pattern_miner.stop()
            await broker.stop()
            db.close()

    graphql = graphql_router(
        allowed_origins=settings.cors_origins, fast_path=settings.graphql_fast_path
    )
    graphql_posts = GraphQLPosts(view=graphql, max_body_bytes=MAX_BODY_BYTES)
    app = FastAPI(
        title="lograph",
        description=DESCRIPTION,
        version="1.0.0",
        lifespan=lifespan,
        docs_url=None,  # ops/docs.py serves /docs and /redoc from local assets, not a CDN
        redoc_url=None,
        # What every request passes, outermost first: the Host is checked after the request id
        # is given and before anything else; the lanes come after the app's own checks. They
        # bound their bodies themselves. The routes' limit (413 before anything parses an
        # oversized body; a route may raise it) sits inside the request middleware, which so
        # logs a refusal as any answer: FastAPI's max_body_size would sit outside it and end
        # each refusal with an exception, logged as an unexpected error.
        middleware=[
            Middleware(RequestMiddleware, access_log=settings.access_log),
            Middleware(StartupFailureMiddleware),
            Middleware(HostGuard, allowed_hosts=settings.allowed_hosts),
            Middleware(WebSocketLimit, limit=settings.max_websockets),
            Middleware(
                CORSMiddleware,
                allow_origins=settings.cors_origins,
                allow_methods=["*"],
                allow_headers=["*"],
            ),
            Middleware(
                Lanes,
                graphql_posts=graphql_posts if settings.graphql_fast_path else None,
                log_posts=settings.rest_fast_path,
            ),
            Middleware(RequestBodyLimitMiddleware, max_body_size=MAX_BODY_BYTES),
        ],
    )
    app.state.metrics_public = settings.metrics_public
    install_error_handlers(app)
    # Routes are matched in order: the busiest endpoint first.
    app.include_router(graphql, prefix=GRAPHQL_PATH, include_in_schema=False)
    app.include_router(api_router)
    app.include_router(ingest_router)
    app.include_router(welcome_router)
    app.include_router(probes_router)
    app.include_router(metrics_router)
    app.include_router(docs_router)
    app.include_router(explore_router)
    app.include_router(assets_router)
    return app


configure_logging(get_settings().log_format)
app = create_app()
