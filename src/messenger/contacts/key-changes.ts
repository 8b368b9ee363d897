import { equalBytes } from '@noble/ciphers/utils.js'
import type { VerifiedAccountRecord } from '../../identity/account-record.js'
import type { StoreRepos } from '../../store/index.js'
import { KEY_HISTORY_LIMIT } from '../constants.js'
import { emitEffect, type EmitEffect } from '../effects.js'
import { deviceFingerprint } from './invite.js'

/**
 * Compares a newly seen account record with the contact's known device keys. A tombstone
 * removes the contact; a changed fingerprint is recorded in the key history and, for a verified
 * contact, turns it `changed` — never silently accepted: the caller emits the returned event.
 * A first record only records the fingerprint.
 */
export async function noteDeviceKeys (repos: Pick<StoreRepos, 'contacts'>, address: string, record: VerifiedAccountRecord, now: number): Promise<EmitEffect | undefined> {
  if (record.body.deleted) {
    // a signed tombstone: the account is gone; drop the contact (its history stays readable)
    if ((await repos.contacts.get(address)) == null) return undefined
    await repos.contacts.delete(address)
    return emitEffect('contact-removed', { address, reason: 'account-deleted' })
  }
  const fingerprint = deviceFingerprint(record.body.devices)
  const contact = await repos.contacts.get(address)
  if (contact == null) return undefined
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
