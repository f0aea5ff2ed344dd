"""The app with its fast path on, off, or both side by side on one database (docs/fast-path.md,
"The switches"): the same data and the same requests, so the two differ only in the switches."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace

from bench.report import Metric

OFF = {"GRAPHQL_FAST_PATH": "false", "REST_FAST_PATH": "false", "DATABASE_FAST_PATH": "false"}
# The app's environment, by the name its figures are printed with.
VARIANTS: dict[str, dict[str, str]] = {"on": {}, "off": OFF}
CHOICES = ["on", "off", "both"]


def chosen(choice: str) -> dict[str, dict[str, str]]:
    """The variants `--switches on|off|both` names, in the order they are measured."""
    return dict(VARIANTS) if choice == "both" else {choice: VARIANTS[choice]}


def interleaved(by_variant: Mapping[str, list[Metric]]) -> list[Metric]:
    """Each variant's metrics, named for their variant when they are not the defaults alone,
    one measurement's rows next to each other with the ratio off / on beside them."""
    if list(by_variant) == ["on"]:
        return by_variant["on"]
    named = {
        variant: [replace(metric, name=f"{metric.name} [switches {variant}]") for metric in rows]
        for variant, rows in by_variant.items()
    }
    merged: list[Metric] = []
    for row in zip(*named.values(), strict=True):
        merged += row
        merged += _ratio(dict(zip(named, row, strict=True)))
    return merged


def _ratio(pair: dict[str, Metric]) -> list[Metric]:
    """off / on of one measurement, when both sides measured a time or a rate."""
    on, off = pair.get("on"), pair.get("off")
    if on is None or off is None or on.unit not in ("ms", "req/s"):
        return []
    if not (math.isfinite(on.value) and math.isfinite(off.value)) or on.value == 0:
        return []
    base = on.name.removesuffix(" [switches on]")
    return [Metric(on.key, f"{base}: switches off / on", off.value / on.value, "x")]
