"""The results: one markdown table for people, one JSON file for later comparison."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import orjson

from bench.cpu import CpuUsage

RESULTS_DIR = Path(__file__).resolve().parent / "results"
HEADER = ("metric", "measured", "target", "predecessor", "result")
BUSY_OTHER_PERCENT = 25.0  # of a core, taken by others during a measurement: worth a warning


@dataclass(slots=True)
class Metric:
    """One measured number, with what it is held against."""

    key: str
    name: str
    value: float
    unit: str
    detail: str = ""
    target: str = "—"
    baseline: str = "—"
    passed: bool | None = None
    cpu: CpuUsage | None = None

    def measured(self) -> str:
        text = f"{_number(self.value)} {self.unit}"
        return f"{text} ({self.detail})" if self.detail else text

    def verdict(self) -> str:
        return {None: "—", True: "pass", False: "**FAIL**"}[self.passed]

    def row(self) -> tuple[str, ...]:
        return (
            f"({self.key}) {self.name}",
            self.measured(),
            self.target,
            self.baseline,
            self.verdict(),
        )


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.1f}"


def markdown_table(metrics: list[Metric]) -> str:
    rows = [HEADER, *(metric.row() for metric in metrics)]
    widths = [max(len(row[column]) for row in rows) for column in range(len(HEADER))]
    rule = "|" + "|".join("-" * (width + 2) for width in widths) + "|"
    return "\n".join([_line(rows[0], widths), rule, *(_line(row, widths) for row in rows[1:])])


def _line(cells: tuple[str, ...], widths: list[int]) -> str:
    padded = (cell.ljust(width) for cell, width in zip(cells, widths, strict=True))
    return "| " + " | ".join(padded) + " |"


def cpu_notes(metrics: list[Metric]) -> list[str]:
    """Who used the CPU during each load, and a warning where something else competed."""
    usages = [(metric, metric.cpu) for metric in metrics if metric.cpu]
    notes = [f"({metric.key}) {metric.name}: {cpu.describe()}" for metric, cpu in usages]
    disturbed = sorted(
        {f"({metric.key})" for metric, cpu in usages if cpu.other > BUSY_OTHER_PERCENT}
    )
    if disturbed:
        notes.append(
            f"Other work took over {BUSY_OTHER_PERCENT:.0f}% of a core during "
            f"{', '.join(disturbed)}: those numbers understate the app; rerun on a quiet machine."
        )
    return notes


def write_json(name: str, *, started: str, context: dict[str, Any], metrics: list[Metric]) -> Path:
    """Save the run as `results/<name>-<started>.json` and return the path."""
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{name}-{started}.json"
    document = {"started": started, **context, "metrics": [asdict(metric) for metric in metrics]}
    path.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2))
    return path
