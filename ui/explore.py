"""`/explore`: the log explorer page, and its own modules under `/ui/explore/`."""

from __future__ import annotations

import hashlib
import json
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
# A file asked for by its current version never changes: the browser keeps it without asking.
KEPT = {"cache-control": "public, max-age=31536000, immutable"}
# Asked for without it (or by an old one): revalidate each time, so a redeploy is seen at once.
CHECKED = {"cache-control": "no-cache"}

explore_router = APIRouter(include_in_schema=False)


def source_url(name: str) -> str:
    """Where the page finds one of its own files."""
    return f"{PREFIX}/explore/{name}"


@cache
def source_version(name: str) -> str:
    """A digest of the file as this process serves it."""
    return hashlib.sha256((SOURCES / name).read_bytes()).hexdigest()[:16]


def versioned_url(name: str) -> str:
    return f"{source_url(name)}?v={source_version(name)}"


@cache
def explore_html() -> str:
    """The page with the libraries' and its own file URLs filled in.

    Its own files are named by version, so a browser that has them asks for none again; an
    import map gives the modules' imports of each other the same versioned URLs. Every module
    is preloaded: the browser fetches them all at once instead of level by level as it finds
    each module's imports (a round trip per level before the first query)."""
    page = re.sub(
        r"\{(own:)?([a-zA-Z-]+\.(?:js|css))\}",
        lambda match: versioned_url(match[2]) if match[1] else asset_url(match[2]),
        page_template("explore.html"),
    )
    modules = [name for name in source_names() if name.endswith(".js")]
    imports = {source_url(name): versioned_url(name) for name in modules}
    head = [f'    <script type="importmap">{json.dumps({"imports": imports})}</script>']
    head += [f'    <link rel="modulepreload" href="{versioned_url(name)}" />' for name in modules]
    return page.replace("{modules}", "\n".join(head))


def source_names() -> list[str]:
    """Every file of the page's own that is served."""
    return sorted(path.name for path in SOURCES.iterdir() if SOURCE_NAME.fullmatch(path.name))


@explore_router.get(EXPLORE_PATH)
async def explore() -> HTMLResponse:
    return HTMLResponse(explore_html())


@explore_router.get(f"{PREFIX}/explore/{{name}}")
async def explore_source(name: str, v: str = "") -> FileResponse:
    if not SOURCE_NAME.fullmatch(name) or not (SOURCES / name).is_file():
        raise HTTPException(status_code=404, detail="Not Found")
    media_type = MEDIA_TYPES[Path(name).suffix]
    headers = KEPT if v == source_version(name) else CHECKED
    return FileResponse(SOURCES / name, media_type=media_type, headers=headers)
