/** Defaults of every relay limit. Each is overridable in the relay config (docs/RELAY.md). */

import {
  DEFAULT_BLOB_UPLOAD_GRACE_MS as NET_BLOB_UPLOAD_GRACE_MS, DEFAULT_BLOB_UPLOAD_IDLE_MS as NET_BLOB_UPLOAD_IDLE_MS,
  DEFAULT_BLOB_UPLOAD_MIN_BYTES_PER_SECOND as NET_BLOB_UPLOAD_MIN_BYTES_PER_SECOND
} from '../net/blob-constants.js'

const KiB = 1024
const MiB = 1024 * KiB
const HOUR = 3600 * 1000
const DAY = 24 * HOUR

/** Largest envelope (Envelope protobuf bytes) accepted in a deposit. */
export const DEFAULT_MAX_ENVELOPE_BYTES = 256 * KiB
/** Envelopes one mailbox may hold. */
export const DEFAULT_MAILBOX_MAX_ENVELOPES = 10_000
/** Bytes one mailbox may hold. */
export const DEFAULT_MAILBOX_MAX_BYTES = 64 * MiB
/** Bytes of envelopes the whole relay may hold. */
export const DEFAULT_STORAGE_MAX_BYTES = 10 * 1024 * MiB
/** Mailboxes (device keys) the relay tracks at once. */
export const DEFAULT_MAX_MAILBOXES = 1_000_000
/** How long an envelope is kept at most (never past its own `expires_at`). */
export const DEFAULT_RETENTION_MS = 30 * DAY
/** Database connections per relay process with a PostgreSQL store (`store.poolSize`). */
export const DEFAULT_PG_POOL_SIZE = 10
/** Secret-chat envelopes (flags bit 0): held until first fetch, and at most this long. */
export const DEFAULT_SECRET_MAX_MS = 24 * HOUR
/** Envelope flag bit marking a secret-chat envelope. */
export const SECRET_FLAG = 1

/** Deposits per second per remote peer (token bucket rate) and burst. */
export const DEFAULT_DEPOSIT_RATE = { perSecond: 50, burst: 200 }
/** Owner requests (fetch, ack, subscribe, auth) per second per remote peer, and burst. */
export const DEFAULT_FETCH_RATE = { perSecond: 50, burst: 200 }
/** Prekey bundle requests per second per remote peer, and burst. */
export const DEFAULT_PREKEY_RATE = { perSecond: 5, burst: 20 }
/**
 * The same three limits per remote address (an IPv4 address or an IPv6 /64), across every
 * PeerId it uses: sealed-sender deposits come from throwaway PeerIds, so the per-peer buckets
 * alone never stop a flood from one host. Ten peers' worth; `null` in the config turns one off.
 */
export const DEFAULT_DEPOSIT_RATE_PER_ADDRESS = { perSecond: 500, burst: 2000 }
export const DEFAULT_FETCH_RATE_PER_ADDRESS = { perSecond: 500, burst: 2000 }
export const DEFAULT_PREKEY_RATE_PER_ADDRESS = { perSecond: 50, burst: 200 }
/**
 * Remote addresses the per-address limits skip: loopback, where a TLS proxy on the same host
 * (nginx, Caddy in front of the WebSocket port) makes every client arrive from.
 */
export const DEFAULT_ADDRESS_LIMIT_EXEMPT = ['127.0.0.0/8', '::1'] as const
/**
 * Envelope bytes per second one remote address may deposit (token bucket over bytes, across
 * every PeerId it uses; an IPv6 /48 gets 8 ×). Counting requests alone let 16 throwaway PeerIds
 * fill a 1 GiB cap in 22 s with 256 KiB envelopes. `null` in the config turns it off.
 */
export const DEFAULT_DEPOSIT_BYTE_RATE_PER_ADDRESS = { perSecond: 2 * MiB, burst: 64 * MiB }
/**
 * Envelope bytes one remote address may have stored at once (what it deposited and is still
 * held; an IPv6 /48 gets 8 ×): 1/64 of the default storage cap, so one host cannot fill it.
 */
export const DEFAULT_STORED_BYTES_PER_ADDRESS = 160 * MiB
/** Mailboxes no owner has ever authenticated (deposits only) held at once. */
export const DEFAULT_MAX_UNOWNED_MAILBOXES = 100_000
/** Bytes one unowned mailbox may hold. */
export const DEFAULT_UNOWNED_MAILBOX_MAX_BYTES = 4 * MiB
/** Envelopes one unowned mailbox may hold. */
export const DEFAULT_UNOWNED_MAILBOX_MAX_ENVELOPES = 500
/** Longest an envelope deposited to an unowned mailbox is kept. */
export const DEFAULT_UNOWNED_RETENTION_MS = 48 * HOUR
/**
 * One-time prekeys handed out per target mailbox (token bucket, all takers together); past it a
 * take gets the last-resort keys only, so a stranger cannot empty a device's pool.
 */
