import type { ApiDeps } from '../api-deps.js'
import { InvalidRequestError } from '../errors.js'
import type { Route } from '../route.js'
import { object, requiredString } from '../validate.js'

/** Longest invite link lifetime the API accepts: a year (null: no expiry). */
const MAX_LINK_TTL_MS = 365 * 24 * 3600_000

/** Group invite links (issue #20): make, list, revoke; join by link; approve or decline join requests; the group's picture. */
export function groupLinkRoutes (deps: ApiDeps): Route[] {
  const { messenger } = deps
  return [{
    method: 'POST',
    path: '/v1/groups/join',
    summary: 'Ask to join a group by invite link (sent to the link\'s creator); the group arrives as group-updated once accepted',
    handler: async ({ body, signal }) => messenger.joinGroupByLink(requiredString(object(await body()), 'link', 1024), { signal })
  }, {
    method: 'GET',
    path: '/v1/groups/{id}/picture',
    summary: 'The group\'s picture: { mime, data (base64), setAt }, or null',
    handler: async ({ params, signal }) => {
      const p = await messenger.groupPicture(params.id, { signal })
      return p == null ? null : { mime: p.mime, data: Buffer.from(p.bytes).toString('base64'), setAt: p.setAt }
    }
  }, {
    method: 'PUT',
    path: '/v1/groups/{id}/picture',
    summary: 'Set the group\'s picture { mime, data (base64) } — at most 16 KiB of PNG, JPEG or WebP; whoever may rename the group — or { data: null } to remove it',
    handler: async ({ params, body, signal }) => {
      const input = object(await body())
      if (input.data === null) return messenger.setGroupPicture(params.id, null, { signal })
      const data = requiredString(input, 'data', 24 * 1024)
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(data)) throw new InvalidRequestError('"data" must be base64')
      return messenger.setGroupPicture(params.id, { bytes: new Uint8Array(Buffer.from(data, 'base64')), mime: requiredString(input, 'mime', 32) }, { signal })
    }
  }, {
    method: 'POST',
    path: '/v1/groups/{id}/links',
    status: 201,
    summary: 'Make an invite link (whoever may add members); expiresInMs: lifetime (default 7 days) or null for none',
    handler: async ({ params, body, signal }) => {
      const input = object(await body())
      const ttl = input.expiresInMs
      if (ttl !== undefined && ttl !== null && (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 60_000 || ttl > MAX_LINK_TTL_MS)) {
        throw new InvalidRequestError(`"expiresInMs" must be null or an integer from 60000 to ${MAX_LINK_TTL_MS}`)
      }
      return messenger.createGroupLink(params.id, ttl === undefined ? {} : { expiresInMs: ttl }, { signal })
    }
  }, {
    method: 'GET',
    path: '/v1/groups/{id}/links',
    summary: 'The group\'s live invite links (ids, creators, expiry; not the links themselves)',
    handler: async ({ params, signal }) => ({ items: await messenger.groupLinks(params.id, { signal }) })
  }, {
    method: 'DELETE',
    path: '/v1/groups/{id}/links/{linkId}',
    summary: 'Revoke an invite link (an admin or its creator)',
    handler: async ({ params, signal }) => { await messenger.revokeGroupLink(params.id, params.linkId, { signal }); return { revoked: params.linkId } }
  }, {
    method: 'POST',
    path: '/v1/groups/{id}/join-approval',
    summary: 'Whether joins by link wait for approval ("approve") or are accepted at once ("auto"); admins only',
    handler: async ({ params, body, signal }) => {
      const mode = requiredString(object(await body()), 'mode', 16)
      if (mode !== 'approve' && mode !== 'auto') throw new InvalidRequestError('"mode" must be "approve" or "auto"')
      await messenger.setGroupJoinApproval(params.id, mode, { signal })
      return messenger.group(params.id, { signal })
    }
  }, {
    method: 'GET',
    path: '/v1/groups/{id}/join-requests',
    summary: 'Join requests by link waiting for this account\'s approval',
    handler: async ({ params, signal }) => ({ items: await messenger.groupJoinRequests(params.id, { signal }) })
  }, {
    method: 'POST',
    path: '/v1/groups/{id}/join-requests/{address}/approve',
    summary: 'Approve a join request: the requester is added',
    handler: async ({ params, signal }) => { await messenger.approveGroupJoin(params.id, params.address, { signal }); return messenger.group(params.id, { signal }) }
  }, {
    method: 'POST',
    path: '/v1/groups/{id}/join-requests/{address}/decline',
    summary: 'Decline a join request (the requester is told)',
    handler: async ({ params, signal }) => { await messenger.declineGroupJoin(params.id, params.address, { signal }); return { declined: params.address } }
  }]
}
