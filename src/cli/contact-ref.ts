import type { AbortOptions } from '@libp2p/interface'
import type { ContactView, ConversationView } from '../daemon/api-types.js'
import { seg, type ApiClient } from './api-client.js'
import { AmbiguousContactError, ContactNotFoundError } from './errors.js'

/**
 * Resolves `<contact>` (an address, or a contact's name, case-insensitive) to a contact.
 * Throws ContactNotFoundError or AmbiguousContactError.
 */
export async function resolveContact (api: ApiClient, ref: string, options: AbortOptions = {}): Promise<ContactView> {
  const { items } = await api.get<{ items: ContactView[] }>('/v1/contacts', options)
  const byAddress = items.find((c) => c.address === ref)
  if (byAddress != null) return byAddress
  const byName = items.filter((c) => c.name.toLowerCase() === ref.toLowerCase())
  if (byName.length === 1) return byName[0]
  if (byName.length > 1) throw new AmbiguousContactError(ref, byName.length)
  throw new ContactNotFoundError(ref)
}

/** The normal conversation with `<contact>`. */
export async function conversationFor (api: ApiClient, ref: string, options: AbortOptions = {}): Promise<{ contact: ContactView, conversation: ConversationView }> {
  const contact = await resolveContact(api, ref, options)
  const conversation = await api.post<ConversationView>(`/v1/contacts/${seg(contact.address)}/conversation`, {}, options)
  return { contact, conversation }
}

/** The newest secret chat with `address` in one of `states`, or undefined. */
export async function secretChatWith (api: ApiClient, address: string, states: Array<NonNullable<ConversationView['secretState']>>): Promise<ConversationView | undefined> {
  let cursor: string | undefined
  do {
    const page = await api.get<{ items: ConversationView[], cursor?: string }>(`/v1/conversations?limit=200${cursor != null ? `&cursor=${seg(cursor)}` : ''}`)
    const found = page.items.find((c) => c.kind === 'secret' && c.peer === address && c.secretState != null && states.includes(c.secretState))
    if (found != null) return found
    cursor = page.cursor
  } while (cursor != null)
  return undefined
}
