/** Named limits and defaults of the chat domain, in one place (timeouts in ms). */

/** A time later than any real one (ms since epoch, year ~37,000), for "everything due ever" queries. */
export const FAR_FUTURE_MS = 2 ** 50

/** Longest text message accepted (characters). */
export const MAX_TEXT_LENGTH = 16_000
/** Longest reaction (characters). */
export const MAX_EMOJI_LENGTH = 16
/** Most messages one delete (or receipt) names. */
export const MAX_IDS_PER_CONTENT = 500
/** Longest contact name kept (characters). */
export const MAX_CONTACT_NAME = 200
/** Relays hold secret-chat envelopes at most this long. */
export const SECRET_RELAY_CAP_MS = 24 * 3600 * 1000
/** Default number of relays an account uses. */
export const DEFAULT_RELAY_COUNT = 2
/** Content flag of an envelope of a secret chat. */
export const FLAG_SECRET = 1

/** Disappearing timers: 1 second to 4 weeks. */
export const MIN_TTL_MS = 1000
export const MAX_TTL_MS = 28 * 24 * 3600 * 1000

/** Inactivity period (days) of an account whose record names none. */
export const DEFAULT_INACTIVITY_DAYS = 180
/** How often the last-active time is written while running. */
export const ACTIVITY_INTERVAL_MS = 3600_000

/** Default deadline of a send (seal + queue; `sendText`, `edit`, receipts…) when the caller gives no signal. */
export const DEFAULT_SEND_TIMEOUT_MS = 30_000
/** Default deadline of an account-record lookup. */
export const DEFAULT_LOOKUP_TIMEOUT_MS = 15_000
/** Default deadline of publishing this account's record. */
export const DEFAULT_PUBLISH_TIMEOUT_MS = 10_000
/** Publishing after a settings change (inactivity period). */
export const SETTINGS_PUBLISH_TIMEOUT_MS = 20_000
/** Publishing a record that added a device, or a deletion tombstone. */
export const RECORD_CHANGE_PUBLISH_TIMEOUT_MS = 15_000
/** Adopting a newer own record from the DHT at start. */
export const REFRESH_OWN_RECORD_TIMEOUT_MS = 5000
/** Dialling a configured relay (or an invite's relay). */
export const DEFAULT_DIAL_TIMEOUT_MS = 10_000
/** Looking for relays in the DHT. */
export const DEFAULT_RELAY_DISCOVERY_TIMEOUT_MS = 5000
/** Taking one-time prekeys from a recipient's relays (best effort). */
export const PREKEY_TAKE_TIMEOUT_MS = 3000
/** A typing notice, sent directly once. */
export const EPHEMERAL_SEND_TIMEOUT_MS = 5000
/** Purging this account's mailbox at a relay when the account is deleted. */
export const MAILBOX_PURGE_TIMEOUT_MS = 10_000

/** DELIVERED receipts are batched per conversation for this long. */
export const RECEIPT_BATCH_MS = 50
/** At most once per device per this long, ask a sender to reset a broken session. */
export const SESSION_RESET_INTERVAL_MS = 60_000
/** Devices remembered for the reset rate limit. */
export const SESSION_RESET_MEMORY = 1000
/** Outgoing texts looked at when re-sending after a session reset. */
export const RESEND_WINDOW = 50
/** Longest wait between two expiry sweeps. */
export const MAX_EXPIRY_DELAY_MS = 60_000
/** Store page size for full listings. */
export const LIST_PAGE = 500
/** Key changes remembered per contact. */
export const KEY_HISTORY_LIMIT = 20
/** A deferred send (account record not found yet) is first retried after this long. */
export const DEFERRED_RETRY_MS = 1000

/** Outbox defaults. */
export const OUTBOX_DIRECT_TIMEOUT_MS = 3000
export const OUTBOX_MAX_AGE_MS = 7 * 24 * 3600 * 1000
export const OUTBOX_CONCURRENCY = 16
export const OUTBOX_POLL_MS = 1000
/** One delivery attempt (resolve + direct + relays) at most. */
export const OUTBOX_ATTEMPT_TIMEOUT_MS = 30_000
/** Entries looked at per outbox pass. */
export const OUTBOX_BATCH = 200
/** `retrySoon` runs at most this often. */
export const OUTBOX_RETRY_SOON_INTERVAL_MS = 2000

