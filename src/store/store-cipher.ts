/**
 * What the store needs from its key material: seal/open values bound to their database key,
 * and a keyed hash for ids that appear in database keys. Implemented with XChaCha20-Poly1305 +
 * HMAC-SHA256 (`xchacha-cipher.ts`, @noble) and with non-extractable WebCrypto AES-GCM + HMAC
 * keys (`webcrypto-cipher.ts`).
 */
export interface StoreCipher {
  /** Short name of the AEAD, for docs and diagnostics. */
  readonly scheme: string
  /** Encrypts `plaintext` with `ad` (the record's database key) as associated data. */
  seal (ad: Uint8Array, plaintext: Uint8Array): Uint8Array | Promise<Uint8Array>
  /** Decrypts; throws `IntegrityError` when authentication fails. */
  open (ad: Uint8Array, sealed: Uint8Array): Uint8Array | Promise<Uint8Array>
  /** 16-byte keyed hash of `id` in `domain` (HMAC-SHA256 truncated), used inside database keys. */
  tag (domain: string, id: string): Uint8Array | Promise<Uint8Array>
  /** Forgets the key material (zeroes it where the platform lets us). */
  destroy (): void
}

/** Length of the index tags produced by {@link StoreCipher.tag}. */
export const TAG_BYTES = 16
