"""Where a uvicorn worker's CPU goes under load: py-spy samples, summarised by layer and function.

py-spy is pip-installed into a temporary folder (not into the venv, not committed), attached to
the worker's PID with `--nonblocking` (the worker is never paused) and `--gil` (only the thread
running Python counts: the CPU the GIL serialises) while the load runs, and its
collapsed stacks are summarised here. The raw stacks are saved under `bench/results/` for a
flame graph (e.g. speedscope.app or inferno).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from bench.load import Call, Load, measure
from bench.report import RESULTS_DIR
from testing.server import Server

RATE = 250  # samples per second
TOP = 20
# The first matching rule names a frame's layer (py-spy frames read "function (path:line)").
LAYERS = (
    ("strawberry", "(strawberry/"),
    ("graphql-core", "(graphql/"),
    ("sqlalchemy", "(sqlalchemy/"),
    ("psycopg2", "(psycopg2/"),
    ("uvicorn / starlette / fastapi", "(uvicorn/"),
    ("uvicorn / starlette / fastapi", "(starlette/"),
    ("uvicorn / starlette / fastapi", "(fastapi/"),
    ("pydantic", "(pydantic"),
    ("asyncio / anyio threads", "(asyncio/"),
    ("asyncio / anyio threads", "(anyio/"),
    ("asyncio / anyio threads", "(concurrent/"),
    ("asyncio / anyio threads", "(threading.py"),
    ("lograph: graph/", "(graph/"),
    ("lograph: db/", "(db/"),
    ("lograph: rest/", "(rest/"),
    ("lograph: main.py", "(main.py"),
)

INCLUSIVE = {"strawberry", "graphql-core", "sqlalchemy", "psycopg2"} | {
    name for name, _ in LAYERS if name.startswith("lograph")
}

# Stages of serving a GraphQL read, for `stage`: the first rule whose markers all appear in a
# sample's stack names it. Worker-thread work (the database read) is told apart by its frame.
STAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("db thread: psycopg2 JSONB -> dict (json.loads)", ("Database._read", "typecast_json")),
    ("db thread: SQLAlchemy result rows", ("Database._read", "fetch")),
    ("db thread: SQLAlchemy result rows", ("Database._read", "result_processor")),
    ("db thread: psycopg2 execute (GIL-holding part)", ("Database._read", "do_execute")),
    ("db thread: SQLAlchemy compile / cache / execute", ("Database._read", "Connection.execute")),
    ("db thread: statement construction (db/logs.py)", ("Database._read", "(db/logs.py")),
    ("db thread: other (pool checkout, retries)", ("Database._read",)),
    ("resolver: Log.from_row", ("Schema.execute (", "Log.from_row")),
    ("graphql-core: completing the result list (per field)", ("complete_list_value",)),
    ("resolver: filter conversion, awaiting the read", ("Schema.execute (", "(graph/resolvers")),
    ("strawberry extensions", ("Schema.execute (", "extensions")),
    ("strawberry / graphql-core: rest of execution (set-up, resolvers)", ("Schema.execute (",)),
    ("answer encoding (encode_json)", ("encode_json",)),
    ("strawberry HTTP view: request parsing, context", ("handle_http_post",)),
    ("uvicorn / starlette / fastapi outside the view", ("(uvicorn/",)),
    ("uvicorn / starlette / fastapi outside the view", ("(starlette/",)),
    ("uvicorn / starlette / fastapi outside the view", ("(fastapi/",)),
    ("thread handoff (anyio, threading)", ("(anyio/",)),
    ("thread handoff (anyio, threading)", ("(threading.py",)),
)


def stage(stack: str) -> str:
    for name, markers in STAGES:
        if all(marker in stack for marker in markers):
            return name
    return "event loop / other"


@contextmanager
def py_spy() -> Iterator[Path]:
    """The py-spy executable, pip-installed into a temporary folder for the block."""
    with tempfile.TemporaryDirectory(prefix="lograph-py-spy-") as folder:
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--target", folder, "py-spy"],
            check=True,
            capture_output=True,
        )
        yield Path(folder) / "bin" / "py-spy"


def layer(frame: str) -> str:
    for name, marker in LAYERS:
        if marker in frame:
            return name
    return "other (stdlib, orjson, ...)"


def _frames(line: str) -> tuple[list[str], int]:
    stack, _, count = line.rpartition(" ")
    return stack.split(";"), int(count)


def summarise(collapsed: str) -> list[str]:
    """Markdown lines: samples by layer (self time) and the top functions, self and inclusive."""
    self_by_layer: Counter[str] = Counter()
    self_by_function: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    by_stage: Counter[str] = Counter()
    total = 0
    for line in collapsed.splitlines():
        if not line.strip():
            continue
        frames, count = _frames(line)
        frames = [frame for frame in frames if not frame.startswith("process ")]
        if not frames:
            continue
        total += count
        by_stage[stage(";".join(frames))] += count
        leaf = frames[-1]
        self_by_layer[layer(leaf)] += count
        self_by_function[leaf] += count
        for frame in set(frames):
            inclusive[frame] += count
    if not total:
        return ["py-spy recorded no samples."]

    def share(count: int) -> str:
        return f"{100 * count / total:.1f}%"

    lines = [f"{total:,} samples of the thread holding the GIL.", "", "By stage:", ""]
    lines += [f"- {name}: {share(count)}" for name, count in by_stage.most_common()]
    lines += ["", "Self time by layer:", ""]
    lines += [f"- {name}: {share(count)}" for name, count in self_by_layer.most_common()]
    lines += ["", f"Top {TOP} functions by self time:", ""]
    lines += [f"- {share(count)} {frame}" for frame, count in self_by_function.most_common(TOP)]
    lines += ["", f"Top {TOP} functions of the GraphQL stack and lograph, inclusive time:", ""]
    interesting = [
        (frame, count) for frame, count in inclusive.most_common() if layer(frame) in INCLUSIVE
    ]
    lines += [f"- {share(count)} {frame}" for frame, count in interesting[:TOP]]
    return lines


def profile(
    server: Server, calls: Sequence[Call], concurrency: int, seconds: float, log_dir: Path
) -> list[str]:
    """Record the worker under `concurrency` loops of `calls`; the summary as note lines."""
    RESULTS_DIR.mkdir(exist_ok=True)
    output = RESULTS_DIR / f"profile-{time.strftime('%Y%m%d-%H%M%S')}.txt"
    with py_spy() as executable:
        load = Load(1_000_000, seconds + 2.0, concurrency)
        warmup = Load(1_000_000, 1.0, concurrency)
        result: list[float] = []

        def drive() -> None:
            run = measure(server.port, calls, load, warmup=warmup)
            result.append(run.per_second)

        driver = threading.Thread(target=drive)
        driver.start()
        time.sleep(1.5)  # past the warm-up
        command = [
            *(str(executable), "record", "--pid", str(server.pid), "--rate", str(RATE)),
            *("--duration", f"{seconds:g}", "--format", "raw", "--nonblocking", "--gil"),
            *("--output", str(output)),
        ]
        spy = subprocess.run(command, capture_output=True, text=True, check=False)
        driver.join()
    if spy.returncode != 0 or not output.exists():
        return [f"py-spy failed ({spy.returncode}): {spy.stderr.strip()[-500:]}"]
    rate = f"{result[0]:,.0f} req/s while sampled" if result else "no load result"
    summary = summarise(output.read_text())
    return [f"Profile of the filter query ({rate}; raw stacks in {output}):", *summary]
