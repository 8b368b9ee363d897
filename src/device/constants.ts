/** Named defaults of `device/`. */

/** Settings key of the last account record this device signed. */
export const OWN_RECORD_SETTING = 'own-account-record'
/** How often the account record is put into the DHT again. */
export const DEFAULT_REPUBLISH_INTERVAL_MS = 3_600_000
/** First retry delay of a failed publish; doubles up to the republish interval. */
export const INITIAL_PUBLISH_BACKOFF_MS = 1000
/**
 * A record published while the DHT routing table held fewer servers than this (Kademlia's k)
 * sits on every server there was, not on the k closest of a network that grew since.
 */
export const REGROWTH_BELOW_SERVERS = 20
/** The routing table must hold at least this many more servers, and twice as many, to publish again early. */
export const REGROWTH_MIN_NEW_SERVERS = 8
/** How often the routing table's size is looked at after a publish made in a small network. */
export const REGROWTH_CHECK_MS = 30_000
/** Time one background publish of the account record may take. */
export const PUBLISH_TIMEOUT_MS = 30_000
/** Time a fresh lookup of this account's own record may take when the caller gives no signal. */
export const REFRESH_TIMEOUT_MS = 5000
/** Inactivity period (days) written into a new account record. */
export const DEFAULT_INACTIVITY_DAYS = 180
/** Most devices one account record lists (the validator's limit, `identity/`). */
export { MAX_ACCOUNT_DEVICES as MAX_RECORD_DEVICES } from '../identity/account-record.js'
/** Protocol id of device linking (2.0.0: the existing device's user confirms a short authentication string first). */
export const LINK_PROTOCOL = '/parley/link/2.0.0'
/** Time the existing device's user has to compare the short authentication string and confirm. */
export const LINK_CONFIRM_TIMEOUT_MS = 120_000
/** Time publishing the account record with a newly linked device may take. */
export const DEFAULT_LINK_PUBLISH_TIMEOUT_MS = 15_000
/** Time the new device's side of linking may take when the caller gives no signal. */
export const DEFAULT_LINK_TIMEOUT_MS = 60_000