export const DEFAULT_MAILBOX_PREKEY_RATE = { perSecond: 0.01, burst: 10 }
/** Remote peers whose buckets are remembered (least recently used are forgotten). */
export const RATE_LIMITER_MAX_KEYS = 50_000

/** Mailbox streams open at once on the whole relay. */
export const DEFAULT_MAX_STREAMS = 1024
/** Deposits (and prekey takes) handled at once on one stream. */
export const MAX_CONCURRENT_PER_STREAM = 16
/** Mailbox streams open at once per connection. */
export const DEFAULT_MAX_STREAMS_PER_CONNECTION = 8
/**
 * Mailbox streams open at once per remote address (an IPv4 address or an IPv6 /64) across all
 * its PeerIds and connections: a sixteenth of the relay, so one host cannot hold them all.
 */
export const DEFAULT_MAX_STREAMS_PER_ADDRESS = 64
/** Inbound connections open at once per remote address (IPv4, IPv6 /64): throwaway PeerIds cost nothing. */
export const DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 32
/** How many times an address's stream and connection caps an IPv6 /48 gets. */
export const NETWORK_SLOT_FACTOR = 4
/**
 * A stream that has not authenticated closes this long after it was opened or last deposited
 * (or took a prekey), however many other requests (`get_challenge`) it sends.
 */
export const DEFAULT_UNAUTHENTICATED_IDLE_TIMEOUT_MS = 10_000
/** Circuit-relay-v2 reservations held at once. */
export const DEFAULT_MAX_RESERVATIONS = 128
/** Connections held at once. */
export const DEFAULT_MAX_CONNECTIONS = 1000

/** A started frame must be complete within this time. */
export const DEFAULT_FRAME_TIMEOUT_MS = 10_000
/** A stream with no request (and no subscription) for this long is closed. */
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000
/** A subscribed stream with no request is closed after this long (the owner re-subscribes). */
export const DEFAULT_SUBSCRIBE_IDLE_TIMEOUT_MS = 15 * 60_000
/** Pushes queued for one slow subscriber before it is dropped. */
export const MAX_QUEUED_PUSHES = 256

/** A challenge is valid this long after issue. */
export const CHALLENGE_TTL_MS = 60_000
/** Used nonces remembered to report replays (bounded; older ones are expired by the TTL anyway). */
export const USED_NONCE_MEMORY = 100_000

/** Envelopes per fetch page at most, and the page's byte budget. */
export const MAX_FETCH_PAGE = 500
export const DEFAULT_FETCH_PAGE = 100
export const MAX_FETCH_PAGE_BYTES = 2 * MiB

/** One-time prekeys a mailbox may hold (all kinds together). */
export const DEFAULT_MAX_PREKEYS_PER_MAILBOX = 500
/**
 * Bytes of prekeys (one-time and last-resort, as stored) a mailbox may hold: 100 one-time keys
 * of each kind and the last-resort keys fit (an ML-KEM key with its signature is about 1.3 KB;
 * clients keep 20 of each kind at a relay, about 26 KB).
 */
export const DEFAULT_MAILBOX_PREKEY_MAX_BYTES = 160 * KiB
/**
 * Owned mailboxes (first owner login here) one remote address may have created and the relay
 * still holds (an IPv6 /48: 8 ×): a throwaway account logs in for free, so without it one host
 * could fill `maxMailboxes`. Counted per relay process, like the stored-byte shares.
 */
export const DEFAULT_OWNED_MAILBOXES_PER_ADDRESS = 10_000
/** New owned mailboxes per second one remote address may create (token bucket; an IPv6 /48: 8 ×). */
export const DEFAULT_OWNED_MAILBOX_RATE_PER_ADDRESS = { perSecond: 0.1, burst: 100 }
/**
 * How long an owned mailbox stays while it is provisional: nothing was ever deposited to it, and
 * it holds no prekeys or its owner never authenticated again since the first time. Purged by the
 * sweep after this (the owner's next login re-creates it); the first to go at `maxMailboxes`.
 */
export const DEFAULT_PROVISIONAL_MAILBOX_MS = 72 * HOUR

/** How often the retention and inactivity sweeps run. */
export const DEFAULT_SWEEP_INTERVAL_MS = 10 * 60_000
/** Days used when an owner never authenticated (mailbox with deposits only) — its envelopes expire by retention anyway. */
export const DEFAULT_INACTIVITY_DAYS = 180
export const DAY_MS = DAY

/** How often the relay re-announces itself as a provider of the relay key. */
export const DEFAULT_PROVIDE_INTERVAL_MS = 6 * HOUR

/** Metrics HTTP server. */
export const DEFAULT_METRICS_HOST = '127.0.0.1'
export const DEFAULT_METRICS_PORT = 9464

/** Listen addresses when the config gives none. */
export const DEFAULT_LISTEN = ['/ip4/0.0.0.0/tcp/4001', '/ip4/0.0.0.0/tcp/4002/ws']

