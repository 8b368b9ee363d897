/**
 * PQXDH handshake (Signal PQXDH spec, X25519 + ML-KEM-768, SHA-256):
 *
 *   DH1 = DH(IK_A, SPK_B)  DH2 = DH(EK_A, IK_B)  DH3 = DH(EK_A, SPK_B)  [DH4 = DH(EK_A, OPK_B)]
 *   (CT, SS) = ML-KEM-768.Encaps(PQPK_B)
 *   SK = HKDF-SHA256(salt = 0^32, ikm = 0xFF^32 || DH1 || DH2 || DH3 || [DH4] || SS, info, 32)
 *
 * IK is the device's X25519 identity DH key; prekeys are signed by its Ed25519 device key.
 */
import { type CryptoBackend, type KeyPair, generateX25519KeyPair } from './backend.js'
import { concatBytes, equalBytes, ownBytes, utf8, wipe } from '../bytes.js'
import { decodePrekeyMessage } from './codec.js'
import { AD_LABEL, INFO_PQXDH } from './constants.js'
import { checkLength } from './check-length.js'
import { InvalidSenderError, UnknownPrekeyError } from './errors.js'
import { type DeviceKeys, type DevicePublicKeys, type PrekeyBundle, verifyPrekeyBundle } from './prekeys.js'
import { type SessionState, initInitiatorRatchet, initResponderRatchet, ratchetDecrypt } from './ratchet.js'

const INFO_PQXDH_BYTES = utf8(INFO_PQXDH)
const AD_LABEL_BYTES = utf8(AD_LABEL)
const F = new Uint8Array(32).fill(0xff)
const ZERO_SALT = new Uint8Array(32)

/** Which of the responder's prekeys a handshake used. */
export interface UsedPrekeys {
  signedPrekeyId: number
  oneTimePrekeyId?: number
  pqPrekeyId: number
  /** true: a one-time ML-KEM prekey; false: the signed last-resort one. */
  pqPrekeyOneTime: boolean
}

/**
 * The responder's private prekeys, looked up by id (from the store; may be async). Return
 * `undefined` for an unknown id. ML-KEM private keys are 64-byte seeds.
 */
export interface PrekeyLookup {
  signedPrekey: (id: number) => KeyPair | undefined | Promise<KeyPair | undefined>
  oneTimePrekey: (id: number) => KeyPair | undefined | Promise<KeyPair | undefined>
  pqPrekey: (id: number, oneTime: boolean) => KeyPair | undefined | Promise<KeyPair | undefined>
}

/** Associated data binding both devices: label || A.deviceKey || A.identityDhKey || B.deviceKey || B.identityDhKey. */
export function sessionAssociatedData (initiator: DevicePublicKeys, responder: DevicePublicKeys): Uint8Array {
  return concatBytes(AD_LABEL_BYTES, initiator.deviceKey, initiator.identityDhKey, responder.deviceKey, responder.identityDhKey)
}

async function deriveSharedKey (backend: CryptoBackend, secrets: Uint8Array[]): Promise<Uint8Array> {
  const ikm = concatBytes(F, ...secrets)
  const sk = await backend.hkdfSha256(ikm, ZERO_SALT, INFO_PQXDH_BYTES, 32)
  wipe(ikm, ...secrets)
  return sk
}

/**
 * Starts a session with the device behind `bundle` (verifies every prekey signature first,
 * throwing `InvalidSignatureError`). The returned state sends prekey messages until the
 * responder's first reply is decrypted.
 *
 * @example
 * ```ts
 * const { state } = await initiateSession(nativeBackend, myDevice, bundle)
 * const { state: next, message } = await encryptMessage(nativeBackend, state, plaintext)
 * ```
 */
export async function initiateSession (backend: CryptoBackend, local: DeviceKeys, bundle: PrekeyBundle): Promise<{ state: SessionState, used: UsedPrekeys }> {
  await verifyPrekeyBundle(backend, bundle)
  const pqPrekey = bundle.oneTimePqPrekey ?? bundle.signedPqPrekey
  const used: UsedPrekeys = { signedPrekeyId: bundle.signedPrekey.id, pqPrekeyId: pqPrekey.id, pqPrekeyOneTime: bundle.oneTimePqPrekey !== undefined }
  if (bundle.oneTimePrekey !== undefined) used.oneTimePrekeyId = bundle.oneTimePrekey.id

  const ek = await generateX25519KeyPair(backend)
  const secrets = [
    await backend.x25519(local.identityDh.privateKey, bundle.signedPrekey.publicKey),
    await backend.x25519(ek.privateKey, bundle.identityDhKey),
    await backend.x25519(ek.privateKey, bundle.signedPrekey.publicKey)
  ]
  if (bundle.oneTimePrekey !== undefined) secrets.push(await backend.x25519(ek.privateKey, bundle.oneTimePrekey.publicKey))
  const { cipherText, sharedSecret } = await backend.mlKemEncapsulate(pqPrekey.publicKey)
  secrets.push(sharedSecret)
  ek.privateKey.fill(0)
  const sk = await deriveSharedKey(backend, secrets)

  const localPublic = { deviceKey: local.signing.publicKey, identityDhKey: local.identityDh.publicKey }
  const state = await initInitiatorRatchet(backend, {
    localDeviceKey: localPublic.deviceKey,
    localIdentityDhKey: localPublic.identityDhKey,
    remoteDeviceKey: ownBytes(bundle.deviceKey),
    remoteIdentityDhKey: ownBytes(bundle.identityDhKey),
    initiator: true,
    baseKey: ek.publicKey,
    associatedData: sessionAssociatedData(localPublic, bundle),
    pending: { ...used, baseKey: ek.publicKey, kemCiphertext: cipherText }
  }, sk, bundle.signedPrekey.publicKey)
  sk.fill(0)
  return { state, used }
}

