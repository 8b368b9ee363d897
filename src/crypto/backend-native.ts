/**
 * The fast backend: platform curve, KEM and AEAD code (node:crypto in Node, WebCrypto in
 * browsers, via `native-primitives.ts` / `native-primitives.browser.ts`) plus noble hashes.
 * Produces exactly the same bytes as {@link nobleBackend} for the same inputs and randomness.
 */
import { type BackendInit, type CryptoBackend, secureRandom } from './backend.js'
import { nobleHashes } from './hash-noble.js'
import { nativePrimitives } from './native-primitives.js'

/**
 * A native backend. With `random` injected, ML-KEM encapsulation draws its 32 random bytes
 * from it through noble (platform KEMs take no caller randomness), so output stays
 * reproducible; decapsulation stays native.
 *
 * @example
 * ```ts
 * const backend = createNativeBackend()
 * const sig = await backend.ed25519Sign(seed, message)
 * ```
 */
export function createNativeBackend (init: BackendInit = {}): CryptoBackend {
  const { platform, x25519GenerateKeyPair, ...primitives } = nativePrimitives
  const random = init.random
  return {
    ...(random === undefined && x25519GenerateKeyPair !== undefined ? { x25519GenerateKeyPair } : {}),
    name: `native (${platform})`,
    ...primitives,
    ...nobleHashes,
    randomBytes: random ?? secureRandom,
    mlKemEncapsulate: random === undefined
      ? primitives.mlKemEncapsulate
      // loaded on use: in the browser bundle noble's ML-KEM is in the lazy chunk (kem-noble.ts)
      : async (publicKey) => (await import('./kem-noble.js')).nobleMlKemEncapsulate(publicKey, random(32))
  }
}

/**
 * The default native backend (platform CSPRNG). Use this in production.
 *
 * @example
 * ```ts
 * import { nativeBackend } from './backend-native.js'
 * const keys = await generateDeviceKeys(nativeBackend)
 * ```
 */
export const nativeBackend: CryptoBackend = createNativeBackend()
