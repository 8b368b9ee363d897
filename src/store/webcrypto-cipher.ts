import { concatBytes, utf8 } from '../bytes.js'
import { IntegrityError, StoreClosedError } from './errors.js'
import { TAG_BYTES, type StoreCipher } from './store-cipher.js'

/** First byte of a value sealed by this cipher. */
export const AESGCM_FORMAT = 0x02
const IV = 12
const OVERHEAD = 1 + IV + 16

/** WebCrypto's typings want ArrayBuffer-backed views; ours always are. */
const buf = (u: Uint8Array): Uint8Array<ArrayBuffer> => u as Uint8Array<ArrayBuffer>

/** The two non-extractable WebCrypto keys a browser store lives under. */
export interface WebCryptoStoreKeys {
  /** AES-256-GCM, usages encrypt/decrypt, not extractable. */
  aead: CryptoKey
  /** HMAC-SHA256, usage sign, not extractable. */
  mac: CryptoKey
}

/**
 * Generates fresh non-extractable store keys.
 *
 * @example
 * ```ts
 * const keys = await generateWebCryptoStoreKeys()
 * keys.aead.extractable // false
 * ```
 */
export async function generateWebCryptoStoreKeys (): Promise<WebCryptoStoreKeys> {
  const aead = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt'])
  const mac = await crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256', length: 256 }, false, ['sign'])
  return { aead, mac }
}

/**
 * A {@link StoreCipher} over non-extractable WebCrypto keys: AES-256-GCM with random 96-bit IVs,
 * the record key as additional data; HMAC-SHA256 tags. Layout: `0x02 ‖ iv(12) ‖ ciphertext ‖ tag(16)`.
 *
 * @example
 * ```ts
 * const c = webCryptoCipher(await generateWebCryptoStoreKeys())
 * const sealed = await c.seal(key, value)
 * ```
 */
export function webCryptoCipher (keys: WebCryptoStoreKeys): StoreCipher {
  let current: WebCryptoStoreKeys | undefined = keys
  const get = (): WebCryptoStoreKeys => {
    if (current === undefined) throw new StoreClosedError()
    return current
  }
  return {
    scheme: 'aes-256-gcm (webcrypto, non-extractable)',
    async seal (ad, plaintext) {
      const iv = crypto.getRandomValues(new Uint8Array(IV))
      const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: buf(ad) }, get().aead, buf(plaintext))
      return concatBytes(new Uint8Array([AESGCM_FORMAT]), iv, new Uint8Array(ct))
    },
    async open (ad, sealed) {
      if (sealed.length < OVERHEAD || sealed[0] !== AESGCM_FORMAT) throw new IntegrityError('sealed value malformed')
      try {
        const pt = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: buf(sealed.subarray(1, 1 + IV)), additionalData: buf(ad) }, get().aead, buf(sealed.subarray(1 + IV)))
        return new Uint8Array(pt)
      } catch (err) {
        throw new IntegrityError(undefined, { cause: err })
      }
    },
    async tag (domain, id) {
      const sig = await crypto.subtle.sign('HMAC', get().mac, buf(concatBytes(utf8(domain), new Uint8Array([0]), utf8(id))))
      return new Uint8Array(sig, 0, TAG_BYTES).slice()
    },
    destroy () {
      current = undefined
    }
  }
}
