"""A start that cannot work stops with one line naming the setting and the reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from main import create_app
from ops.startup import StartupError, safe_database_url, startup_summary
from settings import load_settings
from testing.server import free_port, launch
from testing.services import require_postgres, require_redis

EXIT_TIMEOUT_S = 60


def failed_start(tmp_path: Path, **env: str) -> tuple[int, list[str]]:
    """Start a real server with these settings; its exit code and the lines it printed."""
    log = tmp_path / "server.log"
    server = launch(env={"ENABLE_ALERTS": "false", **env}, log=log)
    code = server.process.wait(timeout=EXIT_TIMEOUT_S)
    return code, log.read_text().splitlines()


@pytest.mark.slow
def test_unreachable_database_is_one_line_without_password(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    code, lines = failed_start(
        tmp_path, DATABASE_URL=f"postgresql://lograph:s3cret@127.0.0.1:{port}/logs"
    )
    assert code != 0
    assert not any("Traceback" in line or "s3cret" in line for line in lines), lines
    [line] = [line for line in lines if "lograph:" in line]
    assert f"cannot use DATABASE_URL postgresql://lograph@127.0.0.1:{port}/logs:" in line
    assert "Connection refused" in line


@pytest.mark.slow
def test_a_failed_start_prints_its_one_line_alone(tmp_path: Path) -> None:
    """uvicorn used to follow it with `Application startup failed. Exiting.`"""
    code, lines = failed_start(tmp_path, DATABASE_URL=f"postgresql://u@127.0.0.1:{free_port()}/x")
    assert code != 0
    [line] = lines
    assert "lograph: cannot use DATABASE_URL" in line


@pytest.mark.slow
def test_missing_database_is_named(tmp_path: Path) -> None:
    require_postgres()
    url = "postgresql://postgres@127.0.0.1:5432/lograph_no_such_database"
    code, lines = failed_start(tmp_path, DATABASE_URL=url)
    assert code != 0
    assert not any("Traceback" in line for line in lines), lines
    [line] = [line for line in lines if "lograph:" in line]
    assert 'database "lograph_no_such_database" does not exist' in line


@pytest.mark.slow
def test_unreachable_redis_stops_the_start_only_when_required(tmp_path: Path) -> None:
    dead = f"redis://:pw@127.0.0.1:{free_port()}/0"
    code, lines = failed_start(
        tmp_path,
        DATABASE_URL=f"sqlite:///{tmp_path / 'lograph.db'}",
        REDIS_URL=dead,
        REDIS_REQUIRED="true",
    )
    assert code != 0
    assert not any("Traceback" in line or ":pw@" in line for line in lines), lines
    [line] = [line for line in lines if "lograph:" in line]
    assert "cannot reach REDIS_URL" in line
    assert "REDIS_REQUIRED" in line


@pytest.mark.slow
def test_unreadable_rules_file_is_one_line(tmp_path: Path) -> None:
    code, lines = failed_start(
        tmp_path,
        DATABASE_URL=f"sqlite:///{tmp_path / 'lograph.db'}",
        ALERT_RULES_FILE=str(tmp_path / "missing.json"),
    )
    assert code != 0
    assert not any("Traceback" in line for line in lines), lines
    assert any("lograph: invalid ALERT_RULES_FILE:" in line for line in lines), lines


def test_unusable_sqlite_path_raises_startup_error() -> None:
    app = create_app(load_settings(database_url="sqlite:////nonexistent-dir/lograph.db"))
    with (
        pytest.raises(StartupError, match="DATABASE_URL sqlite:////nonexistent-dir"),
        TestClient(app),
    ):
        pass


def test_shown_database_url_never_has_the_password() -> None:
    url = "postgresql+psycopg2://u:pw@db.internal:5432/logs?sslmode=require"
    assert safe_database_url(url) == "postgresql://u@db.internal:5432/logs"


def test_startup_line_names_database_redis_and_alerts_without_secrets() -> None:
    settings = load_settings(
        database_url="postgresql://lograph:pw@db.internal:5432/logs",
        redis_url="redis://:redispw@cache.internal:6379/2",
        enable_alerts=True,
    )
    line = startup_summary(settings, version="1.2.3")
    assert line.startswith("lograph 1.2.3 started: database postgresql://lograph@db.internal")
    assert "shared state Redis redis://cache.internal:6379/2" in line
    assert "alerts on, checked every 5 s" in line
    assert "pw" not in line


def test_startup_line_says_in_process_without_redis() -> None:
    line = startup_summary(load_settings(enable_alerts=False), version="1.0.0")
    assert "shared state in-process" in line
    assert "alerts off (ENABLE_ALERTS=false)" in line
    assert "API keys optional (AUTH_REQUIRED=false);" in line


def test_startup_line_says_the_retention_default() -> None:
    forever = startup_summary(load_settings(), version="1.0.0")
    assert forever.endswith(
        "retention default keep forever (no RETENTION_DAYS), applied every 3600 s"
    )
    days = startup_summary(load_settings(retention_days=90), version="1.0.0")
    assert "retention default 90 days" in days


def test_app_start_logs_the_startup_line(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="lograph.startup")
    app = create_app(load_settings(database_url=f"sqlite:///{tmp_path / 'x.db'}"))
    with TestClient(app):
        pass
    [line] = [r.getMessage() for r in caplog.records if r.name == "lograph.startup"]
    assert line.startswith(f"lograph {app.version} started: database sqlite:///")


@pytest.mark.slow
def test_redis_without_such_database_stops_the_start(tmp_path: Path) -> None:
    require_redis()
    code, lines = failed_start(
        tmp_path,
        DATABASE_URL=f"sqlite:///{tmp_path / 'lograph.db'}",
        REDIS_URL="redis://127.0.0.1:6379/999",
    )
    assert code != 0
    assert not any("Traceback" in line for line in lines), lines
    [line] = [line for line in lines if "lograph:" in line]
    assert line.endswith(
        "lograph: cannot use REDIS_URL redis://127.0.0.1:6379/999: DB index is out of range"
    )


def test_redis_refusing_the_password_is_named_without_it(tmp_path: Path) -> None:
    require_redis()
    app = create_app(
        load_settings(
            database_url=f"sqlite:///{tmp_path / 'lograph.db'}",
            redis_url="redis://nobody:s3cret@127.0.0.1:6379/0",
        )
    )
    with pytest.raises(StartupError) as raised, TestClient(app):
        pass
    assert str(raised.value).startswith("lograph: cannot use REDIS_URL redis://nobody@127.0.0.1")
    assert "s3cret" not in str(raised.value)


def test_unreachable_redis_is_no_startup_error(tmp_path: Path) -> None:
    settings = load_settings(
        database_url=f"sqlite:///{tmp_path / 'lograph.db'}", redis_url="redis://127.0.0.1:1/0"
    )
    with TestClient(create_app(settings)) as client:
        assert client.get("/readyz").status_code == 200


def test_startup_line_names_the_read_replicas_without_passwords() -> None:
    settings = load_settings(
        database_url="postgresql://lograph:pw@db.internal:5432/logs",
        database_replica_urls="postgresql://lograph:pw@r1.internal:5432/logs,"
        "postgres://lograph:pw@r2.internal/logs",
    )
    line = startup_summary(settings, version="1.0.0")
    replicas = "postgresql://lograph@r1.internal:5432/logs, postgresql://lograph@r2.internal/logs"
    assert f"read replicas {replicas} (skipped when down or over 5 s behind" in line
    assert "pw" not in line


def test_startup_line_says_the_primary_serves_every_read_without_replicas() -> None:
    line = startup_summary(load_settings(), version="1.0.0")
    assert "read replicas none (the primary serves every read)" in line
