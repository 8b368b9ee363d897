/** noble ChaCha20-Poly1305 (RFC 8439), for the noble backend and the browser's native primitives. */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js'
import { checkLength } from './check-length.js'
import { DecryptError } from './errors.js'

/** noble ChaCha20-Poly1305 seal. */
export function nobleAeadSeal (key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array): Uint8Array {
  checkLength(key, 32, 'AEAD key')
  checkLength(nonce, 12, 'AEAD nonce')
  return chacha20poly1305(key, nonce, ad).encrypt(plaintext)
}

/** noble ChaCha20-Poly1305 open; throws DecryptError. */
export function nobleAeadOpen (key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, ad: Uint8Array): Uint8Array {
  checkLength(key, 32, 'AEAD key')
  checkLength(nonce, 12, 'AEAD nonce')
  if (ciphertext.length < 16) throw new DecryptError('Ciphertext shorter than the tag')
  try {
    return chacha20poly1305(key, nonce, ad).decrypt(ciphertext)
  } catch (err) {
    throw new DecryptError(undefined, { cause: err })
  }
}
