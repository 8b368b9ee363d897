import type { RateLimit } from './rate-limiter.js'

/**
 * Bounds on what other peers may store in this node's share of the DHT (account records from
 * PUT_VALUE, provider records) and how fast they may ask. Records of this node's own account
 * are exempt from the count and byte caps (never from the rollback rule).
 */
export interface DhtRecordLimits {
  /** Foreign account records held at once. */
  maxRecords: number
  /** Bytes of foreign account records held at once (serialized kad records). */
  maxRecordBytes: number
  /** Records one remote address (IPv4, IPv6 /64) may have stored here at once, across its PeerIds. */
  maxRecordsPerAddress: number
  /** Bytes one remote address may have stored here at once. */
  maxRecordBytesPerAddress: number
  /**
   * Records one IPv6 /48 may have stored here at once, across its /64s (a /48 holds 65,536 of
   * them: without this, one site fills the overall cap). @default 2 × `maxRecordsPerAddress`
   */
  maxRecordsPerNetwork?: number
  /** Bytes one IPv6 /48 may have stored here at once. @default 2 × `maxRecordBytesPerAddress` */
  maxRecordBytesPerNetwork?: number
  /** Other DHT entries (provider records) held at once; this node's own are exempt. */
  maxOtherEntries: number
  /** PUT_VALUE requests per remote PeerId. */
  putRate: RateLimit
  /** PUT_VALUE requests per remote address across all its PeerIds; null turns it off. */
  putRatePerAddress: RateLimit | null
  /** How often records past their `expires_at` are dropped, in ms. */
  pruneIntervalMs: number
}

/** The /48 share, as a multiple of the per-address share, when the limits name none. */
export const NETWORK_SHARE_FACTOR = 2

/**
 * Defaults for a user's device (daemon): a small share, since it is a DHT server on the side.
 * The /48 share is left to its default (2 × the per-address share: 256 records, 2 MiB), so that
 * limits merged over these (a relay's) scale it with their own per-address share.
 */
export const DEVICE_DHT_RECORD_LIMITS: Readonly<DhtRecordLimits> = Object.freeze({
  maxRecords: 1024,
  maxRecordBytes: 8 * 1024 * 1024,
  maxRecordsPerAddress: 128,
  maxRecordBytesPerAddress: 1024 * 1024,
  maxOtherEntries: 4096,
  putRate: Object.freeze({ perSecond: 1, burst: 30 }),
  putRatePerAddress: Object.freeze({ perSecond: 5, burst: 200 }),
  pruneIntervalMs: 10 * 60_000
})
