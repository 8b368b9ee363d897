import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { randomBytes } from '@noble/ciphers/utils.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { concat, utf8 } from './bytes.js'
import { IntegrityError, StoreClosedError } from './errors.js'
import { TAG_BYTES, type StoreCipher } from './store-cipher.js'

/** First byte of a value sealed by this cipher. */
export const XCHACHA_FORMAT = 0x01
const NONCE = 24
const OVERHEAD = 1 + NONCE + 16

/**
 * A {@link StoreCipher} from a 32-byte store key: XChaCha20-Poly1305 with random 24-byte nonces
 * for values, HMAC-SHA256 for index tags; both keys are HKDF-SHA256 subkeys of the store key.
 * Sealed layout: `0x01 ‖ nonce(24) ‖ ciphertext ‖ tag(16)`.
 *
 * @example
 * ```ts
 * const c = xchachaCipher(randomBytes(32))
 * const sealed = c.seal(key, value)
 * c.open(key, sealed) // → value; with another key → IntegrityError
 * ```
 */
export function xchachaCipher (storeKey: Uint8Array): StoreCipher {
  if (storeKey.length !== 32) throw new TypeError('store key must be 32 bytes')
  const aeadKey = hkdf(sha256, storeKey, undefined, utf8('parley/store/v1/aead'), 32)
  const macKey = hkdf(sha256, storeKey, undefined, utf8('parley/store/v1/index-tag'), 32)
  let destroyed = false
  const check = (): void => { if (destroyed) throw new StoreClosedError() }
  return {
    scheme: 'xchacha20-poly1305',
    seal (ad, plaintext) {
      check()
      const nonce = randomBytes(NONCE)
      return concat(new Uint8Array([XCHACHA_FORMAT]), nonce, xchacha20poly1305(aeadKey, nonce, ad).encrypt(plaintext))
    },
    open (ad, sealed) {
      check()
      if (sealed.length < OVERHEAD || sealed[0] !== XCHACHA_FORMAT) throw new IntegrityError('sealed value malformed')
      try {
        return xchacha20poly1305(aeadKey, sealed.subarray(1, 1 + NONCE), ad).decrypt(sealed.subarray(1 + NONCE))
      } catch (err) {
        throw new IntegrityError(undefined, { cause: err })
      }
    },
    tag (domain, id) {
      check()
      return hmac(sha256, macKey, concat(utf8(domain), new Uint8Array([0]), utf8(id))).subarray(0, TAG_BYTES)
    },
    destroy () {
      aeadKey.fill(0); macKey.fill(0); destroyed = true
    }
  }
}
