import * as C from '../constants.js'
import type { RateLimit } from '../../net/rate-limiter.js'

/**
 * Every limit of a relay: the `limits` section of its config, the mailbox server's and the
 * mailbox store's limits (each takes the fields it uses). Defaults in {@link defaultRelayLimits},
 * from `constants.ts`; docs/RELAY.md describes each.
 */
export interface RelayLimits {
  /** Largest envelope accepted in a deposit. @default DEFAULT_MAX_ENVELOPE_BYTES (256 KiB) */
  maxEnvelopeBytes: number
  /** @default DEFAULT_MAILBOX_MAX_ENVELOPES */
  mailboxMaxEnvelopes: number
  /** @default DEFAULT_MAILBOX_MAX_BYTES */
  mailboxMaxBytes: number
  /** @default DEFAULT_STORAGE_MAX_BYTES */
  storageMaxBytes: number
  /** @default DEFAULT_MAX_MAILBOXES */
  maxMailboxes: number
  /** @default DEFAULT_MAX_PREKEYS_PER_MAILBOX */
  maxPrekeysPerMailbox: number
  /** Bytes of prekeys (one-time and last-resort) one mailbox may hold. @default DEFAULT_MAILBOX_PREKEY_MAX_BYTES (160 KiB) */
  mailboxPrekeyMaxBytes: number
  /** Owned mailboxes one remote address may have created and the relay still holds (an IPv6 /48: 8 ×). @default DEFAULT_OWNED_MAILBOXES_PER_ADDRESS */
  ownedMailboxesPerAddress: number
  /** New owned mailboxes (first owner logins) per remote address; null turns it off. @default DEFAULT_OWNED_MAILBOX_RATE_PER_ADDRESS */
  ownedMailboxRatePerAddress: RateLimit | null
  /** An owned mailbox nothing was deposited to, and without prekeys or a second login, is purged after this. @default DEFAULT_PROVISIONAL_MAILBOX_MS (72 h) */
  provisionalMailboxMs: number
  /** @default DEFAULT_RETENTION_MS (30 days) */
  retentionMs: number
  /** @default DEFAULT_SECRET_MAX_MS (24 h) */
  secretMaxMs: number
  /** Per remote peer. @default DEFAULT_DEPOSIT_RATE */
  depositRate: RateLimit
  /** @default DEFAULT_FETCH_RATE */
  fetchRate: RateLimit
  /** @default DEFAULT_PREKEY_RATE */
  prekeyRate: RateLimit
  /** Per remote address (IPv4, or IPv6 /64) across all its PeerIds; null turns one off. @default DEFAULT_DEPOSIT_RATE_PER_ADDRESS */
  depositRatePerAddress: RateLimit | null
  /** @default DEFAULT_FETCH_RATE_PER_ADDRESS */
  fetchRatePerAddress: RateLimit | null
  /** @default DEFAULT_PREKEY_RATE_PER_ADDRESS */
  prekeyRatePerAddress: RateLimit | null
  /** Addresses and CIDR ranges the per-address limits skip. @default DEFAULT_ADDRESS_LIMIT_EXEMPT (loopback) */
  addressLimitExempt: string[]
  /** Other people's DHT records held in memory: overall and per remote address, in count and bytes. @default DEFAULT_DHT_MAX_RECORDS */
  dhtMaxRecords: number
  /** @default DEFAULT_DHT_MAX_RECORD_BYTES */
  dhtMaxRecordBytes: number
  /** @default DEFAULT_DHT_MAX_RECORDS_PER_ADDRESS */
  dhtMaxRecordsPerAddress: number
  /** @default DEFAULT_DHT_MAX_RECORD_BYTES_PER_ADDRESS */
  dhtMaxRecordBytesPerAddress: number
  /** DHT PUT_VALUE requests per remote peer. @default DEFAULT_DHT_PUT_RATE */
  dhtPutRate: RateLimit
  /** …and per remote address (null: off). @default DEFAULT_DHT_PUT_RATE_PER_ADDRESS */
  dhtPutRatePerAddress: RateLimit | null
  /** Deposited envelope bytes per remote address (token bucket over bytes); null turns it off. @default DEFAULT_DEPOSIT_BYTE_RATE_PER_ADDRESS */
  depositByteRatePerAddress: RateLimit | null
  /** Envelope bytes one remote address may have stored at once (an IPv6 /48: 8 ×). @default DEFAULT_STORED_BYTES_PER_ADDRESS */
  storedBytesPerAddress: number
  /** Mailboxes no owner has authenticated held at once. @default DEFAULT_MAX_UNOWNED_MAILBOXES */
  maxUnownedMailboxes: number
  /** @default DEFAULT_UNOWNED_MAILBOX_MAX_ENVELOPES */
  unownedMailboxMaxEnvelopes: number
  /** @default DEFAULT_UNOWNED_MAILBOX_MAX_BYTES */
  unownedMailboxMaxBytes: number
  /** Retention of envelopes deposited to a mailbox no owner has authenticated. @default DEFAULT_UNOWNED_RETENTION_MS (48 h) */
  unownedRetentionMs: number
  /** One-time prekeys handed out per target mailbox, all takers together. @default DEFAULT_MAILBOX_PREKEY_RATE */
  mailboxPrekeyRate: RateLimit
  /** @default DEFAULT_MAX_STREAMS */
  maxStreams: number
  /** @default DEFAULT_MAX_STREAMS_PER_CONNECTION */
  maxStreamsPerConnection: number
  /** Mailbox streams per remote address (IPv4, IPv6 /64; a /48 gets NETWORK_SLOT_FACTOR times as many). @default DEFAULT_MAX_STREAMS_PER_ADDRESS */
  maxStreamsPerAddress: number
  /** Inbound connections per remote address (IPv4, IPv6 /64; a /48 gets NETWORK_SLOT_FACTOR times as many). @default DEFAULT_MAX_CONNECTIONS_PER_ADDRESS */
  maxConnectionsPerAddress: number
  /** @default DEFAULT_FRAME_TIMEOUT_MS */
  frameTimeoutMs: number
  /** @default DEFAULT_IDLE_TIMEOUT_MS */
  idleTimeoutMs: number
  /** An unauthenticated stream closes this long after it opened or last deposited; `get_challenge` does not extend it. @default DEFAULT_UNAUTHENTICATED_IDLE_TIMEOUT_MS */
  unauthenticatedIdleTimeoutMs: number
  /** @default DEFAULT_SUBSCRIBE_IDLE_TIMEOUT_MS */
  subscribeIdleTimeoutMs: number
  /** Largest file deposited as a blob, in plaintext bytes (refused before its upload). @default DEFAULT_BLOB_MAX_BYTES (100 MiB) */
  blobMaxBytes: number
  /** Blob bytes held for one mailbox. @default DEFAULT_BLOB_MAILBOX_MAX_BYTES (256 MiB) */
  blobMailboxMaxBytes: number
  /** Blob bytes the relay holds. @default DEFAULT_BLOB_STORAGE_MAX_BYTES (20 GiB) */
  blobStorageMaxBytes: number
  /** Blobs the relay holds. @default DEFAULT_BLOB_MAX_BLOBS */
  blobMaxBlobs: number
  /** Longest a blob is kept, never past its deposit's expiry. @default DEFAULT_BLOB_RETENTION_MS (30 days) */
  blobRetentionMs: number
  /** Blob requests per remote peer. @default DEFAULT_BLOB_REQUEST_RATE */
  blobRequestRate: RateLimit
  /** …per remote address (null: off). @default DEFAULT_BLOB_REQUEST_RATE_PER_ADDRESS */
  blobRequestRatePerAddress: RateLimit | null
  /** Uploaded blob bytes per remote address (null: off). @default DEFAULT_BLOB_BYTE_RATE_PER_ADDRESS */
  blobByteRatePerAddress: RateLimit | null
  /** Blob bytes held for one remote address's deposits (IPv6 /48: 8 ×). @default DEFAULT_BLOB_STORED_BYTES_PER_ADDRESS (1 GiB) */
  blobStoredBytesPerAddress: number
  /** Blobs held for one remote address's deposits (IPv6 /48: 8 ×). @default DEFAULT_BLOBS_PER_ADDRESS */
  blobsPerAddress: number
  /** Blob streams open at once per remote address. @default DEFAULT_BLOB_MAX_STREAMS_PER_ADDRESS */
  blobMaxStreamsPerAddress: number
  /** An upload with no piece for this long is dropped. @default DEFAULT_BLOB_UPLOAD_IDLE_MS (30 s) */
  blobUploadIdleMs: number
  /** Grace of the whole-upload deadline. @default DEFAULT_BLOB_UPLOAD_GRACE_MS (60 s) */
  blobUploadGraceMs: number
  /** Slowest average upload rate kept (bytes/s). @default DEFAULT_BLOB_UPLOAD_MIN_BYTES_PER_SECOND (16 KiB/s) */
  blobUploadMinBytesPerSecond: number
}