/** Time allowed for in-flight requests to finish at shutdown. */
export const SHUTDOWN_GRACE_MS = 5000

/** Inbound connections in their Noise/yamux upgrade at once (libp2p's default of 10 resets bursts). */
export const RELAY_MAX_PENDING_CONNECTIONS = 256

/**
 * Other people's DHT account records a relay holds (in memory), overall and per remote address
 * (IPv4, IPv6 /64) across its PeerIds, and PUT_VALUE requests per remote peer and per address.
 */
export const DEFAULT_DHT_MAX_RECORDS = 8192
export const DEFAULT_DHT_MAX_RECORD_BYTES = 32 * 1024 * 1024
export const DEFAULT_DHT_MAX_RECORDS_PER_ADDRESS = 512
export const DEFAULT_DHT_MAX_RECORD_BYTES_PER_ADDRESS = 2 * 1024 * 1024
export const DEFAULT_DHT_PUT_RATE = { perSecond: 1, burst: 30 }
export const DEFAULT_DHT_PUT_RATE_PER_ADDRESS = { perSecond: 10, burst: 300 }

/** A mailbox stream's close (its last frames flushed) may take this long before the stream is aborted. */
export const STREAM_CLOSE_TIMEOUT_MS = 1000
/** Request frames read ahead of the handler on one mailbox stream. */
export const MAX_QUEUED_REQUEST_FRAMES = 16
/** Room in a request frame beyond the largest envelope it may carry (a deposit's other fields). */
export const REQUEST_FRAME_SLACK_BYTES = 64 * KiB
/** Time allowed for the bootstrap dials a relay makes at start. */
export const BOOTSTRAP_DIAL_TIMEOUT_MS = 10_000
/** Time allowed for one DHT provide of the relay key. */
export const PROVIDE_TIMEOUT_MS = 60_000
/** Warn at start when the TLS certificate expires sooner than this. */
export const TLS_EXPIRY_WARNING_MS = 14 * DAY
/** How often a fleet member puts its fleet record into the DHT again (owners' account records: hourly too). */
export const DEFAULT_FLEET_REPUBLISH_INTERVAL_MS = 3600_000

/** Blobs (attachments deposited for offline recipients, docs/RELAY.md "Blobs"): the largest file, in plaintext bytes. */
export const DEFAULT_BLOB_MAX_BYTES = 100 * MiB
/** Blob bytes (ciphertext) held for one mailbox at once. */
export const DEFAULT_BLOB_MAILBOX_MAX_BYTES = 256 * MiB
/** Blob bytes the whole relay holds. */
export const DEFAULT_BLOB_STORAGE_MAX_BYTES = 20 * 1024 * MiB
/** Blobs the whole relay holds. */
export const DEFAULT_BLOB_MAX_BLOBS = 100_000
/** Longest a blob is kept (never past its deposit's expiry): as long as the envelope announcing it. */
export const DEFAULT_BLOB_RETENTION_MS = DEFAULT_RETENTION_MS
/** Blob requests (fetch, deposit, delete) per second per remote peer, and burst. */
export const DEFAULT_BLOB_REQUEST_RATE = { perSecond: 20, burst: 60 }
/** …and per remote address. */
export const DEFAULT_BLOB_REQUEST_RATE_PER_ADDRESS = { perSecond: 50, burst: 150 }
/** Uploaded blob bytes per second per remote address, and burst (bytes). */
export const DEFAULT_BLOB_BYTE_RATE_PER_ADDRESS = { perSecond: 32 * MiB, burst: 256 * MiB }
/**
 * Blob bytes held for the deposits one remote address made (an IPv6 /48: 8 ×): 1/20 of the
 * default blob storage, above one device's mailbox quota, so a host with a thousand throwaway
 * PeerIds cannot fill the store.
 */
export const DEFAULT_BLOB_STORED_BYTES_PER_ADDRESS = 1024 * MiB
/** Blobs held for one remote address's deposits (an IPv6 /48: 8 ×): 1/20 of the default count. */
export const DEFAULT_BLOBS_PER_ADDRESS = 5_000
/** Blob streams (fetches, uploads, deletes) open at once per remote address, whatever PeerIds it uses. */
export const DEFAULT_BLOB_MAX_STREAMS_PER_ADDRESS = 16
/** An upload that sends no piece this long is dropped (its pieces stay for a resume). */
export const DEFAULT_BLOB_UPLOAD_IDLE_MS = NET_BLOB_UPLOAD_IDLE_MS
/** A whole upload must end within this grace plus its bytes at `blobUploadMinBytesPerSecond`. */
export const DEFAULT_BLOB_UPLOAD_GRACE_MS = NET_BLOB_UPLOAD_GRACE_MS
/** The slowest average upload rate a relay keeps a slot for (16 KiB/s). */
export const DEFAULT_BLOB_UPLOAD_MIN_BYTES_PER_SECOND = NET_BLOB_UPLOAD_MIN_BYTES_PER_SECOND
