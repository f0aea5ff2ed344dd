"""`/`: the predecessor's welcome, which legacy clients use as a health check; a browser asking
for HTML is sent to the explorer instead (ui/explore.py serves it)."""

from __future__ import annotations

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse, RedirectResponse, Response

WELCOME = {"message": "Log Aggregation Service is up and running"}
EXPLORER = "/explore"  # tests/rest/test_welcome.py pins it to ui.explore.EXPLORE_PATH
# Either answer depends on Accept: caches must keep them apart.
VARY = {"vary": "Accept"}

router = APIRouter(tags=["welcome"])


def _quality(accept: str, media_type: str) -> float:
    """The q the Accept header gives `media_type`, from its most specific matching range."""
    kind = media_type.split("/")[0]
    found: dict[str, float] = {}
    for part in accept.lower().split(","):
        media, *params = (item.strip() for item in part.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        found.setdefault(media, q)
    for candidate in (media_type, f"{kind}/*", "*/*"):
        if candidate in found:
            return found[candidate]
    return 0.0


def prefers_html(accept: str | None) -> bool:
    """Whether the client ranks HTML above JSON. Browsers name text/html and take JSON only
    through `*/*`; API clients send JSON, `*/*` or nothing, and a tie keeps the legacy JSON."""
    if not accept:
        return False
    return _quality(accept, "text/html") > _quality(accept, "application/json")


@router.get(
    "/",
    summary="The legacy welcome message",
    response_model=dict[str, str],
    responses={307: {"description": "A browser asking for HTML is sent to the explorer."}},
)
async def welcome(accept: str | None = Header(default=None, include_in_schema=False)) -> Response:
    if prefers_html(accept):
        return RedirectResponse(EXPLORER, status_code=307, headers=VARY)
    return JSONResponse(WELCOME, headers=VARY)
