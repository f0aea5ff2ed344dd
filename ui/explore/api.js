// The public GraphQL API over HTTP and WebSocket, with the tab's API key when there is one.

const KEY_STORAGE = "lograph.apiKey";
const ENDPOINT = "/graphql";

/** A failed request; `code` is the GraphQL error code (UNAUTHENTICATED, FORBIDDEN, ...). */
export class ApiError extends Error {
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}

export function apiKey() {
  return sessionStorage.getItem(KEY_STORAGE) || "";
}

export function setApiKey(key) {
  if (key) sessionStorage.setItem(KEY_STORAGE, key);
  else sessionStorage.removeItem(KEY_STORAGE);
}

function headers() {
  const sent = { "content-type": "application/json", accept: "application/json" };
  if (apiKey()) sent["x-api-key"] = apiKey();
  return sent;
}

const STATUS_CODES = { 401: "UNAUTHENTICATED", 403: "FORBIDDEN" };

/** The `data` of one query; an ApiError naming the first error otherwise. */
export async function request(query, variables = {}, signal = undefined) {
  const response = await fetch(ENDPOINT, {
    method: "POST",
    headers: headers(),
    body: JSON.stringify({ query, variables }),
    signal,
  });
  let body = null;
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`the server answered ${response.status}`, STATUS_CODES[response.status]);
  }
  const error = body.errors?.[0] || (!response.ok && { message: body.detail || response.status });
  if (error) {
    const code = error.extensions?.code || STATUS_CODES[response.status];
    throw new ApiError(String(error.message), code);
  }
  return body.data;
}

/** A graphql-ws client for this server that sends the key in `connection_init`; it does not
 * retry by itself: the callers resume from their own cursors. */
export function socketClient({ onClosed }) {
  const url = new URL(ENDPOINT, location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return window.graphqlWs.createClient({
    url: url.toString(),
    lazy: true,
    retryAttempts: 0,
    connectionParams: () => (apiKey() ? { apiKey: apiKey() } : {}),
    on: { closed: (event) => onClosed?.(event) },
  });
}
