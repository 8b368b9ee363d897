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
  /** Other DHT entries (provider records) held at once; this node's own are exempt. */
  maxOtherEntries: number
  /** PUT_VALUE requests per remote PeerId. */
  putRate: RateLimit
  /** PUT_VALUE requests per remote address across all its PeerIds; null turns it off. */
  putRatePerAddress: RateLimit | null
  /** How often records past their `expires_at` are dropped, in ms. */
  pruneIntervalMs: number
}

/** Defaults for a user's device (daemon): a small share, since it is a DHT server on the side. */
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
