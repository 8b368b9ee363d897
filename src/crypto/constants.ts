/** Protocol constants of the end-to-end encryption module (docs/PROTOCOL.md §5.7). */

/** Version carried in every wire structure and in the session state. */
export const E2E_VERSION = 1

/** HKDF info of the PQXDH handshake (SK derivation). */
export const INFO_PQXDH = 'Parley_PQXDH_v1_X25519_SHA-256_ML-KEM-768'
/** HKDF info of the Double Ratchet root KDF. */
export const INFO_ROOT = 'Parley_Ratchet_Root_v1'
/** HKDF info deriving an AEAD key and nonce from a message key. */
export const INFO_MESSAGE_KEYS = 'Parley_Ratchet_MessageKeys_v1'
/** HKDF info of the sealed-sender ephemeral layer. */
export const INFO_SEALED_EPHEMERAL = 'Parley_SealedSender_v1_Ephemeral'
/** HKDF info of the sealed-sender static layer. */
export const INFO_SEALED_STATIC = 'Parley_SealedSender_v1_Static'
/** Prefix of associated data binding both identities into every ratchet message. */
export const AD_LABEL = 'Parley_E2E_v1_AD'
/** Domain-separation label of every prekey signature. */
export const PREKEY_SIGNATURE_LABEL = 'Parley_Prekey_Signature_v1'

/** Most message keys one chain may skip in one step. */
export const MAX_SKIP = 1000
/** Most skipped message keys a session keeps in total (oldest evicted first). */
export const MAX_SKIPPED_KEYS = 2000
/** Remote ratchet keys remembered to tell replays of old chains from garbage. */
export const MAX_PREVIOUS_RATCHET_KEYS = 8

/** Largest padded plaintext of one ratchet message. */
export const MAX_PADDED_SIZE = 128 * 1024
/** Largest encoded ratchet message. */
export const MAX_RATCHET_MESSAGE_BYTES = MAX_PADDED_SIZE + 128
/** Largest encoded prekey message. */
export const MAX_PREKEY_MESSAGE_BYTES = MAX_RATCHET_MESSAGE_BYTES + 1400
/** Largest padded sealed content. */
export const MAX_SEALED_CONTENT_BYTES = 160 * 1024
/** Largest sealed box (the envelope payload). */
export const MAX_SEALED_BOX_BYTES = MAX_SEALED_CONTENT_BYTES + 128
/** Largest encoded session state. */
export const MAX_SESSION_STATE_BYTES = 512 * 1024

export const X25519_KEY_BYTES = 32
export const ED25519_KEY_BYTES = 32
export const ED25519_SIGNATURE_BYTES = 64
export const MLKEM768_PUBLIC_KEY_BYTES = 1184
export const MLKEM768_SEED_BYTES = 64
export const MLKEM768_CIPHERTEXT_BYTES = 1088
export const AEAD_KEY_BYTES = 32
export const AEAD_NONCE_BYTES = 12
export const AEAD_TAG_BYTES = 16
