/**
 * Session state ↔ bytes (SessionStateRecord in src/wire/e2e.proto, versioned). Decoding checks
 * size, version, counts and key lengths and throws `SessionStateError` on anything off.
 */
import { SessionStateRecord } from '../wire/e2e.js'
import { ownBytes, toHex } from '../bytes.js'
import { ab } from './codec.js'
import { E2E_VERSION, MAX_PREVIOUS_RATCHET_KEYS, MAX_SESSION_STATE_BYTES, MAX_SKIPPED_KEYS } from './constants.js'
import { SessionStateError } from './errors.js'
import type { SessionState, SkippedKey } from './ratchet.js'

/**
 * Serialises a session (contains secret keys: store it encrypted at rest).
 *
 * @example
 * ```ts
 * await store.put(sessionKey, encodeSessionState(state))
 * const state = decodeSessionState(await store.get(sessionKey))
 * ```
 */
export function encodeSessionState (state: SessionState): Uint8Array {
  return SessionStateRecord.encode({
    version: state.version,
    localDeviceKey: ab(state.localDeviceKey),
    localIdentityDhKey: ab(state.localIdentityDhKey),
    remoteDeviceKey: ab(state.remoteDeviceKey),
    remoteIdentityDhKey: ab(state.remoteIdentityDhKey),
    initiator: state.initiator,
    baseKey: ab(state.baseKey),
    associatedData: ab(state.associatedData),
    rootKey: ab(state.rootKey),
    ratchetPublicKey: ab(state.ratchetKeyPair.publicKey),
    ratchetPrivateKey: ab(state.ratchetKeyPair.privateKey),
    remoteRatchetKey: state.remoteRatchetKey === undefined ? undefined : ab(state.remoteRatchetKey),
    sendingChainKey: state.sendingChainKey === undefined ? undefined : ab(state.sendingChainKey),
    receivingChainKey: state.receivingChainKey === undefined ? undefined : ab(state.receivingChainKey),
    sendCounter: state.sendCounter,
    receiveCounter: state.receiveCounter,
    previousSendCounter: state.previousSendCounter,
    skipped: [...state.skipped.values()].map((s) => ({ ratchetKey: ab(s.ratchetKey), counter: s.counter, messageKey: ab(s.messageKey) })),
    pending: state.pending === undefined
      ? undefined
      : { ...state.pending, baseKey: ab(state.pending.baseKey), kemCiphertext: ab(state.pending.kemCiphertext) },
    previousRemoteRatchetKeys: state.previousRemoteRatchetKeys.map(ab)
  })
}

function key (bytes: Uint8Array | undefined, length: number, what: string): Uint8Array {
  if (bytes === undefined || bytes.length !== length) throw new SessionStateError(`Corrupt session state: ${what}`)
  return ownBytes(bytes)
}

function optionalKey (bytes: Uint8Array | undefined, what: string): Uint8Array | undefined {
  return bytes === undefined ? undefined : key(bytes, 32, what)
}

/**
 * Restores a session serialised by {@link encodeSessionState}.
 *
 * @example
 * ```ts
 * const state = decodeSessionState(bytes)
 * ```
 */
export function decodeSessionState (bytes: Uint8Array): SessionState {
  if (bytes.length > MAX_SESSION_STATE_BYTES) throw new SessionStateError('Session state too large')
  let r: SessionStateRecord
  try {
    r = SessionStateRecord.decode(bytes, { limits: { skipped: MAX_SKIPPED_KEYS, previousRemoteRatchetKeys: MAX_PREVIOUS_RATCHET_KEYS } })
  } catch (err) {
    throw new SessionStateError('Corrupt session state', { cause: err })
  }
  if (r.version !== E2E_VERSION) throw new SessionStateError(`Unsupported session state version ${r.version}`)
  const skipped = new Map<string, SkippedKey>()
  for (const s of r.skipped) {
    const entry = { ratchetKey: key(s.ratchetKey, 32, 'skipped key'), counter: s.counter, messageKey: key(s.messageKey, 32, 'skipped key') }
    skipped.set(`${toHex(entry.ratchetKey)}:${entry.counter}`, entry)
  }
  const state: SessionState = {
    version: r.version,
    localDeviceKey: key(r.localDeviceKey, 32, 'local device key'),
    localIdentityDhKey: key(r.localIdentityDhKey, 32, 'local identity key'),
    remoteDeviceKey: key(r.remoteDeviceKey, 32, 'remote device key'),
    remoteIdentityDhKey: key(r.remoteIdentityDhKey, 32, 'remote identity key'),
    initiator: r.initiator,
    baseKey: key(r.baseKey, 32, 'base key'),
    associatedData: ownBytes(r.associatedData),
    rootKey: key(r.rootKey, 32, 'root key'),
    ratchetKeyPair: { publicKey: key(r.ratchetPublicKey, 32, 'ratchet key'), privateKey: key(r.ratchetPrivateKey, 32, 'ratchet key') },
    sendCounter: r.sendCounter,
    receiveCounter: r.receiveCounter,
    previousSendCounter: r.previousSendCounter,
    skipped,
    previousRemoteRatchetKeys: r.previousRemoteRatchetKeys.map((k) => key(k, 32, 'previous ratchet key'))
  }
  const remoteRatchetKey = optionalKey(r.remoteRatchetKey, 'remote ratchet key')
  const sendingChainKey = optionalKey(r.sendingChainKey, 'sending chain key')
  const receivingChainKey = optionalKey(r.receivingChainKey, 'receiving chain key')
  if (remoteRatchetKey !== undefined) state.remoteRatchetKey = remoteRatchetKey
  if (sendingChainKey !== undefined) state.sendingChainKey = sendingChainKey
  if (receivingChainKey !== undefined) state.receivingChainKey = receivingChainKey
  if (r.pending !== undefined) {
    state.pending = {
      baseKey: key(r.pending.baseKey, 32, 'pending base key'),
      signedPrekeyId: r.pending.signedPrekeyId,
      pqPrekeyId: r.pending.pqPrekeyId,
      pqPrekeyOneTime: r.pending.pqPrekeyOneTime,
      kemCiphertext: key(r.pending.kemCiphertext, 1088, 'pending KEM ciphertext')
    }
    if (r.pending.oneTimePrekeyId !== undefined) state.pending.oneTimePrekeyId = r.pending.oneTimePrekeyId
  }
  return state
}
