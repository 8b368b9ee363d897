/** Named defaults of `node/`. */

/** Time one bootstrap dial may take when the caller gives no signal. */
export const BOOTSTRAP_DIAL_TIMEOUT_MS = 10_000
/** Most device PeerIds remembered for sending (decoded once from account records). */
export const MAX_CACHED_PEER_IDS = 1000
