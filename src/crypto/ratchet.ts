/**
 * The Double Ratchet (Signal spec, revision 4) over a {@link CryptoBackend}: HKDF-SHA256 root
 * KDF, HMAC-SHA256 chain KDF, ChaCha20-Poly1305 with key and nonce derived from each message
 * key, the encoded header (after the session's associated data) as AEAD associated data.
 *
 * State is immutable: every operation returns a new state and leaves its input untouched, so a
 * caller commits only after success. Fresh intermediates are wiped; secrets the input state
 * still holds are not (see {@link wipeReplacedState}).
 */
import { type CryptoBackend, type KeyPair, generateX25519KeyPair } from './backend.js'
import { concatBytes, equalBytes, ownBytes, toHex, utf8, wipe } from '../bytes.js'
import { ab, decodeRatchetHeader, decodeRatchetMessage, RatchetHeader, RatchetMessage } from './codec.js'
import {
  E2E_VERSION, INFO_MESSAGE_KEYS, INFO_ROOT, MAX_PREVIOUS_RATCHET_KEYS, MAX_SKIP, MAX_SKIPPED_KEYS
} from './constants.js'
import { ReplayError, SessionStateError, TooManySkippedError } from './errors.js'
import { pad, unpad } from './padding.js'

/** A stored message key of a message that has not arrived yet. */
export interface SkippedKey {
  ratchetKey: Uint8Array
  counter: number
  messageKey: Uint8Array
}

/** Handshake fields the initiator repeats in every message until the first reply arrives. */
export interface PendingPrekey {
  baseKey: Uint8Array
  signedPrekeyId: number
  oneTimePrekeyId?: number
  pqPrekeyId: number
  pqPrekeyOneTime: boolean
  kemCiphertext: Uint8Array
}

/** One pairwise session (my device ↔ their device). Treat as immutable. */
export interface SessionState {
  version: number
  localDeviceKey: Uint8Array
  localIdentityDhKey: Uint8Array
  remoteDeviceKey: Uint8Array
  remoteIdentityDhKey: Uint8Array
  /** True on the side that sent the prekey message. */
  initiator: boolean
  /** The initiator's handshake ephemeral key EK_A (identifies the handshake). */
  baseKey: Uint8Array
  /** AD = label || initiator device key || initiator identity DH key || responder's two keys. */
  associatedData: Uint8Array
  rootKey: Uint8Array
  ratchetKeyPair: KeyPair
  remoteRatchetKey?: Uint8Array
  sendingChainKey?: Uint8Array
  receivingChainKey?: Uint8Array
  sendCounter: number
  receiveCounter: number
  previousSendCounter: number
  /** Skipped message keys by `hex(ratchetKey):counter`, oldest first. */
  skipped: ReadonlyMap<string, SkippedKey>
  pending?: PendingPrekey
  previousRemoteRatchetKeys: Uint8Array[]
}

const INFO_ROOT_BYTES = utf8(INFO_ROOT)
const INFO_MESSAGE_KEYS_BYTES = utf8(INFO_MESSAGE_KEYS)
const ZERO_SALT = new Uint8Array(32)
const CHAIN_MESSAGE = new Uint8Array([1])
const CHAIN_NEXT = new Uint8Array([2])
const MAX_COUNTER = 0xffffffff

/** KDF_RK: HKDF(salt = root key, ikm = DH output, info) → (root key, chain key). */
export async function kdfRoot (backend: CryptoBackend, rootKey: Uint8Array, dhOut: Uint8Array): Promise<[Uint8Array, Uint8Array]> {
  const out = await backend.hkdfSha256(dhOut, rootKey, INFO_ROOT_BYTES, 64)
  const result: [Uint8Array, Uint8Array] = [out.slice(0, 32), out.slice(32, 64)]
  out.fill(0)
  return result
}

/** KDF_CK: message key = HMAC(ck, 0x01), next chain key = HMAC(ck, 0x02). */
export async function kdfChain (backend: CryptoBackend, chainKey: Uint8Array): Promise<[Uint8Array, Uint8Array]> {
  return [await backend.hmacSha256(chainKey, CHAIN_MESSAGE), await backend.hmacSha256(chainKey, CHAIN_NEXT)]
}

async function messageCipher (backend: CryptoBackend, messageKey: Uint8Array): Promise<Uint8Array> {
  return await backend.hkdfSha256(messageKey, ZERO_SALT, INFO_MESSAGE_KEYS_BYTES, 44)
}

