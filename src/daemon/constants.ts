/** Default address of the local API and web UI. */
export const DEFAULT_API_HOST = '127.0.0.1'
/** Default port of the local API and web UI. */
export const DEFAULT_API_PORT = 7733
/** Hosts that count as this machine only. */
export const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost', '::1', '[::1]'])
