import { equalBytes } from '@noble/ciphers/utils.js'
import { toHex } from '../../bytes.js'
import type { DeviceEntry, VerifiedAccountRecord } from '../../identity/account-record.js'
import type { StoreRepos } from '../../store/index.js'
import { KEY_HISTORY_LIMIT } from '../constants.js'
import { emitEffect, type EmitEffect } from '../effects.js'
import { deviceFingerprint } from './invite.js'

/**
 * Compares a newly seen account record with the contact's known device keys. A tombstone
 * removes the contact; a changed fingerprint is recorded in the key history and, for a verified
 * contact, turns it `changed` — never silently accepted: the caller emits the returned event.
 * A first record only records the fingerprint. When the previous record is known and devices
 * were only added or removed (none of the remaining ones changed its keys), that is a device
 * change, not a key change: the account key, and with it the safety number, is the same, and
 * the account key signed the new device list; the contact stays as verified as it was.
 */
export async function noteDeviceKeys (repos: Pick<StoreRepos, 'contacts'>, address: string, record: VerifiedAccountRecord, now: number, previous?: DeviceEntry[]): Promise<EmitEffect | undefined> {
  if (record.body.deleted) {
    // a signed tombstone: the account is gone; drop the contact (its history stays readable)
    if ((await repos.contacts.get(address)) == null) return undefined
    await repos.contacts.delete(address)
    return emitEffect('contact-removed', { address, reason: 'account-deleted' })
  }
  const fingerprint = deviceFingerprint(record.body.devices)
  const contact = await repos.contacts.get(address)
  if (contact == null) return undefined
  if (previous != null) {
    // devices added or removed under the same account key: not a safety-number change
    const change = deviceSetChange(previous, record.body.devices)
    if (change != null && change.added.length + change.removed.length > 0) {
      await repos.contacts.put({ ...contact, identityKey: fingerprint })
      return emitEffect('contact-devices-changed', { address, ...change })
    }
  }
  if (contact.identityKey.length > 0 && !equalBytes(contact.identityKey, fingerprint)) {
    const wasVerified = contact.verification === 'verified'
    await repos.contacts.put({
      ...contact,
      identityKey: fingerprint,
      verification: wasVerified ? 'changed' : contact.verification,
      keyHistory: [...contact.keyHistory, { key: contact.identityKey, replacedAt: now }].slice(-KEY_HISTORY_LIMIT)
    })
    return emitEffect('contact-key-changed', { address, wasVerified })
  }
  if (contact.identityKey.length === 0) await repos.contacts.put({ ...contact, identityKey: fingerprint })
  return undefined
}

/**
 * The devices added and removed between two device lists (hex device keys), or undefined when
 * a device kept its key but changed its identity DH key (a key change).
 */
export function deviceSetChange (before: DeviceEntry[], after: DeviceEntry[]): { added: string[], removed: string[] } | undefined {
  const old = new Map(before.map((d) => [toHex(d.deviceKey), toHex(d.identityDhKey)]))
  const now = new Map(after.map((d) => [toHex(d.deviceKey), toHex(d.identityDhKey)]))
  for (const [key, dh] of now) if (old.has(key) && old.get(key) !== dh) return undefined
  return { added: [...now.keys()].filter((k) => !old.has(k)), removed: [...old.keys()].filter((k) => !now.has(k)) }
}
