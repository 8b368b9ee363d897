/** Constants of sender keys (docs/PROTOCOL.md §12.2); bounds after Signal's. */

/** Version of SenderKeyMessage and SenderKeyDistribution. */
export const SENDER_KEY_VERSION = 1
/** HKDF info deriving an AEAD key and nonce from a sender message key seed. */
export const INFO_SENDER_KEY = 'Parley_SenderKey_v1_MessageKeys'
/** Domain separation of group message signatures. */
export const SENDER_KEY_SIGNATURE_LABEL = 'Parley_SenderKey_v1_Signature'
/** Chains kept per sender device (the newest; older ones are forgotten). */
export const MAX_SENDER_CHAINS = 5
/** Skipped message keys kept per chain (oldest evicted first). */
export const MAX_SENDER_SKIPPED_KEYS = 2000
/** Most iterations one message may jump ahead of its chain. */
export const MAX_SENDER_FORWARD_JUMP = 2000
/** A sending chain rotates after this many messages… */
export const SENDER_KEY_MAX_MESSAGES = 1000
/** …or this age (7 days). */
export const SENDER_KEY_MAX_AGE_MS = 7 * 24 * 60 * 60 * 1000
/** Largest encoded group message. */
export const MAX_SENDER_KEY_MESSAGE_BYTES = 160 * 1024
