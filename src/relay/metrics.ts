import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

const NO_LABELS: Record<string, string> = Object.freeze({})
/** Label sets rendered before, by (frozen) labels object. */
const renderedLabels = new WeakMap<object, string>()

/** Labels kept per counter at most (refusal reasons are a closed set of codes; this is a backstop). */
const MAX_LABELS = 64

/**
 * Relay counters and gauges rendered in the Prometheus text format. Counters only hold
 * numbers and stable codes — never keys, ids or payloads.
 *
 * @example
 * ```ts
 * const metrics = new RelayMetrics({ mailboxes: () => store.mailboxes })
 * metrics.inc('parley_relay_deposits_total', { result: 'stored' })
 * console.log(metrics.render())
 * ```
 */
export class RelayMetrics {
  private readonly counters = new Map<string, Map<string, number>>()
  private readonly help = new Map<string, string>()

  constructor (private readonly gauges: Record<string, () => number> = {}) {
    for (const [name, text] of Object.entries(COUNTER_HELP)) { this.help.set(name, text); this.counters.set(name, new Map()) }
  }

  /** Adds `by` to a counter with optional labels (pass the same labels object to skip re-rendering them). */
  inc (name: string, labels: Record<string, string> = NO_LABELS, by = 1): void {
    let series = this.counters.get(name)
    if (series == null) { series = new Map(); this.counters.set(name, series) }
    let key = renderedLabels.get(labels)
    if (key === undefined) {
      key = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, '_')}"`).join(',')
      // labels objects are usually constants of the caller; rendered once each
      if (Object.isFrozen(labels)) renderedLabels.set(labels, key)
    }
    if (!series.has(key) && series.size >= MAX_LABELS) return
    series.set(key, (series.get(key) ?? 0) + by)
  }

  /** Current value of a counter series (tests). */
  get (name: string, labels: Record<string, string> = {}): number {
    const key = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',')
    return this.counters.get(name)?.get(key) ?? 0
  }

  /** Prometheus text exposition. */
  render (): string {
    const lines: string[] = []
    for (const [name, read] of Object.entries(this.gauges)) {
      lines.push(`# HELP ${name} ${GAUGE_HELP[name] ?? name}`, `# TYPE ${name} gauge`)
      let value = 0
      // a gauge that cannot be read shows as NaN on the scrape (its failure is visible there)
      try { value = read() } catch { value = Number.NaN }
      lines.push(`${name} ${value}`)
    }
    for (const [name, series] of this.counters) {
      lines.push(`# HELP ${name} ${this.help.get(name) ?? name}`, `# TYPE ${name} counter`)
      if (series.size === 0) lines.push(`${name} 0`)
      for (const [labels, value] of series) lines.push(labels === '' ? `${name} ${value}` : `${name}{${labels}} ${value}`)
    }
    return lines.join('\n') + '\n'
  }
}

export const COUNTER_HELP: Record<string, string> = {
  parley_relay_deposits_total: 'Envelopes deposited, by result (stored, duplicate)',
  parley_relay_fetches_total: 'Fetch requests served',
  parley_relay_fetched_envelopes_total: 'Envelopes handed to mailbox owners (fetch and push)',
  parley_relay_acked_envelopes_total: 'Envelopes deleted by owner acks',
  parley_relay_auth_total: 'Owner authentications, by result',
  parley_relay_refusals_total: 'Requests or streams refused, by reason code',
  parley_relay_stream_refusals_total: 'Mailbox streams refused by a stream cap with no idle unauthenticated stream to take the slot of, by cap (address, network, relay)',
  parley_relay_stream_evictions_total: 'Idle unauthenticated mailbox streams closed to make room for a new one, by the cap that was full (address, network, relay)',
  parley_relay_idle_streams_closed_total: 'Mailbox streams closed for idleness, by state (unauthenticated, authenticated, subscribed)',
  parley_relay_connection_refusals_total: 'Inbound connections refused because their address (or IPv6 /48) held its share, by scope (address, network)',
  parley_relay_rate_limited_total: 'Requests refused by a rate limit, by operation (deposit, deposit_bytes, prekey_upload_bytes, new_mailbox, owner, prekey) and the bucket that ran dry (peer, address, network; mailbox: a one-time prekey take answered with last-resort keys only)',
  parley_relay_quota_refusals_total: 'Deposits, prekey uploads and first logins refused by a storage quota, by quota (storage, mailboxes, mailbox_*, unowned_*, address_storage, network_storage, prekeys, prekey_bytes, address_mailboxes, network_mailboxes)',
  parley_relay_evicted_mailboxes_total: 'Mailboxes no owner had authenticated, purged to make room for an owner',
  parley_relay_evicted_provisional_mailboxes_total: 'Provisional owned mailboxes (nothing deposited; no prekeys or no second login) purged to make room for a new mailbox',
  parley_relay_prekeys_taken_total: 'Prekeys handed out, by type (one_time, last_resort)',
  parley_relay_expired_envelopes_total: 'Envelopes removed by the retention/expiry sweep',
  parley_relay_purged_mailboxes_total: 'Mailboxes purged by the sweep: owner inactivity, and provisional owned mailboxes past their short life',
  parley_relay_purged_provisional_mailboxes_total: 'Provisional owned mailboxes purged by the sweep after limits.provisionalMailboxMs',
  parley_relay_dht_refusals_total: 'DHT writes refused, by reason (rollback, full, address_full, other_full, invalid, rate_limited_peer, rate_limited_address, rate_limited_network)',
  parley_relay_dht_pruned_records_total: 'Expired DHT records dropped by the prune timer',
  parley_relay_blob_deposits_total: 'Blobs (attachments) whose upload completed',
  parley_relay_blob_deposited_bytes_total: 'Ciphertext bytes of the blobs whose upload completed',
  parley_relay_blob_served_bytes_total: 'Ciphertext bytes of blob pieces read to be served (fetches)',
  parley_relay_blob_refusals_total: 'Blob requests refused or failed, by reason code (ERR_BLOB_TOO_LARGE, ERR_BLOB_QUOTA, ERR_RATE_LIMITED, ERR_BLOB_NOT_FOUND, ERR_ATTACHMENT_CORRUPT…)',
  parley_relay_expired_blobs_total: 'Blobs removed by the retention/expiry sweep',
  parley_relay_blob_quota_refusals_total: 'Blob deposits refused for a full quota, by quota (mailbox, storage, blobs, address_bytes, address_blobs, network_bytes, network_blobs)',
  parley_relay_db_operations_total: 'Mailbox database operations (PostgreSQL store), by result (ok, unavailable, conflict: retried, other)',
  parley_relay_db_operation_seconds_total: 'Time spent in mailbox database operations (PostgreSQL store); divided by parley_relay_db_operations_total: mean latency'
}

