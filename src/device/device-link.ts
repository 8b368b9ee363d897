import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import type { AbortOptions, Libp2p, Logger, Stream } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { equalBytes } from '@noble/ciphers/utils.js'
import { ed25519 } from '@noble/curves/ed25519.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { randomBytes } from '@noble/hashes/utils.js'
import { base58btc } from 'multiformats/bases/base58'
import type { CryptoBackend } from '../crypto/backend.js'
import { nativeBackend } from '../crypto/backend-native.js'
import { ErrorCode, ParleyError } from '../errors.js'
import { deviceEntryMessage, signDeviceEntry, verifyAccountRecord, type DeviceEntry } from '../identity/account-record.js'
import { decodeAddress, encodeAddress } from '../identity/address.js'
import { MalformedFrameError } from '../net/errors.js'
import { FrameReader, encodeFrame, writeWithBackpressure } from '../net/stream/frame-reader.js'
import type { Store } from '../store/index.js'
import { DeviceEntry as DeviceEntryCodec } from '../wire/parley.js'
import { LinkRequest, LinkResponse } from '../wire/link.js'
import { DEFAULT_LINK_TIMEOUT_MS, LINK_CONFIRM_TIMEOUT_MS, LINK_PROTOCOL, OWN_RECORD_SETTING } from './constants.js'
import { createDeviceKeysForLinking, storeAccountSecret } from './device-identity.js'
import { DeviceLinkError } from './errors.js'
import { HISTORY_TRANSFER_TIMEOUT_MS, historySince, receiveHistory, sendHistory, type HistoryHandlers, type HistorySink, type HistorySource } from './link-history.js'
import { LocalPrekeys } from './local-prekeys.js'

export { DeviceLinkError, LINK_PROTOCOL }

/** Largest link frame. */
export const MAX_LINK_FRAME_BYTES = 64 * 1024
/** How long a link code stays valid by default. */
export const DEFAULT_LINK_TTL_MS = 10 * 60 * 1000
const LINK_PREFIX = 'parley-link:'
const MAC_DOMAIN = new TextEncoder().encode('parley/link/v1')
const REPLY_INFO = new TextEncoder().encode('parley/link/v1/reply')
const SAS_INFO = new TextEncoder().encode('parley/link/v2/sas')

/**
 * The short authentication string both devices show: 6 digits ("123 456") from the link
 * transcript, HKDF-SHA256(link secret, info = "parley/link/v2/sas" || u32(len) || existing
 * device's PeerId || new device entry). Someone else who used the code first (it is one-time) made
 * the existing device show a different string than the real new device shows.
 */
export function linkSas (secret: Uint8Array, existingPeerId: Uint8Array, entryBytes: Uint8Array): string {
  const info = new Uint8Array(SAS_INFO.length + 4 + existingPeerId.length + entryBytes.length)
  info.set(SAS_INFO)
  new DataView(info.buffer).setUint32(SAS_INFO.length, existingPeerId.length)
  info.set(existingPeerId, SAS_INFO.length + 4)
  info.set(entryBytes, SAS_INFO.length + 4 + existingPeerId.length)
  const out = hkdf(sha256, secret, undefined, info, 5)
  const n = out.reduce((acc, b) => acc * 256 + b, 0) % 1_000_000
  const digits = n.toString().padStart(6, '0')
  return `${digits.slice(0, 3)} ${digits.slice(3)}`
}

/** What the existing device's user is asked to confirm before any key material moves. */
export interface LinkConfirmation {
  /** The short authentication string; the new device shows the same. */
  sas: string
  /** The new device's key and PeerId (multihash bytes). */
  deviceKey: Uint8Array
  peerId: Uint8Array
  /** Which history the new device asked for, and how it will go: none, on the link stream, or through the account's relays. */
  history?: 'none' | 'direct' | 'relay'
}

/** Asks the user; resolves true to link, false to decline. `signal` fires when the new device gave up. */
export type ConfirmLink = (request: LinkConfirmation, options: { signal: AbortSignal }) => Promise<boolean>

/** What a link code carries: the account, a one-time secret and where the existing device listens. */
export interface LinkCode {
  address: string
  secret: Uint8Array
  multiaddrs: string[]
}