/** What {@link acceptPrekeyMessage} returns. */
export interface AcceptedSession {
  state: SessionState
  plaintext: Uint8Array
  /** The initiator's device keys as claimed in the message (check them against its account record). */
  remote: DevicePublicKeys
  /** The initiator's handshake key: a second prekey message with it belongs to this session. */
  baseKey: Uint8Array
  /** One-time prekeys this handshake consumed: delete them once the state is stored. */
  consumed: { oneTimePrekeyId?: number, oneTimePqPrekeyId?: number }
}

/**
 * Responder side: derives the session from a prekey message, decrypts its first ratchet
 * message, and reports which one-time prekeys to delete. Throws `UnknownPrekeyError`,
 * `DecryptError`, `MalformedMessageError`, and `InvalidSenderError` when `expectedSender`
 * (the keys a sealed sender proved) differs from the keys in the message.
 *
 * @example
 * ```ts
 * const { state, plaintext, consumed } = await acceptPrekeyMessage(nativeBackend, myDevice, lookup, body, opened.sender)
 * await store.saveSession(state); await store.deletePrekeys(consumed)
 * ```
 */
export async function acceptPrekeyMessage (backend: CryptoBackend, local: DeviceKeys, prekeys: PrekeyLookup, body: Uint8Array, expectedSender?: DevicePublicKeys): Promise<AcceptedSession> {
  const msg = decodePrekeyMessage(body)
  if (expectedSender !== undefined && (!equalBytes(expectedSender.identityDhKey, msg.identityDhKey) || !equalBytes(expectedSender.deviceKey, msg.deviceKey))) {
    throw new InvalidSenderError('Prekey message identity differs from the authenticated sender')
  }
  const spk = await prekeys.signedPrekey(msg.signedPrekeyId)
  if (spk === undefined) throw new UnknownPrekeyError(`Unknown signed prekey ${msg.signedPrekeyId}`)
  let opk: KeyPair | undefined
  if (msg.oneTimePrekeyId !== undefined) {
    opk = await prekeys.oneTimePrekey(msg.oneTimePrekeyId)
    if (opk === undefined) throw new UnknownPrekeyError(`Unknown one-time prekey ${msg.oneTimePrekeyId}`)
  }
  const pq = await prekeys.pqPrekey(msg.pqPrekeyId, msg.pqPrekeyOneTime)
  if (pq === undefined) throw new UnknownPrekeyError(`Unknown ${msg.pqPrekeyOneTime ? 'one-time ' : ''}PQ prekey ${msg.pqPrekeyId}`)
  checkLength(pq.privateKey, 64, 'ML-KEM-768 seed')

  const remote: DevicePublicKeys = { deviceKey: ownBytes(msg.deviceKey), identityDhKey: ownBytes(msg.identityDhKey) }
  const baseKey = ownBytes(msg.baseKey)
  const secrets = [
    await backend.x25519(spk.privateKey, remote.identityDhKey),
    await backend.x25519(local.identityDh.privateKey, baseKey),
    await backend.x25519(spk.privateKey, baseKey)
  ]
  if (opk !== undefined) secrets.push(await backend.x25519(opk.privateKey, baseKey))
  secrets.push(await backend.mlKemDecapsulate(pq.privateKey, msg.kemCiphertext))
  const sk = await deriveSharedKey(backend, secrets)

  const localPublic = { deviceKey: local.signing.publicKey, identityDhKey: local.identityDh.publicKey }
  const initial = initResponderRatchet({
    localDeviceKey: localPublic.deviceKey,
    localIdentityDhKey: localPublic.identityDhKey,
    remoteDeviceKey: remote.deviceKey,
    remoteIdentityDhKey: remote.identityDhKey,
    initiator: false,
    baseKey,
    associatedData: sessionAssociatedData(remote, localPublic)
  }, sk, spk)
  sk.fill(0)
  const { state, plaintext } = await ratchetDecrypt(backend, initial, msg.message)
  const consumed: AcceptedSession['consumed'] = {}
  if (msg.oneTimePrekeyId !== undefined) consumed.oneTimePrekeyId = msg.oneTimePrekeyId
  if (msg.pqPrekeyOneTime) consumed.oneTimePqPrekeyId = msg.pqPrekeyId
  return { state, plaintext, remote, baseKey, consumed }
}
