import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { randomBytes } from '@noble/ciphers/utils.js'

/**
 * XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha) as the store needs it: one-shot seal/open of a
 * value with associated data. Every implementation produces the same bytes
 * (`ciphertext ‖ tag(16)`); tests check them against each other and against the draft's vector.
 */
export interface XChaChaAead {
  /** Which library does the work: `libsodium` (native, Node) or `noble` (pure JS). */
  readonly implementation: 'libsodium' | 'noble'
  /** 24 fresh random bytes. */
  randomNonce: () => Uint8Array
  seal: (key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, plaintext: Uint8Array) => Uint8Array
  /** Throws when authentication fails. */
  open: (key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, sealed: Uint8Array) => Uint8Array
}

/**
 * XChaCha20-Poly1305 from `@noble/ciphers` (pure JS): the browser build's implementation, the
 * reference for the native one, and the fallback when libsodium cannot load.
 */
export const nobleXChaCha: XChaChaAead = {
  implementation: 'noble',
  randomNonce: () => randomBytes(24),
  seal: (key, nonce, ad, plaintext) => xchacha20poly1305(key, nonce, ad).encrypt(plaintext),
  open: (key, nonce, ad, sealed) => xchacha20poly1305(key, nonce, ad).decrypt(sealed)
}
