import type { ApiDeps } from '../api-deps.js'
import { InvalidRequestError, ResourceNotFoundError } from '../errors.js'
import type { Route } from '../route.js'
import { object, optionalBoolean, requiredString } from '../validate.js'

/** A non-negative integer from the query string or a path segment. */
function integer (raw: string | null | undefined, field: string, fallback: number, max: number): number {
  if (raw == null || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isSafeInteger(n) || n < 0 || n > max) throw new InvalidRequestError(`"${field}" must be an integer from 0 to ${max}`)
  return n
}

/** Broadcast channels: create, follow by link, list, post, edit, delete, mute, leave, admins. */
export function channelRoutes (deps: ApiDeps): Route[] {
  const { messenger } = deps
  const find = async (ref: string, signal: AbortSignal): Promise<ReturnType<typeof messenger.channels> extends Promise<Array<infer V>> ? V : never> => {
    const channel = (await messenger.channels({ signal })).find((c) => c.id === ref || c.name === ref)
    if (channel == null) throw new ResourceNotFoundError(`No channel ${ref}`)
    return channel
  }
  return [{
    method: 'GET',
    path: '/v1/channels',
    summary: 'List channels owned or followed',
    handler: async ({ signal }) => ({ items: await messenger.channels({ signal }) })
  }, {
    method: 'POST',
    path: '/v1/channels',
    status: 201,
    summary: 'Create a channel ({ name, private? }); the view carries the subscription link',
    handler: async ({ body, signal }) => {
      const input = object(await body())
      return messenger.createChannel(requiredString(input, 'name', 128), { private: optionalBoolean(input, 'private') === true }, { signal })
    }
  }, {
    method: 'POST',
    path: '/v1/channels/follow',
    status: 201,
    summary: 'Follow a channel by its subscription link ({ link }); pulls recent history from relays',
    handler: async ({ body, signal }) => messenger.subscribe(requiredString(object(await body()), 'link', 1024), { signal })
  }, {
    method: 'GET',
    path: '/v1/channels/{channel}',
    summary: 'One channel (by id or name)',
    handler: async ({ params, signal }) => find(params.channel, signal)
  }, {
    method: 'PATCH',
    path: '/v1/channels/{channel}',
    summary: 'Mute or unmute a channel ({ muted })',
    handler: async ({ params, body, signal }) => {
      const muted = optionalBoolean(object(await body()), 'muted')
      if (muted === undefined) throw new InvalidRequestError('Pass "muted"')
      return messenger.muteChannel((await find(params.channel, signal)).id, muted, { signal })
    }
  }, {
    method: 'DELETE',
    path: '/v1/channels/{channel}',
    summary: 'Leave a channel (its posts are forgotten on this device)',
    handler: async ({ params, signal }) => {
      await messenger.unsubscribe((await find(params.channel, signal)).id, { signal })
      return undefined
    }
  }, {
    method: 'GET',
    path: '/v1/channels/{channel}/posts',
    summary: 'Posts after ?after=<seq> (default 0), oldest first, ?limit= 1–500 (default 100)',
    handler: async ({ params, query, signal }) => {
      const channel = await find(params.channel, signal)
      const after = integer(query.get('after'), 'after', 0, Number.MAX_SAFE_INTEGER)
      const limit = integer(query.get('limit'), 'limit', 100, 500)
      if (limit === 0) throw new InvalidRequestError('"limit" must be an integer from 1 to 500')
      return { items: await messenger.channelPosts(channel.id, { after, limit }, { signal }) }
    }
  }, {
    method: 'POST',
    path: '/v1/channels/{channel}/posts',
    status: 201,
    summary: 'Post to a channel you own or administer ({ text })',
    handler: async ({ params, body, signal }) => messenger.post((await find(params.channel, signal)).id, requiredString(object(await body()), 'text', 48 * 1024), { signal })
  }, {
    method: 'PATCH',
    path: '/v1/channels/{channel}/posts/{seq}',
    summary: 'Edit a post (owner and admins; { text })',
    handler: async ({ params, body, signal }) => {
      const seq = integer(params.seq, 'seq', 0, Number.MAX_SAFE_INTEGER)
      return messenger.editChannelPost((await find(params.channel, signal)).id, seq, requiredString(object(await body()), 'text', 48 * 1024), { signal })
    }
  }, {
    method: 'DELETE',
    path: '/v1/channels/{channel}/posts/{seq}',
    summary: 'Delete a post for every reader (owner and admins)',
    handler: async ({ params, signal }) => {
      await messenger.deleteChannelPost((await find(params.channel, signal)).id, integer(params.seq, 'seq', 0, Number.MAX_SAFE_INTEGER), { signal })
      return undefined
    }
  }, {
    method: 'GET',
    path: '/v1/channels/{channel}/admin-key',
    summary: "This device's key for being made an admin (give it to the owner)",
    handler: async ({ params, signal }) => ({ key: await messenger.channelAdminKey((await find(params.channel, signal)).id, { signal }) })
  }, {
    method: 'PUT',
    path: '/v1/channels/{channel}/admins',
    summary: 'Owner: replace the admins ({ keys: [hex] }), announced in a signed post',
    handler: async ({ params, body, signal }) => {
      const input = object(await body())
      const keys = input.keys
      if (!Array.isArray(keys) || keys.length > 32 || !keys.every((k) => typeof k === 'string')) throw new InvalidRequestError('"keys" must be an array of up to 32 hex keys')
      return messenger.setChannelAdmins((await find(params.channel, signal)).id, keys as string[], { signal })
    }
  }, {
    // ------------------------------------------------------------ reactions and views (issue #21, s9-chan)
    method: 'PUT',
    path: '/v1/channels/{channel}/posts/{seq}/reaction',
    summary: 'React to a post with one emoji ({ emoji }); sealed to the owner, counted in its next tally',
    handler: async ({ params, body, signal }) => {
      const emoji = requiredString(object(await body()), 'emoji', 32)
      return messenger.reactToChannelPost((await find(params.channel, signal)).id, integer(params.seq, 'seq', 0, Number.MAX_SAFE_INTEGER), emoji, { signal })
    }
  }, {
    method: 'DELETE',
    path: '/v1/channels/{channel}/posts/{seq}/reaction',
    summary: 'Withdraw your reaction to a post',
    handler: async ({ params, signal }) => messenger.reactToChannelPost((await find(params.channel, signal)).id, integer(params.seq, 'seq', 0, Number.MAX_SAFE_INTEGER), '', { signal })
  }, {
    method: 'POST',
    path: '/v1/channels/{channel}/viewed',
    summary: 'Report posts as seen ({ seqs: [n] }), once each; counted by the owner without learning who',
    handler: async ({ params, body, signal }) => {
      const seqs = object(await body()).seqs
      if (!Array.isArray(seqs) || seqs.length > 500 || !seqs.every((n) => Number.isSafeInteger(n) && (n as number) > 0)) throw new InvalidRequestError('"seqs" must be an array of up to 500 post numbers')
      return { reported: await messenger.markChannelPostsViewed((await find(params.channel, signal)).id, seqs as number[], { signal }) }
    }
  }, {
    method: 'POST',
    path: '/v1/channels/{channel}/tally',
    summary: 'Owner: collect sealed reactions and views from relays now and publish the changed counts',
    handler: async ({ params, signal }) => messenger.tallyChannel((await find(params.channel, signal)).id, { signal })
  }]
}
