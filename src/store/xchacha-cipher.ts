import { hkdf } from '@noble/hashes/hkdf.js'
import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes, utf8 } from '../bytes.js'
import { IntegrityError, StoreClosedError } from './errors.js'
import { TAG_BYTES, type StoreCipher } from './store-cipher.js'
import { storeXChaCha } from './xchacha-aead.js'
import type { XChaChaAead } from './xchacha-aead-noble.js'

/** First byte of a value sealed by this cipher. */
export const XCHACHA_FORMAT = 0x01
const NONCE = 24
const OVERHEAD = 1 + NONCE + 16

/**
 * A {@link StoreCipher} from a 32-byte store key: XChaCha20-Poly1305 with random 24-byte nonces
 * for values, HMAC-SHA256 for index tags; both keys are HKDF-SHA256 subkeys of the store key.
 * Sealed layout: `0x01 ‖ nonce(24) ‖ ciphertext ‖ tag(16)`. The AEAD is libsodium's in Node
 * (native, see xchacha-aead.ts) and @noble's in browsers; the bytes are the same.
 *
 * @example
 * ```ts
 * const c = xchachaCipher(randomBytes(32))
 * const sealed = c.seal(key, value)
 * c.open(key, sealed) // → value; with another key → IntegrityError
 * ```
 */
export function xchachaCipher (storeKey: Uint8Array, aead: XChaChaAead = storeXChaCha()): StoreCipher {
  if (storeKey.length !== 32) throw new TypeError('store key must be 32 bytes')
  const aeadKey = hkdf(sha256, storeKey, undefined, utf8('parley/store/v1/aead'), 32)
  const macKey = hkdf(sha256, storeKey, undefined, utf8('parley/store/v1/index-tag'), 32)
  // HMAC with the key's pads hashed once; each tag clones this state (a third faster)
  const macBase = hmac.create(sha256, macKey)
  let destroyed = false
  const check = (): void => { if (destroyed) throw new StoreClosedError() }
  return {
    scheme: 'xchacha20-poly1305',
    seal (ad, plaintext) {
      check()
      const nonce = aead.randomNonce()
      const body = aead.seal(aeadKey, nonce, ad, plaintext)
      const out = new Uint8Array(1 + NONCE + body.length)
      out[0] = XCHACHA_FORMAT
      out.set(nonce, 1)
      out.set(body, 1 + NONCE)
      return out
    },
    open (ad, sealed) {
      check()
      if (sealed.length < OVERHEAD || sealed[0] !== XCHACHA_FORMAT) throw new IntegrityError('sealed value malformed')
      try {
        return aead.open(aeadKey, sealed.subarray(1, 1 + NONCE), ad, sealed.subarray(1 + NONCE))
      } catch (err) {
        throw new IntegrityError(undefined, { cause: err })
      }
    },
    tag (domain, id) {
      check()
      return macBase.clone().update(concatBytes(utf8(domain), new Uint8Array([0]), utf8(id))).digest().subarray(0, TAG_BYTES)
    },
    destroy () {
      aeadKey.fill(0); macKey.fill(0); macBase.destroy(); destroyed = true
    }
  }
}
