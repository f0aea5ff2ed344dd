"""Fixtures: the real app on each backend, reached through its ASGI interface."""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import tempfile
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
import redis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import NullPool

from db.engine import Database, make_engine
from db.migrate import upgrade_database
from main import create_app
from settings import Settings, load_settings
from testing.services import REDIS_URL, require_redis, scratch_postgres_database

BACKENDS = ["sqlite", "postgres"]
# Emptied after every test on the shared PostgreSQL database; the seed marker too, so each
# test's app seeds the rules its own settings name.
CLEARED_TABLES = [
    "pattern_counts",
    "pattern_counts_hourly",
    "log_patterns",
    "patterns",
    "pattern_miners",
    "pattern_cursors",
    "pattern_discovery",
    "pattern_processes",
    "logs",
    "alerts",
    "alert_rules",
    "alert_rules_seeded",
    "alert_instances",
    "api_keys",
    "ingest_requests",
    "retention_rules",
]
TEST_HOST = "testserver"


def _uses_test_redis(item: pytest.Item) -> bool:
    """Through the fixture, the `redis` marker, or the URL imported from testing.services."""
    return (
        "redis_url" in getattr(item, "fixturenames", ())
        or item.get_closest_marker("redis") is not None
        or hasattr(getattr(item, "module", None), "REDIS_URL")
    )


class RedisTurn:
    """The one test Redis database's turn: the tests that use it (they empty it) take turns
    across `make test-quick`'s processes (pytest-xdist), holding a lock file named for it. It
    is re-entrant within a process, so that a module's servers, started once for its tests
    (module fixtures set up before any test's own), hold it with those tests."""

    def __init__(self) -> None:
        self._holders = 0
        self._lock = ExitStack()

    @contextmanager
    def held(self) -> Iterator[None]:
        if self._holders == 0:
            digest = hashlib.sha256(REDIS_URL.encode()).hexdigest()[:16]
            path = Path(tempfile.gettempdir()) / f"lograph-test-redis-{digest}.lock"
            fcntl.flock(self._lock.enter_context(path.open("a")), fcntl.LOCK_EX)
        self._holders += 1
        try:
            yield
        finally:
            self._holders -= 1
            if self._holders == 0:
                self._lock.close()  # closing the file lets go of the lock


REDIS_TURN = RedisTurn()


@pytest.fixture(autouse=True)
def one_test_at_a_time_on_the_test_redis(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each test that uses the test Redis database holds its turn (RedisTurn)."""
    if not _uses_test_redis(request.node):
        yield
        return
    with REDIS_TURN.held():
        yield


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with scratch_postgres_database() as url:
        yield url


@pytest.fixture(scope="session")
def postgres_cleaner(postgres_url: str) -> Iterator[Engine]:
    """Empties the shared PostgreSQL database after each test, over a connection of its own:
    through the app's pools it would open one more connection per test. Pinged before each
    use: some tests have the server drop every connection to the database."""
    engine = create_engine(postgres_url, pool_size=1, pool_pre_ping=True)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file for every test to copy: migrating a new file costs more than
    most tests do (the app's start-up finds the copy at head and migrates nothing)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "lograph.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        upgrade_database(engine)
    finally:
        engine.dispose()  # the last connection folds the write-ahead log into the file
    return path


@pytest.fixture(scope="session")
def sqlite_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where each SQLite test's database is, one test after another: one path, so that the
    tests of one process with the same settings share one built app (`built_app`)."""
    return tmp_path_factory.mktemp("sqlite") / "lograph.db"


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest) -> str:
    """Every test that asks for the app runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        path: Path = request.getfixturevalue("sqlite_path")
        for old in (path, path.with_name(f"{path.name}-wal"), path.with_name(f"{path.name}-shm")):
            old.unlink(missing_ok=True)  # a new file: a connection left open keeps the old one
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    return url


# The app with its shortcuts past the frameworks (the default), and without (docs/fast-path.md).
FAST_PATHS: dict[str, dict[str, Any]] = {
    "fast": {},
    "plain": {"graphql_fast_path": False, "rest_fast_path": False, "database_fast_path": False},
}


def fast_path_params(default: list[str]) -> list[str]:
    """`default`, unless LOGRAPH_TEST_FAST_PATH names one (`fast`, `plain`) or `both`."""
    chosen = os.environ.get("LOGRAPH_TEST_FAST_PATH", "")
    if chosen == "both":
        return list(FAST_PATHS)
    return [chosen] if chosen in FAST_PATHS else default


@pytest.fixture(params=fast_path_params(["fast"]))
def fast_paths(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The fast path settings; the suites that go through GraphQL run both ways."""
    settings: dict[str, Any] = FAST_PATHS[request.param]
    return settings


# The settings a test's app differs in from the defaults, unless its module says otherwise.
DEFAULT_OVERRIDES: dict[str, Any] = {"enable_alerts": False, "enable_patterns": False}


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Override in a test module to change the app's settings."""
    return dict(DEFAULT_OVERRIDES)