/**
 * The mailbox server's limits: the same type as the config's (one set of fields, one set of
 * defaults); the server reads the fields it uses.
 */
export type MailboxLimits = RelayLimits

/**
 * The default of every limit (fresh objects: callers may change them).
 *
 * @example
 * ```ts
 * const limits = { ...defaultRelayLimits(), retentionMs: 86_400_000 }
 * ```
 */
export function defaultRelayLimits (): RelayLimits {
  return {
    maxEnvelopeBytes: C.DEFAULT_MAX_ENVELOPE_BYTES,
    mailboxMaxEnvelopes: C.DEFAULT_MAILBOX_MAX_ENVELOPES,
    mailboxMaxBytes: C.DEFAULT_MAILBOX_MAX_BYTES,
    storageMaxBytes: C.DEFAULT_STORAGE_MAX_BYTES,
    maxMailboxes: C.DEFAULT_MAX_MAILBOXES,
    maxPrekeysPerMailbox: C.DEFAULT_MAX_PREKEYS_PER_MAILBOX,
    mailboxPrekeyMaxBytes: C.DEFAULT_MAILBOX_PREKEY_MAX_BYTES,
    ownedMailboxesPerAddress: C.DEFAULT_OWNED_MAILBOXES_PER_ADDRESS,
    ownedMailboxRatePerAddress: { ...C.DEFAULT_OWNED_MAILBOX_RATE_PER_ADDRESS },
    provisionalMailboxMs: C.DEFAULT_PROVISIONAL_MAILBOX_MS,
    retentionMs: C.DEFAULT_RETENTION_MS,
    secretMaxMs: C.DEFAULT_SECRET_MAX_MS,
    depositRate: { ...C.DEFAULT_DEPOSIT_RATE },
    fetchRate: { ...C.DEFAULT_FETCH_RATE },
    prekeyRate: { ...C.DEFAULT_PREKEY_RATE },
    depositRatePerAddress: { ...C.DEFAULT_DEPOSIT_RATE_PER_ADDRESS },
    fetchRatePerAddress: { ...C.DEFAULT_FETCH_RATE_PER_ADDRESS },
    prekeyRatePerAddress: { ...C.DEFAULT_PREKEY_RATE_PER_ADDRESS },
    addressLimitExempt: [...C.DEFAULT_ADDRESS_LIMIT_EXEMPT],
    dhtMaxRecords: C.DEFAULT_DHT_MAX_RECORDS,
    dhtMaxRecordBytes: C.DEFAULT_DHT_MAX_RECORD_BYTES,
    dhtMaxRecordsPerAddress: C.DEFAULT_DHT_MAX_RECORDS_PER_ADDRESS,
    dhtMaxRecordBytesPerAddress: C.DEFAULT_DHT_MAX_RECORD_BYTES_PER_ADDRESS,
    dhtPutRate: { ...C.DEFAULT_DHT_PUT_RATE },
    dhtPutRatePerAddress: { ...C.DEFAULT_DHT_PUT_RATE_PER_ADDRESS },
    depositByteRatePerAddress: { ...C.DEFAULT_DEPOSIT_BYTE_RATE_PER_ADDRESS },
    storedBytesPerAddress: C.DEFAULT_STORED_BYTES_PER_ADDRESS,
    maxUnownedMailboxes: C.DEFAULT_MAX_UNOWNED_MAILBOXES,
    unownedMailboxMaxEnvelopes: C.DEFAULT_UNOWNED_MAILBOX_MAX_ENVELOPES,
    unownedMailboxMaxBytes: C.DEFAULT_UNOWNED_MAILBOX_MAX_BYTES,
    unownedRetentionMs: C.DEFAULT_UNOWNED_RETENTION_MS,
    mailboxPrekeyRate: { ...C.DEFAULT_MAILBOX_PREKEY_RATE },
    maxStreams: C.DEFAULT_MAX_STREAMS,
    maxStreamsPerConnection: C.DEFAULT_MAX_STREAMS_PER_CONNECTION,
    maxStreamsPerAddress: C.DEFAULT_MAX_STREAMS_PER_ADDRESS,
    maxConnectionsPerAddress: C.DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
    frameTimeoutMs: C.DEFAULT_FRAME_TIMEOUT_MS,
    idleTimeoutMs: C.DEFAULT_IDLE_TIMEOUT_MS,
    unauthenticatedIdleTimeoutMs: C.DEFAULT_UNAUTHENTICATED_IDLE_TIMEOUT_MS,
    subscribeIdleTimeoutMs: C.DEFAULT_SUBSCRIBE_IDLE_TIMEOUT_MS,
    blobMaxBytes: C.DEFAULT_BLOB_MAX_BYTES,
    blobMailboxMaxBytes: C.DEFAULT_BLOB_MAILBOX_MAX_BYTES,
    blobStorageMaxBytes: C.DEFAULT_BLOB_STORAGE_MAX_BYTES,
    blobMaxBlobs: C.DEFAULT_BLOB_MAX_BLOBS,
    blobRetentionMs: C.DEFAULT_BLOB_RETENTION_MS,
    blobRequestRate: { ...C.DEFAULT_BLOB_REQUEST_RATE },
    blobRequestRatePerAddress: { ...C.DEFAULT_BLOB_REQUEST_RATE_PER_ADDRESS },
    blobByteRatePerAddress: { ...C.DEFAULT_BLOB_BYTE_RATE_PER_ADDRESS },
    blobStoredBytesPerAddress: C.DEFAULT_BLOB_STORED_BYTES_PER_ADDRESS,
    blobsPerAddress: C.DEFAULT_BLOBS_PER_ADDRESS,
    blobMaxStreamsPerAddress: C.DEFAULT_BLOB_MAX_STREAMS_PER_ADDRESS,
    blobUploadIdleMs: C.DEFAULT_BLOB_UPLOAD_IDLE_MS,
    blobUploadGraceMs: C.DEFAULT_BLOB_UPLOAD_GRACE_MS,
    blobUploadMinBytesPerSecond: C.DEFAULT_BLOB_UPLOAD_MIN_BYTES_PER_SECOND
  }
}

/** {@link defaultRelayLimits} under the mailbox server's name. */
export const defaultMailboxLimits = defaultRelayLimits
