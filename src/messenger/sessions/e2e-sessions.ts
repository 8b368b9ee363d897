import { equalBytes } from '@noble/ciphers/utils.js'
import { toHex } from '../../bytes.js'
import { codeOf, isOutOfStepError } from '../../errors.js'
import {
  buildPrekeyBundle, decodeSessionState, decryptMessage, encodeSessionState, encryptMessage, isPrekeyMessageOf, ReplayError,
  type CiphertextMessage, type CryptoBackend, type OneTimePrekey, type OpenedSealed, type SessionKeys, type SessionState, type SignedPrekey
} from '../../crypto/index.js'
import type { DeviceEntry } from '../../identity/account-record.js'
import type { Store, StoreTransaction } from '../../store/index.js'
import { SessionResetNeededError } from '../errors.js'
import type { SessionCrypto } from './session-crypto.js'

/** One-time prekeys fetched from the recipient's relays (optional: the signed ones suffice). */
export interface FetchedOneTimePrekeys {
  oneTimePrekey?: OneTimePrekey
  oneTimePqPrekey?: SignedPrekey
}

/** A sealed payload ready for an envelope, and the session state to store with it. */
export interface SealedForDevice {
  payload: Uint8Array
  commit: (tx: StoreTransaction) => Promise<void>
}

/** An opened envelope: who sent it (proven keys) and the plaintext, plus what to store. */
export interface OpenedEnvelope {
  senderAccountKey: Uint8Array
  senderDeviceKey: Uint8Array
  senderIdentityDhKey: Uint8Array
  plaintext: Uint8Array
  /** True when this message started a new session (a prekey message). */
  newSession: boolean
  /** Writes the new session state (call inside the transaction that stores the message). */
  commit: (tx: StoreTransaction) => Promise<void>
  /** One-time prekeys consumed by the handshake: delete after the commit. */
  consumed?: { oneTimePrekeyId?: number, oneTimePqPrekeyId?: number }
}

function toPrekey (p: NonNullable<DeviceEntry['signedPrekey']>): SignedPrekey {
  return { id: p.id, publicKey: p.publicKey, signature: p.signature, createdAt: Number(p.createdAt) }
}

/**
 * Pairwise Double Ratchet sessions between this device and others, persisted in the store, with
 * sealed sender around every message. One session per (my device, their device). The handshake
 * and the sealed box need this device's secret keys: they run in `keys` ({@link SessionKeys},
 * implemented by `device/`), so no secret key bytes come in here.
 */
export class E2ESessions implements SessionCrypto {
  private readonly myDeviceHex: string

  constructor (
    private readonly store: Store,
    private readonly backend: CryptoBackend,
    private readonly keys: SessionKeys
  ) {
    this.myDeviceHex = toHex(keys.deviceKey)
  }

  private async load (theirDevice: Uint8Array, tx?: StoreTransaction): Promise<SessionState | undefined> {
    const bytes = await (tx ?? this.store).sessions.get(this.myDeviceHex, toHex(theirDevice))
    return bytes == null ? undefined : decodeSessionState(bytes)
  }

  /** True when a session with this device exists. */
  async has (theirDevice: Uint8Array): Promise<boolean> {
    return (await this.store.sessions.get(this.myDeviceHex, toHex(theirDevice))) != null
  }

  /**
   * Ends the current session with a device (the next message starts a new handshake). It is
   * archived, not erased: messages already in flight on it can still be opened. A session whose
   * handshake is still unanswered is kept: its messages carry the prekey message, from which
   * the peer can always start it (so stale failures of older envelopes do not end it).
   */
  async reset (theirDevice: Uint8Array): Promise<void> {
    const theirHex = toHex(theirDevice)
    const current = await this.store.sessions.get(this.myDeviceHex, theirHex)
    if (current == null || decodeSessionState(current).pending !== undefined) return
    const archived = await this.store.sessions.archived(this.myDeviceHex, theirHex)
    await this.store.transaction(async (tx) => {
      await tx.sessions.putArchived(this.myDeviceHex, theirHex, [current, ...archived])
      await tx.sessions.delete(this.myDeviceHex, theirHex)
    })
  }

