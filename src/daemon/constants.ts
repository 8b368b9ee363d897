/** Default address of the local API and web UI. */
export const DEFAULT_API_HOST = '127.0.0.1'
/** Default port of the local API and web UI. */
export const DEFAULT_API_PORT = 7733
/** Hosts that count as this machine only. */
export const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost', '::1', '[::1]'])
/** Most simultaneous connections the local API accepts; more are refused at once. */
export const DEFAULT_API_MAX_CONNECTIONS = 128
/** A connection must have sent its request headers within this time (ms). */
export const DEFAULT_API_HEADERS_TIMEOUT_MS = 10_000
/** A connection must have sent its whole request within this time (ms). */
export const DEFAULT_API_REQUEST_TIMEOUT_MS = 30_000
/** An idle kept-alive connection is closed after this time (ms). */
export const DEFAULT_API_KEEP_ALIVE_TIMEOUT_MS = 5_000
/** How often the header and request timeouts are checked (ms). */
export const DEFAULT_API_TIMEOUT_CHECK_INTERVAL_MS = 1_000
/** Time a running daemon has to answer `/v1/status` before it counts as not running (ms). */
export const DAEMON_PROBE_TIMEOUT_MS = 2000
