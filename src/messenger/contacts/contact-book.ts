import type { AbortOptions } from '@libp2p/interface'
import { formatSafetyNumber, safetyNumber, safetyNumberQr } from '../../crypto/index.js'
import { decodeAddress } from '../../identity/address.js'
import { isFleetRef } from '../../net/fleet-relays.js'
import type { Contact } from '../../store/index.js'
import { DEFAULT_DIAL_TIMEOUT_MS, LIST_PAGE, MAX_CONTACT_NAME } from '../constants.js'
import type { MessengerContext } from '../context.js'
import type { AccountResolver } from '../directory/account-resolver.js'
import { ContactNotFoundError, InvalidArgumentError } from '../errors.js'
import type { ContactView } from '../types.js'
import { contactView, parseInvite, shortAddress } from './invite.js'

/** The contact book: add (from an address or an invite), list, rename, remove, block, verify. */
export class ContactBook {
  constructor (private readonly ctx: MessengerContext, private readonly resolver: AccountResolver) {}

  /** `parley:<address>[?relay=<multiaddr>]` with this account's first relay (not a fleet: contacts find those in its record). */
  inviteLink (relays: string[]): string {
    const relay = relays.find((r) => !isFleetRef(r))
    return `parley:${this.ctx.address}${relay != null ? `?relay=${encodeURIComponent(relay)}` : ''}`
  }

  async add (addressOrLink: string, init: { name?: string } = {}, options: AbortOptions = {}): Promise<ContactView> {
    const { store, network } = this.ctx.components
    const { address, relay } = parseInvite(addressOrLink)
    decodeAddress(address)
    if (address === this.ctx.address) throw new InvalidArgumentError('That is this account')
    // the invite's relay (checked by parseInvite: TCP or WebSocket, /p2p/<id>) helps find the contact
    if (relay != null) {
      await network.dial(relay, { signal: options.signal ?? AbortSignal.timeout(DEFAULT_DIAL_TIMEOUT_MS) }).catch((err: unknown) => {
        options.signal?.throwIfAborted()
        this.ctx.log('invite').trace('could not dial the invite relay %s - %e', relay, err)
      })
    }
    const existing = await store.contacts.get(address, options)
    const contact: Contact = existing != null
      ? { ...existing, name: init.name ?? existing.name }
      : { accountId: address, name: init.name ?? shortAddress(address), identityKey: new Uint8Array(0), verification: 'unverified', keyHistory: [], blocked: false, addedAt: this.ctx.now() }
    await store.contacts.put(contact, options)
    // learn the record (and device keys) in the background
    void this.resolver.resolve(address).catch((err: unknown) => {
      this.ctx.log('contacts').trace('no account record yet for a new contact - %e', err)
    })
    return contactView(contact)
  }

  async list (options: AbortOptions = {}): Promise<ContactView[]> {
    const out: ContactView[] = []
    let cursor: string | undefined
    do {
      const page = await this.ctx.components.store.contacts.list({ ...options, limit: LIST_PAGE, cursor })
      out.push(...page.items.map(contactView))
      cursor = page.cursor
    } while (cursor != null)
    return out
  }

  async require (address: string, options: AbortOptions = {}): Promise<Contact> {
    const contact = await this.ctx.components.store.contacts.get(address, options)
    if (contact == null) throw new ContactNotFoundError(address)
    return contact
  }

  private async update (address: string, change: Partial<Contact>, options: AbortOptions): Promise<ContactView> {
    const contact = { ...(await this.require(address, options)), ...change }
    await this.ctx.components.store.contacts.put(contact, options)
    return contactView(contact)
  }

  async rename (address: string, name: string, options: AbortOptions = {}): Promise<ContactView> {
    return this.update(address, { name: name.slice(0, MAX_CONTACT_NAME) }, options)
  }

  async remove (address: string, options: AbortOptions = {}): Promise<void> {
    await this.require(address, options)
    await this.ctx.components.store.contacts.delete(address, options)
  }

  async block (address: string, blocked: boolean, options: AbortOptions = {}): Promise<ContactView> {
    return this.update(address, { blocked }, options)
  }

  async markVerified (address: string, options: AbortOptions = {}): Promise<ContactView> {
    return this.update(address, { verification: 'verified' }, options)
  }

  safetyNumber (address: string): { digits: string, qr: Uint8Array } {
    const mine = this.ctx.components.accountRecords.accountKey
    const theirs = decodeAddress(address)
    return { digits: formatSafetyNumber(safetyNumber(mine, theirs)), qr: safetyNumberQr(mine, theirs) }
  }
}
