"""A private PostgreSQL primary with a streaming replica of its own, for the replica tests and
the replica bench.

Why a primary of our own (initdb on a free port) rather than a base backup of the shared server
at 127.0.0.1:5432: that server's pg_hba.conf allows no replication connections, and a test may
not change the machine's configuration; a base backup copies every database of a cluster (other
suites' scratch databases, benches' large ones), which would cost minutes and gigabytes instead
of a second and a few dozen megabytes; and the tests stop and restart the replica, which must
disturb nobody else. The replica is made as operators make one: `pg_basebackup -R` from the
primary, streaming, with `recovery_min_apply_delay` so that it lags on purpose.

PostgreSQL refuses to run as root: when the tests run as root, the servers run as `postgres`
through `runuser`, in a scratch directory owned by it. Both are stopped by the PID in their
`postmaster.pid`, and the directory is removed.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import psycopg2

from testing.server import HOST, free_port

BIN = Path(os.environ.get("LOGRAPH_TEST_POSTGRES_BIN", "/usr/lib/postgresql/15/bin"))
DATABASE = "lograph"
USER = "postgres"  # the cluster's superuser, trusted on loopback
STOP_SECONDS = 60.0
PRIMARY_SETTINGS = {
    "listen_addresses": f"'{HOST}'",
    "wal_level": "replica",
    "max_wal_senders": "4",
    "shared_buffers": "'32MB'",
    "fsync": "off",  # a scratch cluster: crash safety buys nothing, and disks are shared
    "synchronous_commit": "on",  # lograph's guarantee assumes acknowledged means flushed
    "track_activity_query_size": "16384",  # the tests find their reads' texts in pg_stat_activity
}


def binaries_present() -> bool:
    return all((BIN / name).is_file() for name in ("initdb", "pg_ctl", "pg_basebackup"))


@dataclass(frozen=True, slots=True)
class Server:
    """One PostgreSQL server of the pair."""

    directory: Path
    port: int

    def url(self, database: str = DATABASE) -> str:
        return f"postgresql://{USER}@{HOST}:{self.port}/{database}"

    def sql(self, statement: str, database: str = DATABASE) -> list[tuple[object, ...]]:
        """The rows of one statement, run outside a transaction."""
        with closing(psycopg2.connect(self.url(database))) as connection:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(statement)
                return cursor.fetchall() if cursor.description else []

    def start(self) -> None:
        log = self.directory.parent / f"{self.directory.name}.log"
        _as_postgres(
            [str(BIN / "pg_ctl"), "-D", str(self.directory), "-l", str(log), "-w", "start"]
        )

    def stop(self) -> None:
        """Fast shutdown by the postmaster's PID, waiting until it has gone."""
        pid_file = self.directory / "postmaster.pid"
        if not pid_file.exists():
            return
        pid = int(pid_file.read_text().split()[0])
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGINT)
        deadline = time.monotonic() + STOP_SECONDS
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if _alive(pid):
            os.kill(pid, signal.SIGQUIT)


@dataclass(frozen=True, slots=True)
class ReplicatedCluster:
    primary: Server
    replica: Server


@contextmanager
def replicated_cluster(*, apply_delay: str = "500ms") -> Iterator[ReplicatedCluster]:
    """A primary with database `lograph` and a streaming replica replaying `apply_delay` behind."""
    root = Path(tempfile.mkdtemp(prefix="lograph-replication-"))
    cluster = ReplicatedCluster(
        primary=Server(root / "primary", free_port()), replica=Server(root / "replica", free_port())
    )
    try:
        _own(root)
        _make_primary(cluster.primary)
        _make_replica(cluster, apply_delay=apply_delay)
        yield cluster
    finally:
        cluster.replica.stop()
        cluster.primary.stop()
        shutil.rmtree(root, ignore_errors=True)


def _make_primary(primary: Server) -> None:
    initdb = [str(BIN / "initdb"), "-D", str(primary.directory), "-U", USER, "--auth=trust"]
    _as_postgres([*initdb, "-E", "UTF8", "--no-sync"])
    _configure(primary, PRIMARY_SETTINGS)
    primary.start()
    primary.sql(f"CREATE DATABASE {DATABASE}", "postgres")


def _make_replica(cluster: ReplicatedCluster, *, apply_delay: str) -> None:
    primary, replica = cluster.primary, cluster.replica
    backup = [str(BIN / "pg_basebackup"), "-h", HOST, "-p", str(primary.port), "-U", USER]
    _as_postgres([*backup, "-D", str(replica.directory), "-R", "-X", "stream", "-c", "fast"])
    delay = {"recovery_min_apply_delay": f"'{apply_delay}'", "hot_standby_feedback": "on"}
    _configure(replica, delay)
    replica.start()


def _configure(server: Server, settings: dict[str, str]) -> None:
    """Append to postgresql.auto.conf, read last, so these win over what the copy brought."""
    own = {"port": str(server.port), "unix_socket_directories": f"'{server.directory}'"}
    lines = [f"{name} = {value}\n" for name, value in (own | settings).items()]
    with (server.directory / "postgresql.auto.conf").open("a") as conf:
        conf.writelines(lines)


def _as_postgres(command: Sequence[str]) -> None:
    """Run a PostgreSQL tool as the user that owns the cluster (root may not)."""
    as_user = ["runuser", "-u", USER, "--"] if os.geteuid() == 0 else []
    subprocess.run([*as_user, *command], check=True, capture_output=True, cwd="/")


def _own(root: Path) -> None:
    if os.geteuid() == 0:
        shutil.chown(root, USER, USER)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