/** AEAD-seal `plaintext` under a message key: key = okm[0..32), nonce = okm[32..44). */
export async function sealWithMessageKey (backend: CryptoBackend, messageKey: Uint8Array, plaintext: Uint8Array, ad: Uint8Array): Promise<Uint8Array> {
  const okm = await messageCipher(backend, messageKey)
  try {
    return await backend.aeadSeal(okm.subarray(0, 32), okm.subarray(32, 44), plaintext, ad)
  } finally {
    okm.fill(0)
  }
}

/** Inverse of {@link sealWithMessageKey}; throws `DecryptError`. */
export async function openWithMessageKey (backend: CryptoBackend, messageKey: Uint8Array, ciphertext: Uint8Array, ad: Uint8Array): Promise<Uint8Array> {
  const okm = await messageCipher(backend, messageKey)
  try {
    return await backend.aeadOpen(okm.subarray(0, 32), okm.subarray(32, 44), ciphertext, ad)
  } finally {
    okm.fill(0)
  }
}

function skippedId (ratchetKey: Uint8Array, counter: number): string {
  return `${toHex(ratchetKey)}:${counter}`
}

/**
 * Initiator's ratchet after the handshake (spec `RatchetInitAlice`): a fresh ratchet key pair,
 * the responder's signed prekey as the first remote ratchet key, one root-KDF step.
 */
export async function initInitiatorRatchet (backend: CryptoBackend, base: Omit<SessionState, 'rootKey' | 'ratchetKeyPair' | 'remoteRatchetKey' | 'sendingChainKey' | 'receivingChainKey' | 'sendCounter' | 'receiveCounter' | 'previousSendCounter' | 'skipped' | 'previousRemoteRatchetKeys' | 'version'>, sharedKey: Uint8Array, remoteSignedPrekey: Uint8Array): Promise<SessionState> {
  const ratchetKeyPair = await generateX25519KeyPair(backend)
  const dh = await backend.x25519(ratchetKeyPair.privateKey, remoteSignedPrekey)
  const [rootKey, sendingChainKey] = await kdfRoot(backend, sharedKey, dh)
  dh.fill(0)
  return {
    ...base,
    version: E2E_VERSION,
    rootKey,
    ratchetKeyPair,
    remoteRatchetKey: ownBytes(remoteSignedPrekey),
    sendingChainKey,
    sendCounter: 0,
    receiveCounter: 0,
    previousSendCounter: 0,
    skipped: new Map(),
    previousRemoteRatchetKeys: []
  }
}

/** Key arrays a session borrows from the prekey store: never wiped by {@link wipeReplacedState}. */
const borrowed = new WeakSet<Uint8Array>()

/**
 * Responder's ratchet after the handshake (spec `RatchetInitBob`): the signed prekey pair is
 * the first ratchet key pair (borrowed, not copied, so a native backend's cached key object is
 * reused; wiping a replaced session never touches it).
 */
export function initResponderRatchet (base: Omit<SessionState, 'rootKey' | 'ratchetKeyPair' | 'remoteRatchetKey' | 'sendingChainKey' | 'receivingChainKey' | 'sendCounter' | 'receiveCounter' | 'previousSendCounter' | 'skipped' | 'previousRemoteRatchetKeys' | 'version'>, sharedKey: Uint8Array, signedPrekey: KeyPair): SessionState {
  return {
    ...base,
    version: E2E_VERSION,
    rootKey: ownBytes(sharedKey),
    ratchetKeyPair: { publicKey: signedPrekey.publicKey, privateKey: borrow(signedPrekey.privateKey) },
    sendCounter: 0,
    receiveCounter: 0,
    previousSendCounter: 0,
    skipped: new Map(),
    previousRemoteRatchetKeys: []
  }
}

function borrow (key: Uint8Array): Uint8Array {
  borrowed.add(key)
  return key
}

/**
 * Encrypts one message (padded first). Returns the new state and the encoded RatchetMessage.
 *
 * @example
 * ```ts
 * const { state: next, message } = await ratchetEncrypt(backend, state, plaintext)
 * ```
 */
