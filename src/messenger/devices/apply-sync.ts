import { equalBytes } from '@noble/ciphers/utils.js'
import { toHex } from '../../bytes.js'
import { encodeAddress } from '../../identity/address.js'
import type { Contact, StoreTransaction } from '../../store/index.js'
import { SyncUpdate, type Content } from '../../wire/content.js'
import { MAX_CONTACT_NAME } from '../constants.js'
import { contactView, shortAddress } from '../contacts/invite.js'
import { emitEffect, type Effect } from '../effects.js'
import { MAX_DEVICE_NAME, claimVersion, writeDeviceMeta } from './device-meta.js'

export interface SyncInput {
  tx: StoreTransaction
  content: Content
  /** The device of this account that sent it. */
  senderDevice: Uint8Array
  /** This device's key. */
  myDevice: Uint8Array
  now: number
}

/** The LWW group each action writes (ADD and REMOVE share one: whether the contact exists). */
const GROUP: Partial<Record<SyncUpdate.Action, string>> = {
  [SyncUpdate.Action.DEVICE_NAME]: 'device-name',
  [SyncUpdate.Action.CONTACT_ADD]: 'contact',
  [SyncUpdate.Action.CONTACT_REMOVE]: 'contact',
  [SyncUpdate.Action.CONTACT_RENAME]: 'contact-name',
  [SyncUpdate.Action.CONTACT_BLOCK]: 'contact-block',
  [SyncUpdate.Action.CONTACT_VERIFY]: 'contact-verify',
  [SyncUpdate.Action.READ_RECEIPTS]: 'read-receipts'
}

/**
 * Applies one SYNC content from another device of this account, inside the receiving
 * transaction (the caller has checked that the sender is this account). Each (action, subject)
 * is last-writer-wins, so a duplicate or an older update arriving late changes nothing; a
 * malformed subject is ignored. Returns what should happen after the commit.
 */
export async function applySync ({ tx, content, senderDevice, myDevice, now }: SyncInput): Promise<Effect[]> {
  const update = content.sync
  if (update == null) return []
  const { action, subject } = update
  // the rest of this device's history, left at the relays by the device that linked it
  if (action === SyncUpdate.Action.HISTORY_ARCHIVE) return update.archive != null && equalBytes(subject, myDevice) ? [{ kind: 'history-archive', from: senderDevice, archive: update.archive }] : []
  if (action === SyncUpdate.Action.ACCOUNT_RECORD) return update.record.length > 0 ? [{ kind: 'adopt-own-record', record: update.record }] : []
  if (action === SyncUpdate.Action.DEVICE_UNLINKED) {
    if (subject.length !== 32 || equalBytes(subject, senderDevice)) return []
    if (equalBytes(subject, myDevice)) return [{ kind: 'device-unlinked' }]
    return [
      ...(update.record.length > 0 ? [{ kind: 'adopt-own-record' as const, record: update.record }] : []),
      emitEffect('devices-changed', { reason: 'unlinked', device: toHex(subject) })
    ]
  }
  const group = GROUP[action]
  if (group == null || subject.length !== 32) return []
  if (!(await claimVersion(tx, group, subject, content))) return []
  if (action === SyncUpdate.Action.DEVICE_NAME) {
    await writeDeviceMeta(tx, toHex(subject), { name: update.name.slice(0, MAX_DEVICE_NAME) })
    return [emitEffect('devices-changed', { reason: 'renamed', device: toHex(subject) })]
  }
  if (action === SyncUpdate.Action.READ_RECEIPTS) {
    await tx.preferences.setReadReceipts(update.flag)
    return []
  }
  return applyContactSync(tx, update, now)
}

async function applyContactSync (tx: StoreTransaction, update: SyncUpdate, now: number): Promise<Effect[]> {
  let address: string
  try { address = encodeAddress(update.subject) } catch { return [] }
  const existing = await tx.contacts.get(address)
  if (update.action === SyncUpdate.Action.CONTACT_REMOVE) {
    if (existing == null) return []
    await tx.contacts.delete(address)
    return [emitEffect('contact-updated', { address, contact: null })]
  }
  let contact: Contact | undefined = existing
  if (update.action === SyncUpdate.Action.CONTACT_ADD) {
    contact = existing ?? { accountId: address, name: shortAddress(address), identityKey: new Uint8Array(0), verification: 'unverified', keyHistory: [], blocked: false, addedAt: now }
    if (update.name !== '') contact = { ...contact, name: update.name.slice(0, MAX_CONTACT_NAME) }
  } else if (contact == null) {
    return []
  } else if (update.action === SyncUpdate.Action.CONTACT_RENAME) {
    contact = { ...contact, name: update.name.slice(0, MAX_CONTACT_NAME) }
  } else if (update.action === SyncUpdate.Action.CONTACT_BLOCK) {
    contact = { ...contact, blocked: update.flag }
  } else if (update.action === SyncUpdate.Action.CONTACT_VERIFY) {
    contact = { ...contact, verification: 'verified' }
  }
  await tx.contacts.put(contact)
  return [emitEffect('contact-updated', { address, contact: contactView(contact) })]
}