  /**
   * Erases every session (current and archived) with a device its account removed: nothing
   * more is sealed to it or opened from it.
   */
  async forget (theirDevice: Uint8Array, tx?: StoreTransaction): Promise<void> {
    const theirHex = toHex(theirDevice)
    const erase = async (t: StoreTransaction): Promise<void> => {
      await t.sessions.delete(this.myDeviceHex, theirHex)
      await t.sessions.putArchived(this.myDeviceHex, theirHex, [])
    }
    if (tx != null) await erase(tx)
    else await this.store.transaction(erase)
  }

  /**
   * Encrypts `plaintext` for one device (starting a PQXDH session from its account-record entry
   * when none exists) and seals it. The returned `commit` stores the advanced session state:
   * call it in the same transaction that stores the outbox entry.
   */
  async seal (device: DeviceEntry, plaintext: Uint8Array, oneTime: FetchedOneTimePrekeys = {}, tx?: StoreTransaction): Promise<SealedForDevice> {
    let state = await this.load(device.deviceKey, tx)
    if (state == null) {
      if (device.signedPrekey == null || device.pqPrekey == null) throw new SessionResetNeededError('Recipient device publishes no prekeys')
      const bundle = buildPrekeyBundle(
        { deviceKey: device.deviceKey, identityDhKey: device.identityDhKey },
        toPrekey(device.signedPrekey), toPrekey(device.pqPrekey), oneTime.oneTimePrekey, oneTime.oneTimePqPrekey
      )
      state = await this.keys.initiate(bundle)
    }
    const encrypted = await encryptMessage(this.backend, state, plaintext)
    const payload = await this.keys.seal(device.identityDhKey, encrypted.message)
    const bytes = encodeSessionState(encrypted.state)
    const theirHex = toHex(device.deviceKey)
    return {
      payload,
      commit: async (t) => { await t.sessions.put(this.myDeviceHex, theirHex, bytes) }
    }
  }

  /**
   * Opens only the sealed-sender box: who claims to have sent this (keys proven by the box),
   * without touching any session. Lets the caller check the sender against its account record
   * (a network lookup) before taking the session lock.
   */
  async peekSender (payload: Uint8Array): Promise<OpenedSealed> {
    return this.keys.open(payload)
  }