def app_settings(**overrides: Any) -> Settings:
    """Settings for an app that TestClient reaches: its requests carry `Host: testserver`.
    Background mining is off unless a test turns it on: on PostgreSQL each app would start
    (and, at its end, wait for) a miner process, about a second per test."""
    return load_settings(**{"allowed_hosts": [TEST_HOST], "enable_patterns": False, **overrides})


# Apps `client` built, by their settings; the last few are kept.
_built_apps: OrderedDict[str, FastAPI] = OrderedDict()
KEPT_APPS = 8


def built_app(settings: Settings) -> FastAPI:
    """The app for these settings, built once per process. Each TestClient runs the app's
    lifespan, which opens the database and makes every service, cache and background task
    anew: tests share only the FastAPI object and the routes it sets up on its first request,
    which together cost more than most tests."""
    key = settings.model_dump_json()
    app = _built_apps.pop(key, None) or create_app(settings)
    _built_apps[key] = app
    while len(_built_apps) > KEPT_APPS:
        _built_apps.popitem(last=False)
    return app


@pytest.fixture
def client(
    request: pytest.FixtureRequest,
    database_url: str,
    fast_paths: dict[str, Any],
    settings_overrides: dict[str, Any],
) -> Iterator[TestClient]:
    settings = {**fast_paths, **settings_overrides}
    app = built_app(app_settings(database_url=database_url, **settings))
    # The shared PostgreSQL database is emptied after each test; each SQLite test has a new file.
    sqlite = database_url.startswith("sqlite")
    cleaner: Engine | None = None if sqlite else request.getfixturevalue("postgres_cleaner")
    with TestClient(app) as test_client:
        yield test_client
    if cleaner is not None:
        empty_tables(cleaner)


def empty_tables(engine: Engine) -> None:
    """Delete every row the tests may have written (PostgreSQL databases outlive a test)."""
    with engine.begin() as connection:
        connection.execute(text("; ".join(f"DELETE FROM {table}" for table in CLEARED_TABLES)))


@pytest.fixture(scope="session")
def shared_postgres_url() -> Iterator[str]:
    """The PostgreSQL database of the apps modules share (`module_client`), apart from the
    one each test's own app works in and empties."""
    with scratch_postgres_database() as url:
        yield url


@pytest.fixture(scope="module", params=BACKENDS)
def module_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> str:
    """`database_url` for an app a whole module shares: a SQLite file of the module's own."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("module-sqlite") / "lograph.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("shared_postgres_url")
    return url


@pytest.fixture(scope="module", params=fast_path_params(["fast"]))
def module_fast_paths(request: pytest.FixtureRequest) -> dict[str, Any]:
    """`fast_paths` for an app a whole module shares."""
    settings: dict[str, Any] = FAST_PATHS[request.param]
    return settings


@pytest.fixture(scope="module")
def module_settings_overrides() -> dict[str, Any]:
    """`settings_overrides` for the app a module shares: override the two side by side."""
    return dict(DEFAULT_OVERRIDES)


@pytest.fixture(scope="module")
def module_client(
    module_database_url: str,
    module_fast_paths: dict[str, Any],
    module_settings_overrides: dict[str, Any],
) -> Iterator[TestClient]:
    """One app for the tests of a module that write nothing (requests refused, reads of
    what a module fixture wrote once): hundreds of parametrised cases cost less than starting
    an app, and writing its data, for each. Emptied at the module's end."""
    overrides = {**module_fast_paths, **module_settings_overrides}
    settings = app_settings(database_url=module_database_url, **overrides)
    with TestClient(built_app(settings)) as test_client:
        yield test_client
    if module_database_url.startswith("sqlite"):
        return
    engine = create_engine(module_database_url, poolclass=NullPool)
    try:
        empty_tables(engine)
    finally:
        engine.dispose()


DEAD_DATABASE = "postgresql+psycopg2://postgres@127.0.0.1:1/test"


@pytest.fixture
def dead_database(client: TestClient) -> Iterator[TestClient]:
    """The app with its database swapped for one nobody listens at, as in an outage."""
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    alive, runtime.db = runtime.db, Database(DEAD_DATABASE)
    try:
        yield client
    finally:
        runtime.db.close()
        runtime.db = alive


def gql(client: TestClient, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """POST a GraphQL operation and return the whole JSON answer."""
    response = client.post("/graphql", json={"query": query, "variables": variables or {}})
    assert response.status_code in (200, 400), response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
def redis_url() -> Iterator[str]:
    """The test Redis database, empty before and after the test."""
    require_redis()
    connection = redis.Redis.from_url(REDIS_URL)
    connection.flushdb()
    try:
        yield REDIS_URL
    finally:
        connection.flushdb()
        connection.close()


@pytest.fixture(name="fast_paths")
def fast_path_only() -> dict[str, Any]:
    """For tests of the fast path itself: a module imports this as its `fast_paths`."""
    return {}
