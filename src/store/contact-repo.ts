import { concatBytes, fromHex, toHex } from '../bytes.js'
import { InvalidQueryError, InvalidRecordError } from './errors.js'
import { DOMAIN, PREFIX, prefixRange, tagKey } from './keys.js'
import { asStored, pageLimit, requireBytes, requireString, requireTime, type RepoContext } from './repo-context.js'
import { TAG_BYTES } from './store-cipher.js'
import type { Contact, Page, PageOptions, StoreOptions } from './types.js'

const VERIFICATION = new Set(['unverified', 'verified', 'changed'])

function validate (c: Contact): Contact {
  requireString('accountId', c.accountId)
  if (typeof c.name !== 'string' || c.name.length > 1024) throw new InvalidRecordError('contact name must be a string of at most 1024 characters')
  requireBytes('identityKey', c.identityKey)
  if (!VERIFICATION.has(c.verification)) throw new InvalidRecordError('bad verification state')
  if (!Array.isArray(c.keyHistory)) throw new InvalidRecordError('keyHistory must be an array')
  for (const k of c.keyHistory) { requireBytes('keyHistory.key', k.key); requireTime('keyHistory.replacedAt', k.replacedAt) }
  if (typeof c.blocked !== 'boolean') throw new InvalidRecordError('blocked must be a boolean')
  requireTime('addedAt', c.addedAt)
  return c
}

/**
 * Contacts by account id (keyed by a keyed hash of the id; names live only inside sealed values).
 *
 * @example
 * ```ts
 * await store.contacts.put({ accountId, name: 'Ada', identityKey, verification: 'unverified', keyHistory: [], blocked: false, addedAt: Date.now() })
 * const ada = await store.contacts.get(accountId)
 * ```
 */
export class ContactRepo {
  private readonly ctx: RepoContext
  constructor (ctx: RepoContext) { this.ctx = ctx }

  private async key (accountId: string): Promise<Uint8Array> {
    return await tagKey(PREFIX.contact, this.ctx.skv.cipher, DOMAIN.account, accountId)
  }

  async get (accountId: string, options: StoreOptions = {}): Promise<Contact | undefined> {
    options.signal?.throwIfAborted()
    return await this.ctx.read(await this.key(accountId)) as Contact | undefined
  }

  async put (contact: Contact, options: StoreOptions = {}): Promise<void> {
    const c = validate(contact)
    const key = await this.key(c.accountId)
    await this.ctx.write(async (s) => { s.put(key, asStored({ ...c })) }, options.signal)
  }

  async delete (accountId: string, options: StoreOptions = {}): Promise<void> {
    const key = await this.key(accountId)
    await this.ctx.write(async (s) => { s.del(key) }, options.signal)
  }

  /** All contacts, a page at a time, in an arbitrary but stable order. */
  async list (options: PageOptions = {}): Promise<Page<Contact>> {
    const limit = pageLimit(options.limit)
    const range = prefixRange(PREFIX.contact)
    let gt: Uint8Array | undefined
    if (options.cursor !== undefined) {
      if (!/^[0-9a-f]{32}$/.test(options.cursor)) throw new InvalidQueryError('bad cursor')
      gt = concatBytes(PREFIX.contact, fromHex(options.cursor))
    }
    const items: Contact[] = []
    let damaged = 0
    let last: Uint8Array | undefined
    let seen = 0
    for (const row of await this.ctx.skv.page({ ...(gt !== undefined ? { gt } : { gte: range.gte }), lt: range.lt, limit }, options.signal)) {
      seen++
      last = row.key
      if (row.error !== undefined) damaged++
      else items.push(row.value as unknown as Contact)
    }
    const cursor = seen === limit && last !== undefined ? toHex(last.subarray(last.length - TAG_BYTES)) : undefined
    return { items, damaged, ...(cursor !== undefined ? { cursor } : {}) }
  }
}