export const GAUGE_HELP: Record<string, string> = {
  parley_relay_dht_records: 'Other people\'s DHT account records held (in memory)',
  parley_relay_dht_record_bytes: 'Bytes of other people\'s DHT account records held',
  parley_relay_mailboxes: 'Mailboxes held (with envelopes, prekeys or an owner)',
  parley_relay_unowned_mailboxes: 'Mailboxes held that no owner has authenticated',
  parley_relay_provisional_mailboxes: 'Owned mailboxes held that are provisional (nothing deposited; no prekeys or no second login)',
  parley_relay_stored_envelopes: 'Envelopes held',
  parley_relay_stored_bytes: 'Bytes held: envelopes and prekeys',
  parley_relay_reservations: 'Circuit-relay-v2 reservations held',
  parley_relay_connections: 'Open libp2p connections',
  parley_relay_mailbox_streams: 'Open mailbox streams',
  parley_relay_subscribers: 'Owners subscribed for pushes',
  parley_relay_blobs: 'Blobs (attachments) held, whole or being uploaded',
  parley_relay_blob_bytes: 'Ciphertext bytes reserved by the blobs held',
  parley_relay_blob_streams: 'Open blob streams',
  parley_relay_db_up: 'Whether the mailbox database answered the last operation (1) or not (0: deposits are refused with ERR_STORE_UNAVAILABLE, or ERR_STORAGE_FULL while a LevelDB store waits for disk space)',
  parley_relay_db_pool_size: 'Connections this relay process may open to the mailbox database (PostgreSQL store)',
  parley_relay_db_pool_connections: 'Connections of the pool open to the mailbox database now, in use or idle (PostgreSQL store)',
  parley_relay_db_pool_idle: 'Open pool connections idle now (PostgreSQL store)',
  parley_relay_db_pool_waiting: 'Database operations waiting for a pool connection (PostgreSQL store): persistently above 0, raise store.poolSize or the database\'s capacity',
  parley_relay_db_listening: 'Whether the LISTEN connection for pushes from other fleet members is up (1) or being re-opened (0) (PostgreSQL store)',
  parley_relay_channels: 'Channels whose history is kept (channels.keep set)',
  parley_relay_channel_bytes: 'Bytes of channel posts kept',
  parley_relay_tls_certificate_expiry_seconds: 'When the secure-WebSockets certificate expires (Unix time; only with tls set): alert well before it',
  process_resident_memory_bytes: 'Resident memory of the relay process (RSS)',
  nodejs_heap_used_bytes: 'V8 heap in use',
  nodejs_heap_total_bytes: 'V8 heap reserved',
  nodejs_external_memory_bytes: 'Memory of objects outside the V8 heap that it tracks (buffers included)'
}

/** Process memory gauges (Prometheus' conventional names). */
export const PROCESS_GAUGES: Record<string, () => number> = {
  process_resident_memory_bytes: () => process.memoryUsage.rss(),
  nodejs_heap_used_bytes: () => process.memoryUsage().heapUsed,
  nodejs_heap_total_bytes: () => process.memoryUsage().heapTotal,
  nodejs_external_memory_bytes: () => process.memoryUsage().external
}

export interface MetricsServer {
  /** `host:port` actually bound. */
  readonly address: string
  readonly port: number
  close: () => Promise<void>
}

/**
 * Serves `GET /metrics` (Prometheus text) and `GET /healthz` (`ok`, or 503 while `healthy()` is false).
 *
 * @example
 * ```ts
 * const server = await startMetricsServer(metrics, { host: '127.0.0.1', port: 9464, healthy: () => true })
 * ```
 */
export async function startMetricsServer (metrics: RelayMetrics, init: { host: string, port: number, healthy: () => boolean, details?: () => string[] }): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET') { res.writeHead(405).end(); return }
    if (req.url === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(metrics.render())
    } else if (req.url === '/healthz') {
      const ok = init.healthy()
      // the first line says it all; the lines after it name the parts (the mailbox database)
      const details = init.details?.() ?? []
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end([ok ? 'ok' : 'unhealthy', ...details].join('\n') + '\n')
    } else {
      res.writeHead(404).end()
    }
  })
  server.headersTimeout = 5000
  server.requestTimeout = 5000
  server.maxConnections = 64
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(init.port, init.host, () => { server.off('error', reject); resolve() })
  })
  const bound = server.address() as AddressInfo
  return {
    address: `${init.host}:${bound.port}`,
    port: bound.port,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => { resolve() }))
    }
  }
}
