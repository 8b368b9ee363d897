/**
 * End-to-end encryption for Parley: pure functions over bytes and serialisable state
 * (no libp2p, no I/O). Spec: docs/PROTOCOL.md §5.
 *
 * @example
 * ```ts
 * import * as e2e from './crypto/index.js'
 * const backend = e2e.nativeBackend
 * // Bob publishes
 * const bob = await e2e.generateDeviceKeys(backend)
 * const spk = await e2e.generateSignedPrekey(backend, bob, 1)
 * const pq = await e2e.generateSignedPqPrekey(backend, bob, 1)
 * const bundle = e2e.buildPrekeyBundle(e2e.devicePublicKeys(bob), spk.prekey, pq.prekey)
 * // Alice starts a session and seals her first message
 * const alice = await e2e.generateDeviceKeys(backend)
 * let { state } = await e2e.initiateSession(backend, alice, bundle)
 * const sent = await e2e.encryptMessage(backend, state, new TextEncoder().encode('hi'))
 * state = sent.state
 * ```
 */
export type { BackendInit, CryptoBackend, KemEncapsulation, KeyPair, RandomSource } from './backend.js'
export { generateEd25519KeyPair, generateMlKemKeyPair, generateX25519KeyPair, secureRandom } from './backend.js'
export { createNobleBackend, nobleBackend } from './backend-noble.js'
export { createNativeBackend, nativeBackend } from './backend-native.js'
export type { Signer } from './signer.js'
export type { SessionKeys } from './session-keys.js'
export * from './errors.js'
export * as limits from './constants.js'
export { pad, paddedLength, unpad } from './padding.js'
export type {
  DeviceKeys, DevicePublicKeys, OneTimePrekey, OneTimePrekeyPair, PrekeyBundle, PrekeyKind, SignedPrekey, SignedPrekeyPair
} from './prekeys.js'
export {
  buildPrekeyBundle, devicePublicKeys, generateDeviceKeys, generateOneTimePqPrekeys, generateOneTimePrekeys,
  generateSignedPqPrekey, generateSignedPrekey, needsRotation, prekeySignatureMessage, verifyPrekeyBundle, verifySignedPrekey
} from './prekeys.js'
export type { AcceptedSession, PrekeyLookup, UsedPrekeys } from './pqxdh.js'
export { acceptPrekeyMessage, initiateSession } from './pqxdh.js'
export type { PendingPrekey, SessionState, SkippedKey } from './ratchet.js'
export { wipeReplacedState } from './ratchet.js'
export type { CiphertextMessage } from './session.js'
export { decryptMessage, encryptMessage, isPrekeyMessageOf } from './session.js'
export { decodeSessionState, encodeSessionState } from './session-codec.js'
export type { OpenedSealed, SealSender } from './sealed-sender.js'
export { openSealed, sealForDevice } from './sealed-sender.js'
export { formatSafetyNumber, safetyNumber, safetyNumberQr, verifySafetyNumberQr } from './safety-number.js'