  /**
   * Opens a sealed payload: sealed-sender box (or what `peekSender` returned for this same
   * payload), then the session (a new one for a prekey message that does not belong to the
   * current session). Nothing is stored until `commit` runs.
   * With `tx`, the sessions are read through that transaction (its staged writes first): the
   * second message of a session in one transaction sees the state the first one left; call
   * `commit` with the same `tx`.
   * Throws typed errors: DecryptError, ReplayError, InvalidSenderError, SessionResetNeededError…
   */
  async open (payload: Uint8Array, unsealed?: OpenedSealed, tx?: StoreTransaction): Promise<OpenedEnvelope> {
    // the sealed box holds no session state: what `peekSender` opened of this payload is reused
    const { sender, message } = unsealed ?? await this.keys.open(payload)
    const theirHex = toHex(sender.deviceKey)
    const sessions = (tx ?? this.store).sessions
    const existingBytes = await sessions.get(this.myDeviceHex, theirHex)
    const existing = existingBytes == null ? undefined : decodeSessionState(existingBytes)
    const current = existingBytes == null || existing == null ? undefined : { bytes: existingBytes, pending: existing.pending !== undefined }
    // the archive is read at most once per message, and only when the current session does not do
    let archive: Uint8Array[] | undefined
    const archived = async (): Promise<Uint8Array[]> => (archive ??= await sessions.archived(this.myDeviceHex, theirHex))
    const opened = (plaintext: Uint8Array, commit: OpenedEnvelope['commit'], newSession = false, consumed?: OpenedEnvelope['consumed']): OpenedEnvelope => ({
      senderAccountKey: sender.accountKey,
      senderDeviceKey: sender.deviceKey,
      senderIdentityDhKey: sender.identityDhKey,
      plaintext,
      newSession,
      consumed,
      commit
    })
    const who = { accountKey: sender.accountKey, deviceKey: sender.deviceKey }
    if (message.type === 'prekey' && (existing == null || !isPrekeyMessageOf(existing, message.body))) {
      // a later message of a session we replaced (both sides started one at once), or a new session
      const fromArchive = await this.openWithArchived(theirHex, await archived(), current, sender.identityDhKey, message, (state) => isPrekeyMessageOf(state, message.body))
      if (fromArchive != null) return opened(fromArchive.plaintext, fromArchive.commit)
      const accepted = await this.keys.accept(message.body, { deviceKey: sender.deviceKey, identityDhKey: sender.identityDhKey })
      const bytes = encodeSessionState(accepted.state)
      const rearchived = existingBytes == null ? undefined : [existingBytes, ...await archived()]
      return opened(accepted.plaintext, async (tx) => {
        await tx.sessions.put(this.myDeviceHex, theirHex, bytes)
        // the session it replaces stays openable for messages already on their way
        if (rearchived != null) await tx.sessions.putArchived(this.myDeviceHex, theirHex, rearchived)
      }, true, accepted.consumed)
    }
    let failure: Error
    if (existing == null) {
      failure = new SessionResetNeededError(undefined, who)
    } else if (!equalBytes(existing.remoteIdentityDhKey, sender.identityDhKey)) {
      failure = new SessionResetNeededError('Sender identity key differs from the session', who)
    } else {
      try {
        const decrypted = await decryptMessage(this.backend, existing, message)
        const bytes = encodeSessionState(decrypted.state)
        return opened(decrypted.plaintext, async (tx) => { await tx.sessions.put(this.myDeviceHex, theirHex, bytes) })
      } catch (err) {
        // a message on a chain we cannot follow (our state was lost or rolled back) — not a replay
        if (!isOutOfStepError(codeOf(err))) throw err
        failure = new SessionResetNeededError('Session out of step with the sender', who)
      }
    }
    // not on the current session: maybe on one it replaced
    const fromArchive = await this.openWithArchived(theirHex, await archived(), current, sender.identityDhKey, message)
    if (fromArchive != null) return opened(fromArchive.plaintext, fromArchive.commit)
    throw failure
  }

  /**
   * Tries the archived sessions with a device (newest first, same identity key only, and only
   * those `accepts` lets through). The one that opens the message becomes the current session
   * (the peer is sending on it, so both sides converge on it, as Signal does) and the current
   * one is archived in its place, unless the current one is a handshake still unanswered: then
   * the archived one advances in place. Undefined when none opens it; a replay on an archived
   * session is a replay.
   */
  private async openWithArchived (theirHex: string, archived: Uint8Array[], current: { bytes: Uint8Array, pending: boolean } | undefined, identityDhKey: Uint8Array, message: CiphertextMessage, accepts: (state: SessionState) => boolean = () => true): Promise<{ plaintext: Uint8Array, commit: OpenedEnvelope['commit'] } | undefined> {
    for (let i = 0; i < archived.length; i++) {
      let state: SessionState
      try {
        state = decodeSessionState(archived[i])
      } catch {
        continue // an unreadable archived session opens nothing (newer ones push it out of the bound)
      }
      if (!equalBytes(state.remoteIdentityDhKey, identityDhKey) || !accepts(state)) continue
      let decrypted: { state: SessionState, plaintext: Uint8Array }
      try {
        decrypted = await decryptMessage(this.backend, state, message)
      } catch (err) {
        // not this session's message (whatever the reason): try the next; only a replay is final
        if (err instanceof ReplayError) throw err
        continue
      }
      const advanced = encodeSessionState(decrypted.state)
      if (current?.pending === true) {
        const updated = archived.with(i, advanced)
        return { plaintext: decrypted.plaintext, commit: async (tx) => { await tx.sessions.putArchived(this.myDeviceHex, theirHex, updated) } }
      }
      const rest = archived.filter((_, j) => j !== i)
      const updated = current == null ? rest : [current.bytes, ...rest]
      return {
        plaintext: decrypted.plaintext,
        commit: async (tx) => {
          await tx.sessions.put(this.myDeviceHex, theirHex, advanced)
          await tx.sessions.putArchived(this.myDeviceHex, theirHex, updated)
        }
      }
    }
    return undefined
  }
}
