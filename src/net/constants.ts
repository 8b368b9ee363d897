/** Named defaults of `net/`: Parley's protocol services and their streams. */

/** Time allowed to dial a peer and open a protocol stream. */
export const DEFAULT_DIAL_TIMEOUT_MS = 10_000

/** `/parley/msg`: envelopes sent on one stream before their acks arrive. */
export const DEFAULT_ENVELOPE_MAX_IN_FLIGHT = 128
/** `/parley/msg`: time to wait for an ack when the caller gives no signal. */
export const DEFAULT_ENVELOPE_ACK_TIMEOUT_MS = 15_000
/** `/parley/msg` server: a started frame must complete within this time. */
export const DEFAULT_ENVELOPE_FRAME_TIMEOUT_MS = 10_000
/** `/parley/msg` server: a stream with no frame for this long is closed. */
export const DEFAULT_ENVELOPE_IDLE_TIMEOUT_MS = 60_000
/** `/parley/msg` server: concurrent inbound streams per connection. */
export const DEFAULT_ENVELOPE_MAX_INBOUND_STREAMS = 8
/** `/parley/msg` server: envelope ids remembered for deduplication. */
export const DEFAULT_ENVELOPE_DEDUP_CAPACITY = 10_000
/** Envelope frames of one stream handed to the handler together (those already read when one is taken). */
export const DEFAULT_ENVELOPE_MAX_HANDED_TOGETHER = 64
/** Time a stream may take to close politely before it is left to the muxer. */
export const STREAM_CLOSE_TIMEOUT_MS = 1000

/** `/parley/mailbox`: requests pipelined on one stream. */
export const DEFAULT_MAILBOX_MAX_IN_FLIGHT = 64
/** `/parley/mailbox`: per-call time limit when the caller gives no signal. */
export const DEFAULT_MAILBOX_REQUEST_TIMEOUT_MS = 15_000
/** `/parley/mailbox`: envelope ids acked per request. */
export const MAILBOX_ACK_CHUNK = 256
/** Relays given as strings whose parsed key is remembered (a busy sender parses each once). */
export const MAX_CACHED_RELAY_KEYS = 256

/** Account directory: how long a looked-up record is served from cache. */
export const DEFAULT_DIRECTORY_CACHE_TTL_MS = 300_000
/** Account directory: records kept in the cache. */
export const DEFAULT_DIRECTORY_CACHE_SIZE = 1000
/** Account directory: lookup (and publish) time limit when the caller gives no signal. */
export const DEFAULT_DIRECTORY_LOOKUP_TIMEOUT_MS = 15_000
/** Account directory: a lookup ends once this many peers served a valid record (kad-dht's own get waits for all K closest). */
export const DEFAULT_DIRECTORY_LOOKUP_QUORUM = 3
/** Account directory: how long a lookup waits for the quorum after the first valid record. */
export const DEFAULT_DIRECTORY_LOOKUP_GRACE_MS = 200

/** Frame reader: frames buffered before the stream is paused (read backpressure). */
export const DEFAULT_MAX_QUEUED_FRAMES = 64
/** Frame reader: once a frame started, the rest must arrive within this time. */
export const DEFAULT_FRAME_TIMEOUT_MS = 10_000

/** Relay discovery: time a DHT search for relays (or an announcement) may take without a signal. */
export const DEFAULT_RELAY_DISCOVERY_TIMEOUT_MS = 5000
/** Relay discovery: relays gathered before the random choice among them (issue #24: spreads new accounts). */
export const DEFAULT_RELAY_DISCOVERY_CANDIDATES = 16
/** Relay discovery: once enough relays are found, how much longer the search gathers more to choose from. */
export const DEFAULT_RELAY_DISCOVERY_GRACE_MS = 1500

/** Fleet records kept in a fleet directory's cache (a device names a few fleets). */
export const DEFAULT_FLEET_CACHE_SIZE = 64
/** A fleet member that failed is tried last for this long. */
export const FLEET_MEMBER_DOWN_MS = 30_000
/** Members tried for one request before it fails (`ERR_FLEET_UNAVAILABLE`). */
export const FLEET_MAX_ATTEMPTS = 4
/** `/parley/channel-history`: posts one QUERY may ask for (larger limits are clamped). */
export const MAX_CHANNEL_QUERY_POSTS = 200
/** `/parley/channel-history`: posts one STORE may carry. */
export const MAX_CHANNEL_STORE_POSTS = 16
/** `/parley/channel-history`: largest request or response frame (bytes). */
export const MAX_CHANNEL_HISTORY_FRAME_BYTES = 2 * 1024 * 1024
/** `/parley/channel-history` server: concurrent inbound streams per connection. */
export const DEFAULT_CHANNEL_HISTORY_MAX_INBOUND_STREAMS = 4
/** `/parley/channel-history` server: requests per peer (tokens per second, burst). */
export const DEFAULT_CHANNEL_HISTORY_RATE = { perSecond: 10, burst: 40 }
/** `/parley/channel-history` client: time a call may take without a signal. */
export const DEFAULT_CHANNEL_HISTORY_TIMEOUT_MS = 15_000
/** Channels: posts a new subscriber asks relays for. */
export const DEFAULT_CHANNEL_INITIAL_HISTORY = 100
/** `/parley/channel-history` FEEDBACK: sealed feedback a relay holds per channel (oldest dropped first). */
export const DEFAULT_FEEDBACK_PER_CHANNEL = 10_000
/** FEEDBACK: channels a relay holds feedback for (new channels refused beyond). */
export const DEFAULT_FEEDBACK_CHANNELS = 1_000
/** FEEDBACK: how long a relay holds sealed feedback for the owner to collect. */
export const DEFAULT_FEEDBACK_RETENTION_MS = 7 * 24 * 3600_000
/** FEEDBACK: deposits per peer (a reader reacts now and then; views come in batches). */
export const DEFAULT_FEEDBACK_PEER_RATE = { perSecond: 0.1, burst: 30 }
/** FEEDBACK: deposits per remote address (IPv4, IPv6 /64): throwaway PeerIds share it. */
export const DEFAULT_FEEDBACK_ADDRESS_RATE = { perSecond: 1, burst: 120 }
/** FEEDBACK: sealed feedback held per channel from one peer / one address at a time. */
export const DEFAULT_FEEDBACK_HELD_PER_PEER = 64
export const DEFAULT_FEEDBACK_HELD_PER_ADDRESS = 1_000
/** FEEDBACK: boxes taken per channel by reconciliation from one other relay (half a channel's room). */
export const DEFAULT_FEEDBACK_HELD_PER_SYNC_PEER = 5_000
/** COLLECT: sealed feedback in one answer. */
export const MAX_FEEDBACK_COLLECT = 500
/** COLLECT: how far the owner's signed clock may be from the relay's. */
export const FEEDBACK_COLLECT_SKEW_MS = 5 * 60_000
