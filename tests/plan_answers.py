"""What the plans of plain selections (graph/fast/plans.py) answer, recorded for tests."""

from __future__ import annotations

from typing import Any

import pytest

import graph.fast.direct
import graph.fast.plans
from graph.fast.plans import Answer, Entry


def recorded_answers(monkeypatch: pytest.MonkeyPatch, type_name: str) -> list[Any]:
    """Every answer that plans for `type_name` objects give from now on. The plans kept so far
    are dropped, so that every plan used from here is made (and recorded) afresh."""
    answers: list[Any] = []
    compile_plan = graph.fast.plans._compile

    def recording(name: str, entries: tuple[Entry, ...]) -> Answer:
        answer = compile_plan(name, entries)
        if name != type_name:
            return answer

        def recorded(source: Any) -> dict[str, Any] | None:
            answers.append(result := answer(source))
            return result

        return recorded

    monkeypatch.setattr(graph.fast.plans, "_compile", recording)
    graph.fast.plans.shared_plans.clear()
    graph.fast.direct.direct_fields.clear()
    return answers
