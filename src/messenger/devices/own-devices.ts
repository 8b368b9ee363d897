import type { AbortOptions } from '@libp2p/interface'
import { peerIdFromMultihash } from '@libp2p/peer-id'
import { equalBytes } from '@noble/ciphers/utils.js'
import * as Digest from 'multiformats/hashes/digest'
import { toHex } from '../../bytes.js'
import { verifyAccountRecord, type DeviceEntry } from '../../identity/account-record.js'
import { decodeAddress } from '../../identity/address.js'
import type { Conversation } from '../../store/index.js'
import { Content, SyncUpdate } from '../../wire/content.js'
import type { Target } from '../components.js'
import { RECORD_CHANGE_PUBLISH_TIMEOUT_MS } from '../constants.js'
import type { MessengerContext } from '../context.js'
import { baseContent } from '../conversations/content.js'
import type { Dispatcher } from '../delivery/dispatcher.js'
import { ErrorCode, ParleyError } from '../../errors.js'
import { InvalidArgumentError } from '../errors.js'
import type { DeviceView } from '../types.js'
import { MAX_DEVICE_NAME, claimVersion, readDeviceMeta, writeDeviceMeta } from './device-meta.js'
import { HistoryRelay } from './history-relay.js'
import { historySender } from './history-sender.js'

/** No device of this account has that id. */
export class DeviceNotFoundError extends ParleyError {
  static override name = 'DeviceNotFoundError'
  constructor (id: string) { super(`No device ${id} in this account`, ErrorCode.DEVICE_NOT_FOUND) }
}

/** Another device of this account unlinked this one; it has wiped itself. */
export class DeviceUnlinkedError extends ParleyError {
  static override name = 'DeviceUnlinkedError'
  constructor (message = 'This device was unlinked from its account and has wiped itself') { super(message, ErrorCode.DEVICE_UNLINKED) }
}

/** What a sync update carries besides its action. */
export type SyncFields = Partial<Omit<SyncUpdate, 'action'>>

/**
 * This account's devices as the user manages them: list (name, platform, added, last seen),
 * rename, unlink; and the sync updates that tell the other devices about changes made here.
 * Names and "last seen" stay private to the account's devices (never in the public record).
 */
export class OwnDevices {
  constructor (private readonly ctx: MessengerContext, private readonly dispatcher: Dispatcher) {
    // history through the relays (issue #19): a broken-off transfer resumes there; an archive left for this device is fetched
    const history = new HistoryRelay(ctx, this)
    const sender = historySender(ctx, history)
    ctx.historyArchives = async (from, archive) => { await history.received(from, archive) }
    ctx.onStarted(() => { history.resumePending(); sender.resumeOwed() })
    ctx.components.deviceLinks.setHistoryHandlers?.(sender)
  }

  private get myKey (): Uint8Array { return this.ctx.components.signer.publicKey }

  /** The account's devices, as its latest record lists them. */
  async list (options: AbortOptions = {}): Promise<DeviceView[]> {
    options.signal?.throwIfAborted()
    const { store, accountRecords } = this.ctx.components
    const out: DeviceView[] = []
    for (const d of accountRecords.ownBody()?.devices ?? []) {
      const id = toHex(d.deviceKey)
      const meta = await readDeviceMeta(store, id)
      const thisDevice = equalBytes(d.deviceKey, this.myKey)
      out.push({
        id,
        deviceKey: id,
        peerId: peerIdFromMultihash(Digest.decode(d.peerId)).toString(),
        name: meta.name ?? `device ${id.slice(0, 6)}`,
        platform: d.relayedOnly ? 'browser' : 'node',
        addedAt: Number(d.addedAt),
        lastSeen: thisDevice ? this.ctx.now() : meta.lastSeen ?? null,
        thisDevice
      })
    }
    return out
  }

  private find (id: string): DeviceEntry {
    const device = this.ctx.components.accountRecords.ownBody()?.devices.find((d) => toHex(d.deviceKey) === id.toLowerCase())
    if (device == null) throw new DeviceNotFoundError(id)
    return device
  }

  /** Names a device of this account (on every device of it). */
  async rename (id: string, name: string, options: AbortOptions = {}): Promise<DeviceView> {
    const trimmed = name.trim()
    if (trimmed === '' || trimmed.length > MAX_DEVICE_NAME) throw new InvalidArgumentError(`A device name has 1 to ${MAX_DEVICE_NAME} characters`)
    const device = this.find(id)
    await this.send(SyncUpdate.Action.DEVICE_NAME, { subject: device.deviceKey, name: trimmed }, options, async (content) => {
      if (await claimVersion(this.ctx.components.store, 'device-name', device.deviceKey, content)) await writeDeviceMeta(this.ctx.components.store, toHex(device.deviceKey), { name: trimmed })
    })
    this.ctx.emit('devices-changed', { reason: 'renamed', device: toHex(device.deviceKey) })
    const view = (await this.list(options)).find((d) => d.id === toHex(device.deviceKey))
    if (view == null) throw new DeviceNotFoundError(id)
    return view
  }