/** `parley-link:<base58(json)>`, shown (or as a QR code) on the existing device. */
export function encodeLinkCode (code: LinkCode): string {
  const json = JSON.stringify({ a: code.address, s: base58btc.baseEncode(code.secret), m: code.multiaddrs.slice(0, 4) })
  return LINK_PREFIX + base58btc.baseEncode(new TextEncoder().encode(json))
}

export function decodeLinkCode (text: string): LinkCode {
  try {
    const trimmed = text.trim()
    if (!trimmed.startsWith(LINK_PREFIX) || trimmed.length > 4096) throw new Error('prefix')
    const json = JSON.parse(new TextDecoder().decode(base58btc.baseDecode(trimmed.slice(LINK_PREFIX.length)))) as { a: string, s: string, m: string[] }
    const secret = base58btc.baseDecode(json.s)
    decodeAddress(json.a)
    if (secret.length !== 32 || !Array.isArray(json.m) || json.m.length === 0) throw new Error('fields')
    return { address: json.a, secret, multiaddrs: json.m.map(String) }
  } catch {
    throw new DeviceLinkError('Not a valid device link code', ErrorCode.INVALID_LINK_CODE)
  }
}

function linkMac (secret: Uint8Array, entryBytes: Uint8Array): Uint8Array {
  const input = new Uint8Array(MAC_DOMAIN.length + entryBytes.length)
  input.set(MAC_DOMAIN)
  input.set(entryBytes, MAC_DOMAIN.length)
  return hmac(sha256, secret, input)
}

function replyKey (secret: Uint8Array): Uint8Array {
  return hkdf(sha256, secret, undefined, REPLY_INFO, 32)
}

/** What the existing device's side needs: the account key and secret (sealed to the new device), and a way to add the device. */
export interface DeviceLinkServerInit {
  accountKey: Uint8Array
  accountSecret: () => Uint8Array
  /** Adds the device to the account record, publishes it, returns the signed record. */
  addDevice: (entry: DeviceEntry) => Promise<Uint8Array>
  /** This (existing) device's PeerId, multihash bytes: part of the SAS transcript. */
  peerId: Uint8Array
  /** Asks the user to compare the SAS and confirm; without it every link is declined. */
  confirm?: ConfirmLink
  /** The history archive streamed after a confirmed link, when the new device asks for it. */
  history?: () => HistorySource | undefined
  /** Who follows a new device's history on this side (progress, resume through the relays). */
  historyHandlers?: () => HistoryHandlers | undefined
  /** Where refused links and failed streams are logged. */
  log?: Logger
}

/** The existing device's side: one-time secrets it issued, and the handler that honours them. */
export class DeviceLinkServer {
  private readonly pending = new Map<string, { secret: Uint8Array, expiresAt: number }>()

  constructor (private readonly deps: DeviceLinkServerInit) {}

  /** Issues a one-time secret valid for `ttlMs`. At most 8 are pending. */
  issue (ttlMs = DEFAULT_LINK_TTL_MS): Uint8Array {
    const now = Date.now()
    for (const [k, v] of this.pending) if (v.expiresAt < now) this.pending.delete(k)
    while (this.pending.size >= 8) this.pending.delete(this.pending.keys().next().value as string)
    const secret = randomBytes(32)
    this.pending.set(base58btc.baseEncode(secret), { secret, expiresAt: now + ttlMs })
    return secret
  }

