/**
/* . Runs anywhere; slow for
 * curve operations (~1.5 ms per X25519) but the yardstick the native backend is tested against.
 */
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { type BackendInit, type CryptoBackend, secureRandom } from './backend.js'
import { nobleAeadOpen, nobleAeadSeal } from './aead-noble.js'
import { nobleMlKemDecapsulate, nobleMlKemEncapsulate, nobleMlKemPublicKey } from './kem-noble.js'
import { isAllZero } from '../bytes.js'
import { checkLength } from './check-length.js'
import { InvalidKeyError } from './errors.js'
import { nobleHashes } from './hash-noble.js'

export { nobleAeadOpen, nobleAeadSeal, nobleMlKemDecapsulate, nobleMlKemEncapsulate, nobleMlKemPublicKey }

/** noble X25519 with the all-zero check (shared with the browser native primitives). */
export function nobleX25519 (privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  checkLength(privateKey, 32, 'X25519 private key')
  checkLength(publicKey, 32, 'X25519 public key')
  let out: Uint8Array
  try {
    out = x25519.getSharedSecret(privateKey, publicKey)
  } catch (err) {
    throw new InvalidKeyError('X25519 public key rejected', { cause: err })
  }
  if (isAllZero(out)) throw new InvalidKeyError('X25519 public key has low order')
  return out
}

/**
/* primitives.
 *
 * @example
 * ```ts
 * const seeded = createNobleBackend({ random: myDeterministicRandom })
 * ```
 */
export function createNobleBackend (init: BackendInit = {}): CryptoBackend {
  const random = init.random ?? secureRandom
  return {
    name: 'noble',
    randomBytes: random,
    x25519PublicKey: async (privateKey) => {
      checkLength(privateKey, 32, 'X25519 private key')
      return x25519.getPublicKey(privateKey)
    },
    x25519: async (privateKey, publicKey) => nobleX25519(privateKey, publicKey),
    ed25519PublicKey: async (seed) => {
      checkLength(seed, 32, 'Ed25519 seed')
      return ed25519.getPublicKey(seed)
    },
    ed25519Sign: async (seed, message) => {
      checkLength(seed, 32, 'Ed25519 seed')
      return ed25519.sign(message, seed)
    },
    ed25519Verify: async (publicKey, message, signature) => {
      if (publicKey.length !== 32 || signature.length !== 64) return false
      try {
        return ed25519.verify(signature, message, publicKey, { zip215: false })
      } catch {
        return false
      }
    },
    mlKemPublicKey: async (seed) => nobleMlKemPublicKey(seed),
    mlKemEncapsulate: async (publicKey) => nobleMlKemEncapsulate(publicKey, random(32)),
    mlKemDecapsulate: async (seed, cipherText) => nobleMlKemDecapsulate(seed, cipherText),
    ...nobleHashes,
    aeadSeal: async (key, nonce, plaintext, ad) => nobleAeadSeal(key, nonce, plaintext, ad),
    aeadOpen: async (key, nonce, ciphertext, ad) => nobleAeadOpen(key, nonce, ciphertext, ad)
  }
}

/**
 * The default noble backend (platform CSPRNG).
 *
 * @example
 * ```ts
 * import { nobleBackend } from './backend-noble.js'
 * const digest = await nobleBackend.sha256(new Uint8Array([1, 2, 3]))
 * ```
 */
export const nobleBackend: CryptoBackend = createNobleBackend()
