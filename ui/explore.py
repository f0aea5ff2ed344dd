"""`/explore`: the log explorer page, and its own modules under `/ui/explore/`."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, HTMLResponse

from ui.assets import PREFIX, asset_url, page_template

EXPLORE_PATH = "/explore"
# The page's own modules and styles, served as written: no build step.
SOURCES = Path(__file__).resolve().parent / "explore"
MEDIA_TYPES = {".js": "text/javascript", ".css": "text/css"}
SOURCE_NAME = re.compile(r"[a-z][a-z0-9-]*\.(?:js|css)")

explore_router = APIRouter(include_in_schema=False)


def source_url(name: str) -> str:
    """Where the page finds one of its own files."""
    return f"{PREFIX}/explore/{name}"


@cache
def explore_html() -> str:
    """The page with the libraries' and its own file URLs filled in."""
    return re.sub(
        r"\{(own:)?([a-zA-Z-]+\.(?:js|css))\}",
        lambda match: source_url(match[2]) if match[1] else asset_url(match[2]),
        page_template("explore.html"),
    )


def source_names() -> list[str]:
    """Every file of the page's own that is served."""
    return sorted(path.name for path in SOURCES.iterdir() if SOURCE_NAME.fullmatch(path.name))


@explore_router.get(EXPLORE_PATH)
async def explore() -> HTMLResponse:
    return HTMLResponse(explore_html())


@explore_router.get(f"{PREFIX}/explore/{{name}}")
async def explore_source(name: str) -> FileResponse:
    if not SOURCE_NAME.fullmatch(name) or not (SOURCES / name).is_file():
        raise HTTPException(status_code=404, detail="Not Found")
    media_type = MEDIA_TYPES[Path(name).suffix]
    # Served with the app: revalidate each time, so a redeploy is seen at once.
    headers = {"cache-control": "no-cache"}
    return FileResponse(SOURCES / name, media_type=media_type, headers=headers)