  /**
   * Handles one `/parley/link/2.0.0` stream. `limited`: it came over a relay's limited connection
   * (this device is reachable only through its relays): the link runs, but history never goes on
   * it (the relay's data limit) — it is sealed for the account's relays, as with `history_via_relay`.
   */
  async handle (stream: Stream, options: { limited?: boolean } = {}): Promise<void> {
    const signal = AbortSignal.timeout(LINK_CONFIRM_TIMEOUT_MS + 30_000)
    let response: LinkResponse
    let history: { secret: Uint8Array, since: number, deviceKey: Uint8Array, viaRelay: boolean } | undefined
    // one reader for the request and, later, the new device's history acks
    const reader = new FrameReader(stream, { maxFrameBytes: MAX_LINK_FRAME_BYTES, frameTimeoutMs: 10_000 })
    try {
      const first = await reader.next({ signal })
      if (first == null) throw new MalformedFrameError('Link stream closed before a frame')
      const request = LinkRequest.decode(first)
      const now = Date.now()
      const match = [...this.pending.entries()].find(([, p]) => p.expiresAt >= now && equalBytes(linkMac(p.secret, request.deviceEntry), request.mac))
      if (match == null) throw new DeviceLinkError('Unknown or expired link code', ErrorCode.LINK_REFUSED)
      this.pending.delete(match[0])
      const entry = DeviceEntryCodec.decode(request.deviceEntry)
      let valid = false
      try { valid = ed25519.verify(entry.deviceSignature, deviceEntryMessage(this.deps.accountKey, entry), entry.deviceKey) } catch { valid = false }
      if (!valid || entry.signedPrekey == null || entry.pqPrekey == null) throw new DeviceLinkError('The new device entry is not validly signed', ErrorCode.LINK_REFUSED)
      // the user compares the string with the new device's and confirms: nothing moves before
      const sas = linkSas(match[1].secret, this.deps.peerId, request.deviceEntry)
      // the question is withdrawn when the new device goes away (its stream closes or resets), not
      // left on the user's screen until the deadline (found by the link-stream fuzz target)
      const gone = new AbortController()
      const onClose = (): void => { gone.abort(new DeviceLinkError('The new device went away', ErrorCode.LINK_DECLINED)) }
      stream.addEventListener('close', onClose, { once: true })
      if (stream.status !== 'open') onClose()
      let confirmed = false
      try {
        const asked = historySince(request, Date.now()) == null ? 'none' : request.historyViaRelay || options.limited === true ? 'relay' : 'direct'
        if (this.deps.confirm != null) confirmed = await this.deps.confirm({ sas, deviceKey: entry.deviceKey, peerId: entry.peerId, history: asked }, { signal: AbortSignal.any([signal, AbortSignal.timeout(LINK_CONFIRM_TIMEOUT_MS), gone.signal]) }).catch(() => false)
      } finally {
        stream.removeEventListener('close', onClose)
      }
      if (gone.signal.aborted) throw gone.signal.reason
      if (!confirmed) throw new DeviceLinkError('The link was not confirmed on the existing device', ErrorCode.LINK_DECLINED)
      const record = await this.deps.addDevice(entry)
      const account = this.deps.accountSecret()
      const plain = new Uint8Array(32 + record.length)
      plain.set(account)
      plain.set(record, 32)
      const nonce = randomBytes(24)
      response = { code: '', nonce, sealed: xchacha20poly1305(replyKey(match[1].secret), nonce).encrypt(plain) }
      plain.fill(0)
      const since = historySince(request, Date.now())
      if (since != null) {
        history = { secret: match[1].secret, since, deviceKey: entry.deviceKey, viaRelay: request.historyViaRelay || options.limited === true }
        // remembered before the answer: a stop or crash from here on resumes it through the relays
        await this.deps.historyHandlers?.()?.owed(entry.deviceKey, since).catch((err: unknown) => {
          this.deps.log?.('could not remember the history owed to the new device - %e', err)
        })
      }
    } catch (err) {
      this.deps.log?.('link refused - %e', err)
      response = { code: err instanceof ParleyError ? err.code : ErrorCode.LINK_FAILED, nonce: new Uint8Array(0), sealed: new Uint8Array(0) }
    }
    try {
      await writeWithBackpressure(stream, encodeFrame(LinkResponse.encode(response)), { signal })
      const source = history != null ? this.deps.history?.() : undefined
      const handlers = this.deps.historyHandlers?.()
      if (history?.viaRelay === true) {
        // the new device asked for the relays only: nothing on this stream, the archive is sealed for them now
        handlers?.ended(history.deviceKey, history.since, { sent: 0, acked: 0, complete: false })
      } else if (history != null) {
        // the archive follows the response on the same stream; no source: an empty, final frame
        const historySignal = AbortSignal.timeout(HISTORY_TRANSFER_TIMEOUT_MS)
        const frames = source?.(history.since, { signal: historySignal }) ?? emptyArchive()
        const { deviceKey } = history
        const outcome = await sendHistory(stream, reader, history.secret, frames, historySignal, source != null ? (frame) => { handlers?.acked(deviceKey, frame) } : undefined)
        this.deps.log?.('sent %d history frames to the new device, %d stored there', outcome.sent, outcome.acked)
        if (source != null) handlers?.ended(deviceKey, history.since, outcome)
      }
      await stream.close({ signal })
    } catch (err) {
      this.deps.log?.('could not answer on the link stream - %e', err)
      stream.abort(new DeviceLinkError('Link stream failed'))
    }
  }
}