/** Mailbox sync defaults. */
export const MAILBOX_DRAIN_INTERVAL_MS = 60_000
export const MAILBOX_PREKEY_POOL = 20
export const MAILBOX_CONNECT_TIMEOUT_MS = 30_000
export const MAILBOX_ACK_TIMEOUT_MS = 15_000
export const MAILBOX_ACK_BATCH_MS = 20
export const MAILBOX_PAGE_SIZE = 200
/** A mailbox subscription that ended while running is renewed after this long (a fleet then moves to a live member). */
export const MAILBOX_RESUBSCRIBE_DELAY_MS = 1000
/** A subscription that ended sooner than this after it opened doubles the next renewal's delay (up to the drain interval). */
export const MAILBOX_RESUBSCRIBE_STABLE_MS = 10_000

/** How long a relay is asked for its addresses (identify) when signing the account record. */
export const RELAY_ADDRESSES_TIMEOUT_MS = 5_000

/** Local history search: the longest query, the most hits and the most messages read per search. */
export const MAX_SEARCH_QUERY_LENGTH = 200
export const MAX_SEARCH_RESULTS = 200
export const MAX_SEARCH_SCANNED = 50_000

/** How often reachability is looked at besides connection events (the DHT table changes without one). */
export const REACHABILITY_CHECK_MS = 2_000

/** One-time prekey takes a send runs at once (a group's first message reaches many new devices). */
export const PREKEY_FETCH_CONCURRENCY = 8

/** Channels: posts a new subscriber pulls from history (the newest ones). */
export const CHANNEL_INITIAL_HISTORY = 100
/** Channels: posts asked for per history query when catching up. */
export const CHANNEL_SYNC_PAGE = 200
/** Channels: history pages pulled from one peer in one catch-up. */
export const CHANNEL_SYNC_MAX_PAGES = 50
/** Channels: default deadline of a channel operation (post, subscribe, catch-up). */
export const CHANNEL_OPERATION_TIMEOUT_MS = 30_000
/** Channels: how often every channel is caught up from history peers (gossip alone may lose posts). */
export const CHANNEL_RESYNC_INTERVAL_MS = 60_000

/** How long a link request waits for the user's confirmation (the device-link protocol's window). */
export const LINK_CONFIRM_WINDOW_MS = 120_000
/** The first re-dial of a configured relay whose connection dropped (then doubling, with jitter). */
export const RELAY_REDIAL_MIN_MS = 1_000
/** The longest wait between re-dials of a configured relay that stays unreachable (it is tried for as long as the messenger runs). */
export const RELAY_REDIAL_MAX_MS = 30_000
/** Each re-dial of a configured relay. */
export const RELAY_REDIAL_TIMEOUT_MS = 10_000
/** The connection-manager tag value of a configured relay: pruned last when over the connection limit. */
export const RELAY_TAG_VALUE = 100

// ---------------------------------------------------------------- new devices of an account (issue #19)

/** Clock skew allowed between a new device's signed `addedAt` and this device's message times when re-sending to it. */
export const NEW_DEVICE_SKEW_MS = 120_000
/** Least time between two fresh lookups of one contact's record on a hint that it is newer (a hostile sender costs one lookup per interval). */
export const RECORD_HINT_INTERVAL_MS = 5_000
/** Contacts whose record hints are remembered (bounded: the oldest is forgotten). */
export const RECORD_HINT_MEMORY = 1000
/** Channels: how often an owner collects sealed reactions and views from relays and publishes a tally. */
export const CHANNEL_TALLY_INTERVAL_MS = 30_000
/** Channels: pages of sealed feedback an owner collects from one relay in one round. */
export const CHANNEL_COLLECT_MAX_PAGES = 20

/**
 * How long a channel owner remembers a sealed feedback box it counted (by fingerprint), so that
 * the same box collected again through another relay is not counted twice: longer than any relay
 * holds a box (7 days, PROTOCOL.md §13.6).
 */
export const CHANNEL_FEEDBACK_SEEN_MS = 8 * 24 * 3600_000
