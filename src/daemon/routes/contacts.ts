import type { ContactView } from '../../messenger/types.js'
import type { ApiDeps } from '../api-deps.js'
import { InvalidRequestError, ResourceNotFoundError } from '../errors.js'
import type { Route } from '../route.js'
import { object, optionalBoolean, optionalString, requiredString } from '../validate.js'

/** Contacts: add, list, rename, block, remove, safety numbers and verification. */
export function contactRoutes (deps: ApiDeps): Route[] {
  const { messenger } = deps
  const find = async (address: string, signal: AbortSignal): Promise<ContactView> => {
    const contact = (await messenger.listContacts({ signal })).find((c) => c.address === address)
    if (contact == null) throw new ResourceNotFoundError(`No contact ${address}`)
    return contact
  }
  return [{
    method: 'GET',
    path: '/v1/contacts',
    summary: 'List contacts',
    handler: async ({ signal }) => ({ items: await messenger.listContacts({ signal }) })
  }, {
    method: 'POST',
    path: '/v1/contacts',
    status: 201,
    summary: 'Add a contact by address or invite link',
    handler: async ({ body, signal }) => {
      const input = object(await body())
      const address = requiredString(input, 'address', 2048)
      const name = optionalString(input, 'name', 200)
      return messenger.addContact(address, name !== undefined ? { name } : {}, { signal })
    }
  }, {
    method: 'GET',
    path: '/v1/contacts/{address}',
    summary: 'One contact',
    handler: async ({ params, signal }) => find(params.address, signal)
  }, {
    method: 'PATCH',
    path: '/v1/contacts/{address}',
    summary: 'Rename and/or block or unblock a contact',
    handler: async ({ params, body, signal }) => {
      const input = object(await body())
      const name = optionalString(input, 'name', 200)
      const blocked = optionalBoolean(input, 'blocked')
      if (name === undefined && blocked === undefined) throw new InvalidRequestError('Pass "name" and/or "blocked"')
      let contact = await find(params.address, signal)
      if (name !== undefined) contact = await messenger.renameContact(params.address, name, { signal })
      if (blocked !== undefined) contact = await messenger.blockContact(params.address, blocked, { signal })
      return contact
    }
  }, {
    method: 'DELETE',
    path: '/v1/contacts/{address}',
    summary: 'Remove a contact',
    handler: async ({ params, signal }) => {
      await find(params.address, signal)
      await messenger.removeContact(params.address, { signal })
      return undefined
    }
  }, {
    method: 'GET',
    path: '/v1/contacts/{address}/safety-number',
    summary: 'The safety number (60 digits, and QR payload in base64) of this account and the contact',
    handler: async ({ params, signal }) => {
      const { digits, qr } = await messenger.safetyNumber(params.address, { signal })
      // always 60 bare digits, however the messenger groups them
      return { digits: digits.replace(/\D/g, ''), qr: Buffer.from(qr).toString('base64') }
    }
  }, {
    method: 'POST',
    path: '/v1/contacts/{address}/verify',
    summary: 'Mark the contact verified (after comparing safety numbers)',
    handler: async ({ params, signal }) => messenger.markVerified(params.address, { signal })
  }, {
    method: 'POST',
    path: '/v1/contacts/{address}/conversation',
    summary: 'The normal conversation with a contact (created on first use)',
    handler: async ({ params, signal }) => messenger.conversationWith(params.address, { signal })
  }]
}
