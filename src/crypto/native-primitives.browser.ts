/**
 * Native primitives for browsers: WebCrypto (`crypto.subtle`) X25519 and Ed25519 with imported
 * CryptoKeys cached per key array; ChaCha20-Poly1305 and ML-KEM-768 from noble (neither is in
 * WebCrypto). Swapped in for `native-primitives.ts` by the package.json "browser" field.
 * ML-KEM (with SHA-3, ~12 KiB minified) is loaded with `import()` on the first KEM operation, so
 * that it stays out of the browser's first load (docs/BROWSER.md, "Bundle size").
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import type { KemEncapsulation } from './backend.js'
import { secureRandom } from './backend.js'
import { nobleAeadOpen, nobleAeadSeal } from './aead-noble.js'
import { concatBytes, isAllZero } from '../bytes.js'
import { checkLength } from './check-length.js'
import { InvalidKeyError } from './errors.js'
import type { NativePrimitives } from './native-primitives.js'

const X25519_PKCS8 = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20])
const ED25519_PKCS8 = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20])
/** X25519 base point u = 9: DH(priv, base) is the public key, so no JWK export is needed. */
const X25519_BASE = Uint8Array.from({ length: 32 }, (_, i) => i === 0 ? 9 : 0)

const subtle = (): SubtleCrypto => globalThis.crypto.subtle

/** WebCrypto wants ArrayBuffer-backed views (TS 5.9 types); copy only if shared. */
function source (bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? bytes as Uint8Array<ArrayBuffer> : new Uint8Array(bytes)
}
const privateKeys = new WeakMap<Uint8Array, CryptoKey>()
const publicKeys = new WeakMap<Uint8Array, CryptoKey>()

async function importPrivate (bytes: Uint8Array, prefix: Uint8Array, algorithm: 'X25519' | 'Ed25519'): Promise<CryptoKey> {
  let key = privateKeys.get(bytes)
  if (key === undefined) {
    const der = concatBytes(prefix, bytes)
    key = await subtle().importKey('pkcs8', source(der), { name: algorithm }, false, algorithm === 'X25519' ? ['deriveBits'] : ['sign'])
    der.fill(0)
    privateKeys.set(bytes, key)
  }
  return key
}

async function importPublic (bytes: Uint8Array, algorithm: 'X25519' | 'Ed25519'): Promise<CryptoKey> {
  let key = publicKeys.get(bytes)
  if (key === undefined) {
    key = await subtle().importKey('raw', source(bytes), { name: algorithm }, true, algorithm === 'X25519' ? [] : ['verify'])
    publicKeys.set(bytes, key)
  }
  return key
}

async function x25519 (priv: Uint8Array, pub: Uint8Array): Promise<Uint8Array> {
  checkLength(priv, 32, 'X25519 private key')
  checkLength(pub, 32, 'X25519 public key')
  let out: Uint8Array
  try {
    const bits = await subtle().deriveBits({ name: 'X25519', public: await importPublic(pub, 'X25519') }, await importPrivate(priv, X25519_PKCS8, 'X25519'), 256)
    out = new Uint8Array(bits)
  } catch (err) {
    throw new InvalidKeyError('X25519 public key rejected', { cause: err })
  }
  if (isAllZero(out)) throw new InvalidKeyError('X25519 public key has low order')
  return out
}

export const nativePrimitives: NativePrimitives = {
  platform: 'webcrypto',
  x25519PublicKey: async (priv) => x25519(priv, X25519_BASE),
  x25519,
  ed25519PublicKey: async (seed) => {
    checkLength(seed, 32, 'Ed25519 seed')
    return ed25519.getPublicKey(seed)
  },
  ed25519Sign: async (seed, message) => {
    checkLength(seed, 32, 'Ed25519 seed')
    return new Uint8Array(await subtle().sign('Ed25519', await importPrivate(seed, ED25519_PKCS8, 'Ed25519'), source(message)))
  },
  ed25519Verify: async (pub, message, signature) => {
    if (pub.length !== 32 || signature.length !== 64) return false
    try {
      return await subtle().verify('Ed25519', await importPublic(pub, 'Ed25519'), source(signature), source(message))
    } catch {
      return false
    }
  },
  mlKemPublicKey: async (seed) => (await import('./kem-noble.js')).nobleMlKemPublicKey(seed),
  mlKemEncapsulate: async (pub): Promise<KemEncapsulation> => (await import('./kem-noble.js')).nobleMlKemEncapsulate(pub, secureRandom(32)),
  mlKemDecapsulate: async (seed, cipherText) => (await import('./kem-noble.js')).nobleMlKemDecapsulate(seed, cipherText),
  aeadSeal: async (key, nonce, plaintext, ad) => nobleAeadSeal(key, nonce, plaintext, ad),
  aeadOpen: async (key, nonce, ciphertext, ad) => nobleAeadOpen(key, nonce, ciphertext, ad)
}
