// Every GraphQL document the explorer sends, in one place; tests/ui/test_explore_documents.py
// validates each against schema.graphql.

// Rows in lists carry no metadata: a hundred thousand scrolled rows would hold it all in
// memory (about half of each row), and only an opened log shows it.
const ROW_FIELDS = "id timestamp level service message";
const LOG_FIELDS = "id timestamp level service message metadata";

export const FIRST_PAGE = `query ExploreFirstPage($filter: LogFilter, $first: Int, $order: SortOrder) {
  logsConnection(filter: $filter, first: $first, order: $order) {
    tailCursor
    edges { cursor node { ${ROW_FIELDS} } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export const NEXT_PAGE = `query ExploreNextPage($filter: LogFilter, $first: Int, $after: String, $order: SortOrder) {
  logsConnection(filter: $filter, first: $first, after: $after, order: $order) {
    edges { cursor node { ${ROW_FIELDS} } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export const HISTOGRAM = `query ExploreHistogram($filter: LogFilter, $interval: HistogramInterval!) {
  histogram(filter: $filter, interval: $interval) { start count byLevel { level count } }
}`;

export const PATTERNS = `query ExplorePatterns($filter: LogFilter, $first: Int, $interval: HistogramInterval!) {
  patterns(filter: $filter, first: $first, order: COUNT_DESC) {
    id service template count
    histogram(interval: $interval) { count }
  }
}`;

export const FACETS = `query ExploreFacets($filter: LogFilter) {
  stats(filter: $filter) {
    totalLogs
    byLevel { level count }
    byService { service count }
  }
}`;

export const CONTEXT_BEFORE = `query ExploreContextBefore($filter: LogFilter, $cursor: String!, $size: Int!, $order: SortOrder) {
  logsConnection(filter: $filter, last: $size, before: $cursor, order: $order) {
    edges { cursor node { ${ROW_FIELDS} } }
  }
}`;

export const CONTEXT_AFTER = `query ExploreContextAfter($filter: LogFilter, $cursor: String!, $size: Int!, $order: SortOrder) {
  logsConnection(filter: $filter, first: $size, after: $cursor, order: $order) {
    edges { cursor node { ${ROW_FIELDS} } }
  }
}`;

export const LOG_AT = `query ExploreLogAt($filter: LogFilter, $order: SortOrder) {
  logsConnection(filter: $filter, first: 1000, order: $order) {
    edges { cursor node { ${ROW_FIELDS} } }
  }
}`;

export const TAIL = `subscription ExploreTail($filter: LogFilter, $after: String) {
  logs(filter: $filter, after: $after) { cursor node { ${ROW_FIELDS} } }
}`;

const ALERT_FIELDS = "id rule count threshold windowSeconds firedAt level service";

export const ALERTS = `query ExploreAlerts {
  alertRules {
    name level minLevel service messageContains threshold windowSeconds cooldownSeconds
  }
  alerts(limit: 20) { ${ALERT_FIELDS} }
}`;

export const ALERTS_LIVE = `subscription ExploreAlertsLive {
  alerts { ${ALERT_FIELDS} }
}`;

export const LOG = `query ExploreLog($id: ID!) {
  log(id: $id) { ${LOG_FIELDS} }
}`;
