/**
 * Device keys and prekeys: generation, signatures and rotation. A device has an Ed25519
 * signing key (the "device key") and an X25519 identity DH key; it publishes a signed X25519
 * prekey and a signed ML-KEM-768 prekey (the last-resort PQ key) in its account record, and
 * hands one-time X25519 and signed one-time ML-KEM-768 prekeys to its relays.
 */
import { type CryptoBackend, type KeyPair, generateEd25519KeyPair, generateMlKemKeyPair, generateX25519KeyPair } from './backend.js'
import { concatBytes, u32be, u64be, utf8 } from '../bytes.js'
import { MLKEM768_PUBLIC_KEY_BYTES, PREKEY_SIGNATURE_LABEL } from './constants.js'
import { checkLength } from './check-length.js'
import { InvalidSignatureError } from './errors.js'

/** A signed prekey as published (account record / bundle). Same shape for X25519 and ML-KEM. */
export interface SignedPrekey {
  id: number
  publicKey: Uint8Array
  signature: Uint8Array
  /** Creation time, ms since the epoch. */
  createdAt: number
}

/** An unsigned one-time X25519 prekey as published. */
export interface OneTimePrekey {
  id: number
  publicKey: Uint8Array
}

/** A signed prekey with its private key (kept on the device). */
export interface SignedPrekeyPair {
  prekey: SignedPrekey
  /** X25519 private key, or the 64-byte ML-KEM-768 seed. */
  privateKey: Uint8Array
}

/** A one-time X25519 prekey with its private key. */
export interface OneTimePrekeyPair {
  prekey: OneTimePrekey
  privateKey: Uint8Array
}

/** A device's long-term keys. */
export interface DeviceKeys {
  /** Ed25519: signs prekeys; its public half is the device key. */
  signing: KeyPair
  /** X25519: the identity key in the handshake and sealed sender. */
  identityDh: KeyPair
}

/** The public half of {@link DeviceKeys}. */
export interface DevicePublicKeys {
  deviceKey: Uint8Array
  identityDhKey: Uint8Array
}

/**
 * What an initiator needs to open a session with one device. `signedPqPrekey` is the
 * last-resort ML-KEM key, used when no `oneTimePqPrekey` is offered.
 */
export interface PrekeyBundle extends DevicePublicKeys {
  signedPrekey: SignedPrekey
  signedPqPrekey: SignedPrekey
  oneTimePrekey?: OneTimePrekey
  oneTimePqPrekey?: SignedPrekey
}

/** Which kind of prekey a signature covers (one byte in the signed message). */
export type PrekeyKind = 'signed' | 'signed-pq' | 'one-time-pq'

const KIND_BYTE: Record<PrekeyKind, number> = { signed: 1, 'signed-pq': 2, 'one-time-pq': 3 }
const LABEL = utf8(PREKEY_SIGNATURE_LABEL)

/**
 * The exact bytes a prekey signature covers:
 * `label || 0x00 || kind(1) || identityDhKey(32) || id(u32be) || createdAt(u64be) || publicKey`.
 *
 * @example
 * ```ts
 * const msg = prekeySignatureMessage('signed', identityDhKey, prekey)
 * ```
 */
export function prekeySignatureMessage (kind: PrekeyKind, identityDhKey: Uint8Array, prekey: Omit<SignedPrekey, 'signature'>): Uint8Array {
  return concatBytes(LABEL, new Uint8Array([0, KIND_BYTE[kind]]), identityDhKey, u32be(prekey.id), u64be(prekey.createdAt), prekey.publicKey)
}

function checkId (id: number): void {
  if (!Number.isInteger(id) || id < 0 || id > 0xffffffff) throw new RangeError('Prekey id must be a uint32')
}

/**
 * Fresh device keys.
 *
 * @example
 * ```ts
 * const device = await generateDeviceKeys(nativeBackend)
 * ```
 */
export async function generateDeviceKeys (backend: CryptoBackend): Promise<DeviceKeys> {
  return { signing: await generateEd25519KeyPair(backend), identityDh: await generateX25519KeyPair(backend) }
}

/** Public half of device keys. */
export function devicePublicKeys (device: DeviceKeys): DevicePublicKeys {
  return { deviceKey: device.signing.publicKey, identityDhKey: device.identityDh.publicKey }
}

async function sign (backend: CryptoBackend, device: DeviceKeys, kind: PrekeyKind, id: number, publicKey: Uint8Array, createdAt: number): Promise<SignedPrekey> {
  const signature = await backend.ed25519Sign(device.signing.privateKey, prekeySignatureMessage(kind, device.identityDh.publicKey, { id, publicKey, createdAt }))
  return { id, publicKey, signature, createdAt }
}

/**
 * A new signed X25519 prekey.
 *
 * @example
 * ```ts
 * const spk = await generateSignedPrekey(backend, device, 1, Date.now())
 * ```
 */
export async function generateSignedPrekey (backend: CryptoBackend, device: DeviceKeys, id: number, now: number = Date.now()): Promise<SignedPrekeyPair> {
  checkId(id)
  const pair = await generateX25519KeyPair(backend)
  return { prekey: await sign(backend, device, 'signed', id, pair.publicKey, now), privateKey: pair.privateKey }
}

/**
 * A new signed ML-KEM-768 prekey: the last-resort PQ key published in the account record.
 *
 * @example
 * ```ts
 * const pq = await generateSignedPqPrekey(backend, device, 1, Date.now())
 * ```
 */