export async function ratchetEncrypt (backend: CryptoBackend, state: SessionState, plaintext: Uint8Array): Promise<{ state: SessionState, message: Uint8Array }> {
  if (state.sendingChainKey === undefined) throw new SessionStateError('Cannot send before the first message from the initiator arrives')
  if (state.sendCounter >= MAX_COUNTER) throw new SessionStateError('Sending chain exhausted')
  const [messageKey, sendingChainKey] = await kdfChain(backend, state.sendingChainKey)
  const header = RatchetHeader.encode({ ratchetKey: ab(state.ratchetKeyPair.publicKey), previousCounter: state.previousSendCounter, counter: state.sendCounter })
  const padded = pad(plaintext)
  const ciphertext = await sealWithMessageKey(backend, messageKey, padded, concatBytes(state.associatedData, header))
  wipe(messageKey, padded)
  const message = RatchetMessage.encode({ version: E2E_VERSION, header, ciphertext: ab(ciphertext) })
  return { state: { ...state, sendingChainKey, sendCounter: state.sendCounter + 1 }, message }
}

interface Draft {
  /** The caller's state: never modified, its secrets never wiped here. */
  input: SessionState
  state: SessionState
  skipped?: Map<string, SkippedKey>
  /** Secrets created during this call and no longer needed once it ends. */
  scratch: Uint8Array[]
}

function addSkipped (draft: Draft, entry: SkippedKey): void {
  if (draft.skipped === undefined) draft.skipped = new Map(draft.state.skipped)
  draft.skipped.set(skippedId(entry.ratchetKey, entry.counter), entry)
  while (draft.skipped.size > MAX_SKIPPED_KEYS) {
    const oldest = draft.skipped.keys().next().value as string
    draft.skipped.delete(oldest)
  }
}

async function skipUntil (backend: CryptoBackend, draft: Draft, until: number): Promise<void> {
  const s = draft.state
  if (s.receivingChainKey === undefined || s.remoteRatchetKey === undefined || until <= s.receiveCounter) return
  if (until - s.receiveCounter > MAX_SKIP) throw new TooManySkippedError(`Message would skip ${until - s.receiveCounter} keys (max ${MAX_SKIP})`)
  let chainKey = s.receivingChainKey
  for (let n = s.receiveCounter; n < until; n++) {
    const [messageKey, next] = await kdfChain(backend, chainKey)
    if (chainKey !== draft.input.receivingChainKey) draft.scratch.push(chainKey)
    addSkipped(draft, { ratchetKey: s.remoteRatchetKey, counter: n, messageKey })
    chainKey = next
  }
  draft.state = { ...s, receivingChainKey: chainKey, receiveCounter: until }
}

async function dhRatchet (backend: CryptoBackend, draft: Draft, remoteKey: Uint8Array): Promise<void> {
  const s = draft.state
  const previousRemoteRatchetKeys = s.remoteRatchetKey === undefined
    ? s.previousRemoteRatchetKeys
    : [...s.previousRemoteRatchetKeys, s.remoteRatchetKey].slice(-MAX_PREVIOUS_RATCHET_KEYS)
  const dhReceive = await backend.x25519(s.ratchetKeyPair.privateKey, remoteKey)
  const [rootKey1, receivingChainKey] = await kdfRoot(backend, s.rootKey, dhReceive)
  const ratchetKeyPair = await generateX25519KeyPair(backend)
  const dhSend = await backend.x25519(ratchetKeyPair.privateKey, remoteKey)
  const [rootKey, sendingChainKey] = await kdfRoot(backend, rootKey1, dhSend)
  wipe(dhReceive, dhSend, rootKey1)
  if (s.receivingChainKey !== undefined && s.receivingChainKey !== draft.input.receivingChainKey) draft.scratch.push(s.receivingChainKey)
  draft.state = {
    ...s,
    previousSendCounter: s.sendCounter,
    sendCounter: 0,
    receiveCounter: 0,
    remoteRatchetKey: remoteKey,
    rootKey,
    receivingChainKey,
    sendingChainKey,
    ratchetKeyPair,
    previousRemoteRatchetKeys
  }
}

/**
 * Decrypts one encoded RatchetMessage. Returns a NEW state; the input is left untouched, so
 * on any error the caller simply keeps its old state. Throws `ReplayError` (already
 * received), `TooManySkippedError`, `DecryptError`, `MalformedMessageError`.
 *
 * @example
 * ```ts
 * const { state: next, plaintext } = await ratchetDecrypt(backend, state, bytes)
 * await saveSession(next) // commit only after success
 * ```
 */
