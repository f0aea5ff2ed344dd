"""Configuration from the environment and `.env`, as old deployments wrote it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from main import create_app
from settings import ConfigError, Settings, load_settings
from settings_checks import ignored_environment, ignored_keys

ROOT = Path(__file__).resolve().parents[1]


def test_defaults_are_the_embedded_setup(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert settings.database_url == "sqlite:///./lograph.db"
    assert settings.enable_alerts is True
    assert settings.redis_url is None
    assert settings.cors_origins == []


def test_quoted_and_padded_values_are_tolerated(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(
        'DATABASE_URL = "postgresql://u:p@db:5432/logs?sslmode=require"\n'
        "CORS_ORIGINS= ' http://a.test , http://b.test '\n"
        'ENABLE_ALERTS=" false "\n'
        "REDIS_URL=''\n"
    )
    settings = Settings()
    assert settings.database_url == "postgresql+psycopg2://u:p@db:5432/logs?sslmode=require"
    assert settings.cors_origins == ["http://a.test", "http://b.test"]
    assert settings.enable_alerts is False
    assert settings.redis_url is None


def test_environment_overrides_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("ENABLE_ALERTS=false\n")
    monkeypatch.setenv("ENABLE_ALERTS", "true")
    assert Settings().enable_alerts is True


def test_heroku_style_postgres_url_is_accepted() -> None:
    url = load_settings(database_url="postgres://u@h/db").database_url
    assert url == "postgresql+psycopg2://u@h/db"


def test_invalid_value_names_the_variable() -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(enable_alerts="perhaps")
    assert str(raised.value).startswith("lograph: invalid ENABLE_ALERTS:")


def test_unsupported_database_url_is_refused() -> None:
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        load_settings(database_url="mysql://u@h/db")


@pytest.mark.slow
def test_bad_configuration_stops_startup_with_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import main"],
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT), "ENABLE_ALERTS": "perhaps"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "lograph: invalid ENABLE_ALERTS: Input should be a valid boolean, unable to interpret input"
    ]


def test_cors_origins_accepts_a_json_list() -> None:
    settings = load_settings(cors_origins='["https://a.test/", "http://b.test:8080"]')
    assert settings.cors_origins == ["https://a.test", "http://b.test:8080"]


def test_cors_origins_as_broken_json_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="lograph: invalid CORS_ORIGINS: not a valid JSON list"):
        load_settings(cors_origins='["https://a.test"')


def test_redis_url_without_a_redis_scheme_is_refused() -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(redis_url="127.0.0.1:6379")
    assert str(raised.value) == (
        "lograph: invalid REDIS_URL: must be a URL starting with redis://, rediss:// or unix://"
    )


@pytest.mark.parametrize(
    ("key", "meant"),
    [
        ("ALERT_ENABLED", "ENABLE_ALERTS"),
        ("enable_alert", "ENABLE_ALERTS"),
        ("DATABSE_URL", "DATABASE_URL"),
        ("SQLALCHEMY_DATABASE_URI", "DATABASE_URL"),
        ("CORS_ALLOWED_ORIGINS", "CORS_ORIGINS"),
    ],
)
def test_ignored_dotenv_key_is_warned_with_the_intended_setting(
    tmp_path: Path, key: str, meant: str
) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(f"{key}=false\nPGPASSWORD=x\nTZ=UTC\n")
    assert ignored_keys(dotenv, Settings.model_fields) == [
        f"lograph: {dotenv} sets {key}, which lograph does not read: use {meant}"
    ]


def test_known_and_unrelated_dotenv_keys_are_not_warned(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("ENABLE_ALERTS=false\nPGPASSWORD=x\nHOME=/root\nPORT=8000\n")
    assert ignored_keys(dotenv, Settings.model_fields) == []


def test_app_start_warns_once_about_an_ignored_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("ALERT_ENABLED=false\n")
    app = create_app(load_settings(database_url=f"sqlite:///{tmp_path / 'x.db'}"))
    with TestClient(app):
        pass
    warnings = [r.getMessage() for r in caplog.records if "ALERT_ENABLED" in r.getMessage()]
    assert warnings == [
        "lograph: .env sets ALERT_ENABLED, which lograph does not read: use ENABLE_ALERTS"
    ]


def test_unreadable_dotenv_is_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_bytes(b"ENABLE_ALERTS=\xff\xfe\n")
    with pytest.raises(ConfigError, match=r"^lograph: cannot read \.env: 'utf-8' codec"):
        load_settings()


def test_misspelt_or_predecessor_environment_names_are_warned() -> None:
    environ = {"ENABLE_ALRETS": "false", "DB_URL": "sqlite://", "PATH": "/bin", "HOME": "/root"}
    assert ignored_environment(environ, Settings.model_fields) == [
        "lograph: the environment sets ENABLE_ALRETS, which lograph does not read: "
        "use ENABLE_ALERTS",
        "lograph: the environment sets DB_URL, which lograph does not read: use DATABASE_URL",
    ]


def test_app_start_warns_about_a_misspelt_environment_name(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ENABLE_ALRETS", "false")
    app = create_app(load_settings(database_url=f"sqlite:///{tmp_path / 'x.db'}"))
    with TestClient(app):
        pass
    warnings = [r.getMessage() for r in caplog.records if "ENABLE_ALRETS" in r.getMessage()]
    assert warnings == [
        "lograph: the environment sets ENABLE_ALRETS, which lograph does not read: "
        "use ENABLE_ALERTS"
    ]


@pytest.mark.parametrize(
    "entry",
    ["not a url", "localhost:3000", "https://a.test/app", "https://:443", "http://a.test:x"],
)
def test_cors_origins_entry_that_is_no_origin_stops_startup(entry: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(cors_origins=f"https://a.test,{entry}")
    assert str(raised.value) == (
        f"lograph: invalid CORS_ORIGINS: {entry!r} is not an origin (scheme://host[:port])"
    )


def test_cors_origins_takes_origins_with_ports_and_the_wildcard() -> None:
    origins = "http://localhost:3000, https://[::1]:8443/, app://desk.example"
    settings = load_settings(cors_origins=origins)
    assert settings.cors_origins == [
        "http://localhost:3000",
        "https://[::1]:8443",
        "app://desk.example",
    ]
    assert load_settings(cors_origins="*").cors_origins == ["*"]


POSTGRES = "postgresql://lograph@db.internal/logs"


def test_replica_urls_take_a_comma_list_or_a_json_list() -> None:
    listed = load_settings(database_url=POSTGRES, database_replica_urls=" postgres://r1/l , ")
    assert listed.database_replica_urls == ["postgresql+psycopg2://r1/l"]
    as_json = load_settings(
        database_url=POSTGRES, database_replica_urls='["postgresql://r1/l", "postgresql://r2:6/l"]'
    )
    assert as_json.database_replica_urls == [
        "postgresql+psycopg2://r1/l",
        "postgresql+psycopg2://r2:6/l",
    ]


def test_replica_defaults_are_none_five_seconds_of_lag_and_a_tenth_of_a_second_of_wait() -> None:
    settings = load_settings()
    assert settings.database_replica_urls == []
    assert settings.replica_max_lag_seconds == 5.0
    assert settings.replica_wait_seconds == 0.1


@pytest.mark.parametrize(
    ("entry", "shown"),
    [
        ("mysql://u:secret@r1/l", "mysql://u:***@r1/l"),
        ("postgresql://u:secret@/l", "postgresql://u:***@/l"),
        ("postgresql://r1:0/l", "postgresql://r1:0/l"),
        ("r1.internal", "r1.internal"),
    ],
)
def test_a_replica_url_that_is_no_postgresql_url_stops_startup_without_its_password(
    entry: str, shown: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings(database_url=POSTGRES, database_replica_urls=f"postgresql://r0/l,{entry}")
    assert str(refused.value) == (
        f"lograph: invalid DATABASE_REPLICA_URLS: {shown!r} is not a PostgreSQL URL"
        " (postgresql://user@host:port/db)"
    )
    assert "secret" not in str(refused.value)


def test_replicas_of_a_sqlite_database_stop_startup() -> None:
    with pytest.raises(ConfigError, match="DATABASE_REPLICA_URLS: replicas need a PostgreSQL"):
        load_settings(database_replica_urls="postgresql://r1/l")