/** What the new device's side of linking needs: its store, the code, and a throwaway node to dial with. */
export interface LinkDeviceInit {
  store: Store
  /** The link code shown by the existing device. */
  code: string
  /**
   * Creates a throwaway libp2p node (`createEphemeralNode` of `src/p2p/`, handed over by
   * `src/node/`); asked for `relayed: true`, it must also dial `/p2p-circuit` addresses (a
   * browser's link code names it only through its relays).
   */
  createEphemeralNode: (options?: AbortOptions & { relayed?: boolean }) => Promise<Libp2p>
  /** Whether this device is reachable only through relays (a browser), as its record entry says. @default false */
  relayedOnly?: boolean
  backend?: CryptoBackend
  /** Called with the short authentication string to show while the existing device's user confirms. */
  onSas?: (sas: string) => void
  /**
   * History to ask for and where it goes: the last `days` days, `all`, or none when absent. With
   * `viaRelay`, none comes on the link stream: the existing device seals it for the account's
   * relays at once, and the linked device's messenger fetches it there (the two devices need not
   * be online together again).
   */
  history?: HistorySink & ({ days: number } | { all: true }) & { viaRelay?: boolean }
}

/** What `linkDevice` did: the account joined, history messages stored on the link stream, and how the rest comes. */
export interface LinkedDevice {
  address: string
  historyMessages: number
  /** `relay`: asked for, or forced by a relay's limited connection; the messenger fetches it from the account's relays. */
  historyVia: 'direct' | 'relay'
}

/**
 * The new device's side: creates this device's keys in `store`, asks the existing device named
 * by the link code to add it, and stores the account secret and the new record it sends back.
 * Afterwards `ParleyNode.open({ store })` opens the linked device.
 *
 * @example
 * ```ts
 * const store = await openHomeStore({ home, passphrase, create: true })
 * await linkDevice({ store, code: 'parley-link:…', createEphemeralNode, relayedOnly: reachableOnlyViaRelays }, { signal })
 * const node = await ParleyNode.open({ store })
 * ```
 */