export async function ratchetDecrypt (backend: CryptoBackend, state: SessionState, bytes: Uint8Array): Promise<{ state: SessionState, plaintext: Uint8Array }> {
  const msg = decodeRatchetMessage(bytes)
  const header = decodeRatchetHeader(msg.header)
  const ad = concatBytes(state.associatedData, msg.header)

  const id = skippedId(header.ratchetKey, header.counter)
  const stored = state.skipped.get(id)
  if (stored !== undefined) {
    const padded = await openWithMessageKey(backend, stored.messageKey, msg.ciphertext, ad)
    const skipped = new Map(state.skipped)
    skipped.delete(id)
    return { state: { ...state, skipped, pending: undefined }, plaintext: finish(padded) }
  }

  const draft: Draft = { input: state, state, scratch: [] }
  try {
    if (state.remoteRatchetKey !== undefined && equalBytes(header.ratchetKey, state.remoteRatchetKey)) {
      if (header.counter < state.receiveCounter) throw new ReplayError()
    } else {
      if (state.previousRemoteRatchetKeys.some((k) => equalBytes(k, header.ratchetKey))) throw new ReplayError()
      if (header.counter > MAX_SKIP) throw new TooManySkippedError(`Message would skip ${header.counter} keys (max ${MAX_SKIP})`)
      await skipUntil(backend, draft, header.previousCounter)
      await dhRatchet(backend, draft, ownBytes(header.ratchetKey))
    }
    await skipUntil(backend, draft, header.counter)
    const s = draft.state
    const [messageKey, receivingChainKey] = await kdfChain(backend, s.receivingChainKey as Uint8Array)
    if (s.receivingChainKey !== state.receivingChainKey) draft.scratch.push(s.receivingChainKey as Uint8Array)
    let padded: Uint8Array
    try {
      padded = await openWithMessageKey(backend, messageKey, msg.ciphertext, ad)
    } finally {
      messageKey.fill(0)
    }
    const next: SessionState = {
      ...s,
      receivingChainKey,
      receiveCounter: header.counter + 1,
      skipped: draft.skipped ?? s.skipped,
      pending: undefined
    }
    return { state: next, plaintext: finish(padded) }
  } catch (err) {
    // nothing of the draft survives: wipe every secret it created
    if (draft.state !== state) {
      wipe(draft.state.rootKey === state.rootKey ? undefined : draft.state.rootKey)
      wipe(draft.state.ratchetKeyPair === state.ratchetKeyPair || borrowed.has(draft.state.ratchetKeyPair.privateKey) ? undefined : draft.state.ratchetKeyPair.privateKey)
      wipe(draft.state.sendingChainKey === state.sendingChainKey ? undefined : draft.state.sendingChainKey)
      wipe(draft.state.receivingChainKey === state.receivingChainKey ? undefined : draft.state.receivingChainKey)
    }
    if (draft.skipped !== undefined) for (const [key, entry] of draft.skipped) if (!state.skipped.has(key)) entry.messageKey.fill(0)
    throw err
  } finally {
    wipe(...draft.scratch)
  }
}

function finish (padded: Uint8Array): Uint8Array {
  const plaintext = unpad(padded).slice()
  padded.fill(0)
  return plaintext
}

/**
 * Zeroes the secrets of `old` that `current` no longer holds. Call after committing `current`
 * (the state returned by encrypt/decrypt) when `old` is dropped.
 *
 * @example
 * ```ts
 * const { state: next } = await decryptMessage(backend, state, message)
 * await saveSession(next); wipeReplacedState(state, next)
 * ```
 */
export function wipeReplacedState (old: SessionState, current: SessionState): void {
  const keep = new Set<Uint8Array>([current.rootKey, current.ratchetKeyPair.privateKey])
  if (current.sendingChainKey !== undefined) keep.add(current.sendingChainKey)
  if (current.receivingChainKey !== undefined) keep.add(current.receivingChainKey)
  for (const entry of current.skipped.values()) keep.add(entry.messageKey)
  const drop = (a: Uint8Array | undefined): void => { if (a !== undefined && !keep.has(a) && !borrowed.has(a)) a.fill(0) }
  drop(old.rootKey)
  drop(old.ratchetKeyPair.privateKey)
  drop(old.sendingChainKey)
  drop(old.receivingChainKey)
  for (const entry of old.skipped.values()) drop(entry.messageKey)
}
