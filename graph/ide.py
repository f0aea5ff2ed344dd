"""GraphiQL at `/graphql` in a browser: served from `ui/`, with an example query ready to run."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from functools import cache

from ui import asset_url, page_template

EXAMPLE_QUERY = """# lograph: the newest warnings and errors of the last day, and their counts.
# $since is set in the Variables pane below; press the run button (or Ctrl-Enter).
query RecentProblems($since: DateTime) {
  logs(filter: {minLevel: WARN, startTime: $since}, limit: 20) {
    id
    timestamp
    level
    service
    message
    metadata
  }
  stats(filter: {minLevel: WARN, startTime: $since}) {
    totalLogs
    byService { service count }
  }
}
"""


@cache
def _template() -> str:
    """The page with asset URLs filled in; the example goes in per request."""
    return re.sub(
        r"\{([a-z-]+\.(?:js|css))\}",
        lambda match: asset_url(match[1]),
        page_template("graphiql.html"),
    )


def _script_literal(value: object) -> str:
    """A JSON value that is safe inside a <script> element."""
    return json.dumps(value).replace("<", "\\u003c")


def example_variables(now: datetime | None = None) -> str:
    """The example's variables: `since` one day before now, so it shows the last day."""
    since = (now or datetime.now(UTC)) - timedelta(days=1)
    return json.dumps({"since": since.isoformat(timespec="seconds")}, indent=2)


def graphiql_html(now: datetime | None = None) -> str:
    """GraphiQL with its explorer plugin, preloaded with the example and its variables."""
    return (
        _template()
        .replace("{EXAMPLE_QUERY}", _script_literal(EXAMPLE_QUERY))
        .replace("{EXAMPLE_VARIABLES}", _script_literal(example_variables(now)))
    )
