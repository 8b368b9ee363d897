import { equalBytes } from '@noble/ciphers/utils.js'
import { toHex } from '../bytes.js'
import {
  acceptPrekeyMessage, buildPrekeyBundle, decodeSessionState, decryptMessage, encodeSessionState, encryptMessage,
  initiateSession, isPrekeyMessageOf, openSealed, sealForDevice,
  type CryptoBackend, type OneTimePrekey, type SessionState, type SignedPrekey
} from '../crypto/index.js'
import type { DeviceEntry } from '../identity/account-record.js'
import type { DeviceIdentity } from '../node/device-identity.js'
import type { LocalPrekeys } from '../node/local-prekeys.js'
import type { Store, StoreTransaction } from '../store/index.js'
import { SessionResetNeededError } from './errors.js'

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
 * sealed sender around every message. One session per (my device, their device).
 */
export class E2ESessions {
  private readonly myDeviceHex: string

  constructor (
    private readonly store: Store,
    private readonly backend: CryptoBackend,
    private readonly identity: DeviceIdentity,
    private readonly prekeys: LocalPrekeys
  ) {
    this.myDeviceHex = toHex(identity.device.signing.publicKey)
  }

  private async load (theirDevice: Uint8Array, tx?: StoreTransaction): Promise<SessionState | undefined> {
    const bytes = await (tx ?? this.store).sessions.get(this.myDeviceHex, toHex(theirDevice))
    return bytes == null ? undefined : decodeSessionState(bytes)
  }

  /** True when a session with this device exists. */
  async has (theirDevice: Uint8Array): Promise<boolean> {
    return (await this.store.sessions.get(this.myDeviceHex, toHex(theirDevice))) != null
  }

  /** Forgets the session with a device (the next message starts a new handshake). */
  async reset (theirDevice: Uint8Array): Promise<void> {
    await this.store.sessions.delete(this.myDeviceHex, toHex(theirDevice))
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
      state = (await initiateSession(this.backend, this.identity.device, bundle)).state
    }
    const encrypted = await encryptMessage(this.backend, state, plaintext)
    const payload = await sealForDevice(this.backend, {
      sender: { accountKey: this.identity.account.publicKey, deviceKey: this.identity.device.signing.publicKey, identityDh: this.identity.device.identityDh },
      recipientIdentityDhKey: device.identityDhKey,
      message: encrypted.message
    })
    const bytes = encodeSessionState(encrypted.state)
    const theirHex = toHex(device.deviceKey)
    return {
      payload,
      commit: async (t) => { await t.sessions.put(this.myDeviceHex, theirHex, bytes) }
    }
  }

  /**
   * Opens a sealed payload: sealed-sender box, then the session (a new one for a prekey message
   * that does not belong to the current session). Nothing is stored until `commit` runs.
   * Throws typed errors: DecryptError, ReplayError, InvalidSenderError, SessionResetNeededError…
   */
  /**
   * Opens only the sealed-sender box: who claims to have sent this (keys proven by the box),
   * without touching any session. Lets the caller check the sender against its account record
   * (a network lookup) before taking the session lock.
   */
  async peekSender (payload: Uint8Array): Promise<{ accountKey: Uint8Array, deviceKey: Uint8Array, identityDhKey: Uint8Array }> {
    return (await openSealed(this.backend, this.identity.device.identityDh, payload)).sender
  }

  async open (payload: Uint8Array): Promise<OpenedEnvelope> {
    const { sender, message } = await openSealed(this.backend, this.identity.device.identityDh, payload)
    const existing = await this.load(sender.deviceKey)
    let state: SessionState
    let plaintext: Uint8Array
    let newSession = false
    let consumed: OpenedEnvelope['consumed']
    if (message.type === 'prekey' && (existing == null || !isPrekeyMessageOf(existing, message.body))) {
      const accepted = await acceptPrekeyMessage(this.backend, this.identity.device, this.prekeys.lookup(), message.body, {
        deviceKey: sender.deviceKey, identityDhKey: sender.identityDhKey
      })
      state = accepted.state
      plaintext = accepted.plaintext
      consumed = accepted.consumed
      newSession = true
    } else {
      const who = { accountKey: sender.accountKey, deviceKey: sender.deviceKey }
      if (existing == null) throw new SessionResetNeededError(undefined, who)
      if (!equalBytes(existing.remoteIdentityDhKey, sender.identityDhKey)) throw new SessionResetNeededError('Sender identity key differs from the session', who)
      let decrypted: { state: SessionState, plaintext: Uint8Array }
      try {
        decrypted = await decryptMessage(this.backend, existing, message)
      } catch (err) {
        // a message on a chain we cannot follow (our state was lost or rolled back) — not a replay
        if ((err as { code?: string }).code === 'ERR_DECRYPT' || (err as { code?: string }).code === 'ERR_SESSION_STATE') throw new SessionResetNeededError('Session out of step with the sender', who)
        throw err
      }
      state = decrypted.state
      plaintext = decrypted.plaintext
    }
    const bytes = encodeSessionState(state)
    const theirHex = toHex(sender.deviceKey)
    return {
      senderAccountKey: sender.accountKey,
      senderDeviceKey: sender.deviceKey,
      senderIdentityDhKey: sender.identityDhKey,
      plaintext,
      newSession,
      consumed,
      commit: async (tx) => { await tx.sessions.put(this.myDeviceHex, theirHex, bytes) }
    }
  }
}