export async function generateSignedPqPrekey (backend: CryptoBackend, device: DeviceKeys, id: number, now: number = Date.now()): Promise<SignedPrekeyPair> {
  checkId(id)
  const pair = await generateMlKemKeyPair(backend)
  return { prekey: await sign(backend, device, 'signed-pq', id, pair.publicKey, now), privateKey: pair.privateKey }
}

/**
 * `count` one-time X25519 prekeys with ids `firstId`, `firstId + 1`, ….
 *
 * @example
 * ```ts
 * const pool = await generateOneTimePrekeys(backend, 100, 50)
 * ```
 */
export async function generateOneTimePrekeys (backend: CryptoBackend, firstId: number, count: number): Promise<OneTimePrekeyPair[]> {
  const out: OneTimePrekeyPair[] = []
  for (let i = 0; i < count; i++) {
    checkId(firstId + i)
    const pair = await generateX25519KeyPair(backend)
    out.push({ prekey: { id: firstId + i, publicKey: pair.publicKey }, privateKey: pair.privateKey })
  }
  return out
}

/**
 * `count` signed one-time ML-KEM-768 prekeys with ids `firstId`, `firstId + 1`, ….
 *
 * @example
 * ```ts
 * const pqPool = await generateOneTimePqPrekeys(backend, device, 100, 20)
 * ```
 */
export async function generateOneTimePqPrekeys (backend: CryptoBackend, device: DeviceKeys, firstId: number, count: number, now: number = Date.now()): Promise<SignedPrekeyPair[]> {
  const out: SignedPrekeyPair[] = []
  for (let i = 0; i < count; i++) {
    checkId(firstId + i)
    const pair = await generateMlKemKeyPair(backend)
    out.push({ prekey: await sign(backend, device, 'one-time-pq', firstId + i, pair.publicKey, now), privateKey: pair.privateKey })
  }
  return out
}

/**
 * Throws `InvalidSignatureError` unless `prekey` is correctly signed by `deviceKey` for
 * `identityDhKey` (and has the right public-key length for its kind).
 *
 * @example
 * ```ts
 * await verifySignedPrekey(backend, record.deviceKey, record.identityDhKey, record.signedPrekey, 'signed')
 * ```
 */
export async function verifySignedPrekey (backend: CryptoBackend, deviceKey: Uint8Array, identityDhKey: Uint8Array, prekey: SignedPrekey, kind: PrekeyKind): Promise<void> {
  const expected = kind === 'signed' ? 32 : MLKEM768_PUBLIC_KEY_BYTES
  if (prekey.publicKey.length !== expected || prekey.signature.length !== 64 || identityDhKey.length !== 32) {
    throw new InvalidSignatureError(`Malformed ${kind} prekey ${prekey.id}`)
  }
  const ok = await backend.ed25519Verify(deviceKey, prekeySignatureMessage(kind, identityDhKey, prekey), prekey.signature)
  if (!ok) throw new InvalidSignatureError(`Bad signature on ${kind} prekey ${prekey.id}`)
}

/**
 * Checks every signature and key length in a bundle; throws `InvalidSignatureError` or
 * `InvalidKeyError`.
 *
 * @example
 * ```ts
 * await verifyPrekeyBundle(backend, bundle)
 * ```
 */
export async function verifyPrekeyBundle (backend: CryptoBackend, bundle: PrekeyBundle): Promise<void> {
  checkLength(bundle.deviceKey, 32, 'Device key')
  checkLength(bundle.identityDhKey, 32, 'Identity DH key')
  await verifySignedPrekey(backend, bundle.deviceKey, bundle.identityDhKey, bundle.signedPrekey, 'signed')
  await verifySignedPrekey(backend, bundle.deviceKey, bundle.identityDhKey, bundle.signedPqPrekey, 'signed-pq')
  if (bundle.oneTimePqPrekey !== undefined) {
    await verifySignedPrekey(backend, bundle.deviceKey, bundle.identityDhKey, bundle.oneTimePqPrekey, 'one-time-pq')
  }
  if (bundle.oneTimePrekey !== undefined) checkLength(bundle.oneTimePrekey.publicKey, 32, 'One-time prekey')
}

/**
 * True when `prekey` is at least `maxAgeMs` old at `now` (or dated in the future by more
 * than that, a sign of a bad clock): time to publish a new one.
 *
 * @example
 * ```ts
 * if (needsRotation(spk.prekey, Date.now(), 7 * 24 * 3600_000)) { ... }
 * ```
 */
export function needsRotation (prekey: Pick<SignedPrekey, 'createdAt'>, now: number, maxAgeMs: number): boolean {
  return Math.abs(now - prekey.createdAt) >= maxAgeMs
}

/**
 * A bundle from a device's published keys and (optionally) one-time prekeys a relay handed out.
 *
 * @example
 * ```ts
 * const bundle = buildPrekeyBundle(devicePublicKeys(device), spk.prekey, pq.prekey, otpk.prekey, otpq.prekey)
 * ```
 */
export function buildPrekeyBundle (device: DevicePublicKeys, signedPrekey: SignedPrekey, signedPqPrekey: SignedPrekey, oneTimePrekey?: OneTimePrekey, oneTimePqPrekey?: SignedPrekey): PrekeyBundle {
  const bundle: PrekeyBundle = { deviceKey: device.deviceKey, identityDhKey: device.identityDhKey, signedPrekey, signedPqPrekey }
  if (oneTimePrekey !== undefined) bundle.oneTimePrekey = oneTimePrekey
  if (oneTimePqPrekey !== undefined) bundle.oneTimePqPrekey = oneTimePqPrekey
  return bundle
}
