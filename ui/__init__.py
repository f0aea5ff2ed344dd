"""Browser pages and the assets lograph serves itself (GraphiQL, Swagger UI, ReDoc, the
explorer's uPlot and graphql-ws), installed by npm into
`ui/node_modules` from the pinned `ui/package-lock.json`: no CDN at run time."""

from ui.assets import asset_url, assets_router, missing_assets, page_template
from ui.explore import explore_router

__all__ = ["asset_url", "assets_router", "explore_router", "missing_assets", "page_template"]
