"""The README and the pages of docs/ in reading order, and the examples fenced in them."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
FENCED = re.compile(r"```(\w*)\n(.*?)```", flags=re.DOTALL)


def reading_order() -> list[Path]:
    """README.md, then the pages of docs/ in the order it links them, then any other page sorted.

    The examples build on each other in this order (the README's first query writes the logs the
    REST page reads back), so the tests that run them in order run them so.
    """
    pages = sorted(DOCS.glob("*.md"))
    targets = re.findall(r"\]\((docs/[^)#]+)", README.read_text())
    linked = [(ROOT / target).resolve() for target in targets]
    ordered = list(dict.fromkeys(page for page in linked if page in pages))
    return [README, *ordered, *(page for page in pages if page not in ordered)]


def blocks(*languages: str) -> list[tuple[str, str]]:
    """Every fenced block of the given languages, as (language, text), in reading order."""
    return [
        (language, text)
        for page in reading_order()
        for language, text in FENCED.findall(page.read_text())
        if language in languages
    ]


def examples(language: str) -> list[str]:
    """The texts of every fenced block of one language, in reading order."""
    return [text for _, text in blocks(language)]


def anchors(page: Path) -> set[str]:
    """The anchors GitHub gives the page's headings (fenced blocks' `#` comments are none)."""
    prose = FENCED.sub("", page.read_text())
    headings = re.findall(r"^#{1,6} (.+)$", prose, flags=re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-") for text in headings}
