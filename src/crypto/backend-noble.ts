/**
/* . Runs anywhere; slow for
 * curve operations (~1.5 ms per X25519) but the yardstick the native backend is tested against.
 */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js'
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js'
import { type BackendInit, type CryptoBackend, type KemEncapsulation, secureRandom } from './backend.js'
import { isAllZero } from '../bytes.js'
import { checkLength } from './check-length.js'
import { DecryptError, InvalidKeyError } from './errors.js'
import { nobleHashes } from './hash-noble.js'

/** Expanded ML-KEM secret keys, cached per seed array (long-lived prekeys hit this). */
const expandedKem = new WeakMap<Uint8Array, Uint8Array>()

function kemSecretKey (seed: Uint8Array): Uint8Array {
  let sk = expandedKem.get(seed)
  if (sk === undefined) {
    sk = ml_kem768.keygen(seed).secretKey
    expandedKem.set(seed, sk)
  }
  return sk
}

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

/** noble ML-KEM-768 encapsulation with caller-supplied 32-byte randomness. */
export function nobleMlKemEncapsulate (publicKey: Uint8Array, msg: Uint8Array): KemEncapsulation {
  checkLength(publicKey, 1184, 'ML-KEM-768 public key')
  try {
    const { cipherText, sharedSecret } = ml_kem768.encapsulate(publicKey, msg)
    return { cipherText, sharedSecret }
  } catch (err) {
    throw new InvalidKeyError('ML-KEM-768 public key rejected', { cause: err })
  }
}

/** noble ML-KEM-768 decapsulation from the 64-byte seed. */
export function nobleMlKemDecapsulate (seed: Uint8Array, cipherText: Uint8Array): Uint8Array {
  checkLength(seed, 64, 'ML-KEM-768 seed')
  checkLength(cipherText, 1088, 'ML-KEM-768 ciphertext')
  return ml_kem768.decapsulate(cipherText, kemSecretKey(seed))
}

/** noble ML-KEM-768 public key of a 64-byte seed. */
export function nobleMlKemPublicKey (seed: Uint8Array): Uint8Array {
  checkLength(seed, 64, 'ML-KEM-768 seed')
  const { publicKey, secretKey } = ml_kem768.keygen(seed)
  expandedKem.set(seed, secretKey)
  return publicKey
}

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