export async function linkDevice (init: LinkDeviceInit, options: AbortOptions = {}): Promise<LinkedDevice> {
  const code = decodeLinkCode(init.code)
  const backend = init.backend ?? nativeBackend
  const accountKey = decodeAddress(code.address)
  const { device, libp2pSeed } = await createDeviceKeysForLinking(init.store, { backend })
  const { signedPrekey, pqPrekey } = await new LocalPrekeys(init.store, backend, device).current()
  const peerId = peerIdFromPrivateKey(await generateKeyPairFromSeed('Ed25519', libp2pSeed))
  const toWire = (p: typeof signedPrekey): DeviceEntry['signedPrekey'] => ({ id: p.id, publicKey: p.publicKey, signature: p.signature, createdAt: BigInt(p.createdAt) })
  const entry = signDeviceEntry(accountKey, {
    peerId: peerId.toMultihash().bytes,
    deviceKey: device.signing.publicKey,
    identityDhKey: device.identityDh.publicKey,
    signedPrekey: toWire(signedPrekey),
    pqPrekey: toWire(pqPrekey),
    addedAt: BigInt(Date.now()),
    relayedOnly: init.relayedOnly ?? false
  }, { secretKey: device.signing.privateKey, publicKey: device.signing.publicKey })
  const entryBytes = DeviceEntryCodec.encode(entry)

  const node = await init.createEphemeralNode({ relayed: true })
  await node.start()
  try {
    const signal = options.signal ?? AbortSignal.timeout(DEFAULT_LINK_TIMEOUT_MS + LINK_CONFIRM_TIMEOUT_MS)
    let stream: Stream | undefined
    let existingPeerId: Uint8Array | undefined
    // a relay's limited connection (a browser's code names only relayed addresses): the link runs
    // on it (its frames are small), the history never does (it comes through the account's relays)
    let limited = false
    let lastError: unknown
    for (const addr of code.multiaddrs) {
      try {
        // the PeerId in the address is the one Noise authenticated: the existing device's
        const ma = multiaddr(addr)
        const peer = ma.getComponents().findLast((c) => c.name === 'p2p')?.value
        if (peer == null) throw new DeviceLinkError('A link address names no peer', ErrorCode.INVALID_LINK_CODE)
        const connection = await node.dial(ma, { signal })
        stream = await connection.newStream(LINK_PROTOCOL, { signal, runOnLimitedConnection: true })
        limited = connection.limits != null
        existingPeerId = peerIdFromString(peer).toMultihash().bytes
        break
      } catch (err) { lastError = err }
    }
    if (stream == null || existingPeerId == null) throw new DeviceLinkError(`Could not reach the existing device: ${(lastError as Error)?.message ?? 'no address'}`, ErrorCode.LINK_UNREACHABLE)
    const history = init.history
    const historyDays = history != null && 'days' in history ? Math.max(1, Math.min(history.days, 36_500)) : 0
    const historyAll = history != null && 'all' in history
    const historyViaRelay = history != null && (history.viaRelay === true || limited)
    await writeWithBackpressure(stream, encodeFrame(LinkRequest.encode({ deviceEntry: entryBytes, mac: linkMac(code.secret, entryBytes), historyDays, historyAll, historyViaRelay })), { signal })
    init.onSas?.(linkSas(code.secret, existingPeerId, entryBytes))
    // one reader for the response and the history frames after it
    const reader = new FrameReader(stream, { maxFrameBytes: MAX_LINK_FRAME_BYTES, frameTimeoutMs: LINK_CONFIRM_TIMEOUT_MS + 10_000 })
    const first = await reader.next({ signal })
    if (first == null) throw new MalformedFrameError('Link stream closed before a frame')
    const response = LinkResponse.decode(first)
    if (response.code !== '') throw new DeviceLinkError(`The existing device refused: ${response.code}`, response.code)
    let plain: Uint8Array
    try {
      plain = xchacha20poly1305(replyKey(code.secret), response.nonce).decrypt(response.sealed)
    } catch {
      throw new DeviceLinkError('The link reply does not authenticate', ErrorCode.LINK_FAILED)
    }
    const accountSecret = plain.slice(0, 32)
    const record = plain.slice(32)
    plain.fill(0)
    if (!equalBytes(ed25519.getPublicKey(accountSecret), accountKey)) throw new DeviceLinkError('The reply carries another account key')
    const { body } = verifyAccountRecord(record, { accountKey })
    if (!body.devices.some((d) => equalBytes(d.deviceKey, device.signing.publicKey))) throw new DeviceLinkError('The new record does not list this device')
    await storeAccountSecret(init.store, accountSecret)
    await init.store.settings.put(OWN_RECORD_SETTING, record)
    // linked: history is a bonus, its failure leaves a working device with what arrived
    let historyMessages = 0
    if (history != null && !historyViaRelay) {
      historyMessages = await receiveHistory(stream, reader, code.secret, history, AbortSignal.timeout(HISTORY_TRANSFER_TIMEOUT_MS)).catch((err: unknown) => {
        options.signal?.throwIfAborted()
        throw new DeviceLinkError(`Linked, but the history transfer failed: ${(err as Error).message}`, ErrorCode.HISTORY_INCOMPLETE)
      })
    }
    return { address: encodeAddress(accountKey), historyMessages, historyVia: historyViaRelay ? 'relay' : 'direct' }
  } finally {
    await node.stop()
  }
}

async function * emptyArchive (): AsyncGenerator<Uint8Array> {
  // an empty, final HistoryFrame: field 5 (done) = true
  yield Uint8Array.of(0x28, 0x01)
}
