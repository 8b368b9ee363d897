/**
 * The relay's stored records (`src/wire/relay-store.proto`) were split from `mailbox.proto` so
 * that browsers do not bundle them (docs/BROWSER.md, "Bundle size"). A relay's database written
 * before the split must read the same: these bytes are what the codecs in `wire/mailbox.ts`
 * wrote before it (same messages, same field numbers).
 */
import { describe, expect, it } from 'vitest'
import { MailboxOwner, StoredEnvelope } from '../../src/wire/relay-store.js'

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

const STORED: StoredEnvelope = { envelope: Uint8Array.from([1, 2, 3, 250]), storedAt: 1764770000123n, expiresAt: 1765374800123n, secret: true, depositor: 7n }
const STORED_HEX = '0a04010203fa10fbd9f4a3ae3318fbe1a6c4b03320012807'
const OWNER: MailboxOwner = { accountKey: Uint8Array.from({ length: 32 }, (_, i) => i), inactivityDays: 30, lastAuthAt: 1764770000456n, recordSequence: 42n }
const OWNER_HEX = '0a20000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f101e18c8dcf4a3ae33202a'

describe('relay-store codecs', () => {
  it('encode a stored envelope and owner facts to the bytes written before the split', () => {
    expect(hex(StoredEnvelope.encode(STORED))).toBe(STORED_HEX)
    expect(hex(MailboxOwner.encode(OWNER))).toBe(OWNER_HEX)
  })

  it('decode the bytes written before the split', () => {
    const stored = StoredEnvelope.decode(Uint8Array.from(Buffer.from(STORED_HEX, 'hex')))
    expect({ ...stored, envelope: hex(stored.envelope) }).toEqual({ ...STORED, envelope: hex(STORED.envelope) })
    const owner = MailboxOwner.decode(Uint8Array.from(Buffer.from(OWNER_HEX, 'hex')))
    expect({ ...owner, accountKey: hex(owner.accountKey) }).toEqual({ ...OWNER, accountKey: hex(OWNER.accountKey) })
  })
})
