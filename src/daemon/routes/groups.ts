import type { ApiDeps } from '../api-deps.js'
import { InvalidRequestError } from '../errors.js'
import type { Route } from '../route.js'
import { object, optionalString, requiredString, stringArray } from '../validate.js'

/** Longest disappearing-message timer: 4 weeks (as for conversations). */
const MAX_TTL_MS = 28 * 24 * 3600_000
/** Most members named in one request (a group's bound). */
const MAX_MEMBERS = 1000

/** Groups (issue #20): the group's id is its conversation id; messages go through `/v1/conversations/{id}/…`. */
export function groupRoutes (deps: ApiDeps): Route[] {
  const { messenger } = deps
  const members = async (body: () => Promise<unknown>): Promise<string[]> => stringArray(object(await body()), 'members', MAX_MEMBERS)
  return [{
    method: 'GET',
    path: '/v1/groups',
    summary: 'List the groups this device knows',
    handler: async ({ signal }) => ({ items: await messenger.listGroups({ signal }) })
  }, {
    method: 'POST',
    path: '/v1/groups',
    status: 201,
    summary: 'Create a group (this account its admin) with members (addresses)',
    handler: async ({ body, signal }) => {
      const input = object(await body())
      return messenger.createGroup(requiredString(input, 'name', 128), stringArray(input, 'members', MAX_MEMBERS), { signal })
    }
  }, {
    method: 'GET',
    path: '/v1/groups/{id}',
    summary: 'One group: name, members and roles, timer, this account\'s standing',
    handler: async ({ params, signal }) => messenger.group(params.id, { signal })
  }, {
    method: 'PATCH',
    path: '/v1/groups/{id}',
    summary: 'Rename the group and/or set its disappearing timer (ms, or null for off)',
    handler: async ({ params, body, signal }) => {
      const input = object(await body())
      const name = optionalString(input, 'name', 128)
      if (name == null && !('timerMs' in input)) throw new InvalidRequestError('Pass "name" and/or "timerMs"')
      let view = name != null ? await messenger.setGroupName(params.id, name, { signal }) : undefined
      if ('timerMs' in input) {
        const ttl = input.timerMs
        if (ttl !== null && (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 1000 || ttl > MAX_TTL_MS)) {
          throw new InvalidRequestError(`"timerMs" must be null or an integer from 1000 to ${MAX_TTL_MS}`)
        }
        view = await messenger.setGroupTimer(params.id, ttl, { signal })
      }
      return view
    }
  }, {
    method: 'POST',
    path: '/v1/groups/{id}/members',
    summary: 'Add members (addresses)',
    handler: async ({ params, body, signal }) => messenger.addMembers(params.id, await members(body), { signal })
  }, {
    method: 'POST',
    path: '/v1/groups/{id}/members/remove',
    summary: 'Remove members (addresses); admins only',
    handler: async ({ params, body, signal }) => messenger.removeMembers(params.id, await members(body), { signal })
  }, {
    method: 'POST',
    path: '/v1/groups/{id}/admins',
    summary: 'Promote members to admins',
    handler: async ({ params, body, signal }) => messenger.promote(params.id, await members(body), { signal })
  }, {
    method: 'POST',
    path: '/v1/groups/{id}/admins/remove',
    summary: 'Demote admins to members',
    handler: async ({ params, body, signal }) => messenger.demote(params.id, await members(body), { signal })
  }, {
    method: 'GET',
    path: '/v1/groups/{id}/messages/{messageId}/receipts',
    summary: 'How many members one of my messages was delivered to and read by',
    handler: async ({ params, signal }) => messenger.groupReceipts(params.id, params.messageId, { signal })
  }, {
    method: 'POST',
    path: '/v1/groups/{id}/leave',
    summary: 'Leave the group',
    handler: async ({ params, signal }) => messenger.leaveGroup(params.id, { signal })
  }]
}