  /**
   * Removes a device from the account: the record is re-signed without it (its key in the
   * record's removed list, so it can never sign itself back in) and published; the device is
   * told directly and wipes itself (or finds itself removed at its next start); the other
   * devices adopt the new record. Contacts drop its sessions when they see the new record.
   */
  async unlink (id: string, options: AbortOptions = {}): Promise<void> {
    const device = this.find(id)
    if (equalBytes(device.deviceKey, this.myKey)) throw new InvalidArgumentError('This is this device: unlink it from another device of the account')
    const { accountRecords, sessions } = this.ctx.components
    const record = await accountRecords.sign({ removeDevices: [device.deviceKey] }, options)
    await accountRecords.publish({ signal: options.signal ?? AbortSignal.timeout(RECORD_CHANGE_PUBLISH_TIMEOUT_MS) }).catch((err: unknown) => {
      options.signal?.throwIfAborted()
      this.ctx.log('devices').error('could not publish the record without the unlinked device (republished later) - %e', err)
    })
    // the removed device is told directly (it is no longer in the record the outbox resolves
    // targets from); when it is offline it learns from the record at its next start
    const removed: Target = { address: this.ctx.address, device, sync: true }
    await this.send(SyncUpdate.Action.DEVICE_UNLINKED, { subject: device.deviceKey, record }, { ...options, ephemeral: true }, undefined, [removed])
    await this.send(SyncUpdate.Action.DEVICE_UNLINKED, { subject: device.deviceKey, record }, options)
    await sessions.forget(device.deviceKey)
    this.ctx.emit('devices-changed', { reason: 'unlinked', device: toHex(device.deviceKey) })
  }

  /** Tells the other devices (not the new one, which has it) about a newer record: a device was linked here. */
  async announceRecord (newDevice: Uint8Array, options: AbortOptions = {}): Promise<void> {
    const record = this.ctx.components.accountRecords.ownRecord()
    const targets = this.otherDevices().filter((t) => !equalBytes(t.device.deviceKey, newDevice))
    if (record != null && targets.length > 0) await this.send(SyncUpdate.Action.ACCOUNT_RECORD, { record }, options, undefined, targets)
  }

  /** Adopts a record another device of this account sent, when it is newer than the own one. */
  async adoptRecord (record: Uint8Array, options: AbortOptions = {}): Promise<void> {
    const { accountRecords } = this.ctx.components
    const { body } = verifyAccountRecord(record, { accountKey: accountRecords.accountKey, now: 0 })
    const current = accountRecords.ownBody()
    if (current != null && body.sequence <= current.sequence) return
    await accountRecords.adopt(record, options)
    this.ctx.emit('devices-changed', { reason: body.devices.length > (current?.devices.length ?? 0) ? 'linked' : 'unlinked', device: '' })
  }

  /** True when the own record names this device among the removed ones. */
  isUnlinked (): boolean {
    const mine = toHex(this.myKey)
    return (this.ctx.components.accountRecords.ownBody()?.removedDevices ?? []).some((k) => toHex(k) === mine)
  }

  /**
   * Sends one sync update to the other devices of this account (or `only` these), through the
   * outbox like any content; `local` runs first with the content (to claim its version here).
   */
  async send (action: SyncUpdate.Action, fields: SyncFields, options: AbortOptions & { ephemeral?: boolean } = {}, local?: (content: Content) => Promise<void>, only?: Target[]): Promise<void> {
    const targets = only ?? this.otherDevices()
    const carrier: Conversation = { id: 'sync', kind: 'normal', members: [this.ctx.address], lastActivity: 0, unreadCount: 0, disappearingTimerMs: null, clock: 0, createdAt: 0 }
    const sync: SyncUpdate = { action, subject: new Uint8Array(0), name: '', flag: false, record: new Uint8Array(0), ...fields }
    const content = baseContent(carrier, Content.Kind.SYNC, this.ctx.now(), { sync })
    await local?.(content)
    if (targets.length === 0) return
    await this.dispatcher.dispatch(carrier, content, { ...options, only: targets })
  }

  /** Sends a contact change to the other devices, claiming its version here first. */
  async contactChanged (action: SyncUpdate.Action, address: string, fields: SyncFields = {}, options: AbortOptions = {}): Promise<void> {
    const { store } = this.ctx.components
    const subject = decodeAddress(address)
    const group = action === SyncUpdate.Action.CONTACT_ADD || action === SyncUpdate.Action.CONTACT_REMOVE
      ? 'contact'
      : action === SyncUpdate.Action.CONTACT_RENAME ? 'contact-name' : action === SyncUpdate.Action.CONTACT_BLOCK ? 'contact-block' : 'contact-verify'
    await this.send(action, { ...fields, subject }, options, async (content) => { await claimVersion(store, group, subject, content) })
  }

  private otherDevices (): Target[] {
    return (this.ctx.components.accountRecords.ownBody()?.devices ?? [])
      .filter((d) => !equalBytes(d.deviceKey, this.myKey))
      .map((device) => ({ address: this.ctx.address, device, sync: true }))
  }
}
