/**
 * noble ML-KEM-768 (FIPS 203), for the noble backend and the browser's native primitives (no
 * ML-KEM in WebCrypto). A module of its own: the browser loads it with `import()` on the first
 * KEM operation, so ML-KEM and SHA-3 stay out of the browser's first load (docs/BROWSER.md,
 * "Bundle size"); an `import()` target keeps every export it has, so it exports only these.
 */
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js'
import type { KemEncapsulation } from './backend.js'
import { checkLength } from './check-length.js'
import { InvalidKeyError } from './errors.js'

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
