/**
 * Files and voice notes in channel posts over the local API (issue #21), streamed like chat
 * attachments (`files.ts`): upload as the request body, download as the response body.
 */
import type { MessengerApi } from '../../messenger/types.js'
import type { ApiDeps } from '../api-deps.js'
import { InvalidRequestError, ResourceNotFoundError } from '../errors.js'
import { HANDLED, type Route } from '../route.js'
import { mediaOptions, queryString, write } from './files.js'

type ChannelFileApi = Required<Pick<MessengerApi, 'postChannelFile' | 'downloadChannelFile' | 'readChannelFile'>>

function filesOf (messenger: MessengerApi): ChannelFileApi {
  const { postChannelFile, downloadChannelFile, readChannelFile } = messenger
  if (postChannelFile === undefined || downloadChannelFile === undefined || readChannelFile === undefined) throw new InvalidRequestError('This daemon keeps no attachment files')
  return { postChannelFile: postChannelFile.bind(messenger), downloadChannelFile: downloadChannelFile.bind(messenger), readChannelFile: readChannelFile.bind(messenger) }
}

function seqOf (raw: string | undefined): number {
  const n = Number(raw)
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidRequestError('"seq" must be a post number')
  return n
}

/** `POST …/channels/{channel}/files`, `POST …/posts/{seq}/download`, `GET …/posts/{seq}/file`. */
export function channelFileRoutes (deps: ApiDeps): Route[] {
  const { messenger } = deps
  const idOf = async (ref: string, signal: AbortSignal): Promise<string> => {
    const channel = (await messenger.channels({ signal })).find((c) => c.id === ref || c.name === ref)
    if (channel == null) throw new ResourceNotFoundError(`No channel ${ref}`)
    return channel.id
  }
  return [{
    method: 'POST',
    path: '/v1/channels/{channel}/files',
    status: 201,
    summary: 'Post a file or voice note (owner and admins): the request body is its bytes (streamed); name, mime, caption, durationMs, waveform in the query',
    handler: async ({ req, params, query, signal }) => {
      const name = queryString(query, 'name', 255)
      if (name === undefined) throw new InvalidRequestError('name is required')
      const mime = queryString(query, 'mime', 127)
      const caption = queryString(query, 'caption', 16_000)
      return await filesOf(messenger).postChannelFile(await idOf(params.channel, signal), req as AsyncIterable<Uint8Array>, {
        signal, name, ...(mime !== undefined ? { mime } : {}), ...(caption !== undefined ? { caption } : {}), ...mediaOptions(query)
      })
    }
  }, {
    method: 'POST',
    path: '/v1/channels/{channel}/posts/{seq}/download',
    summary: "Fetch a post's file from the relays holding it (verified piece by piece)",
    handler: async ({ params, signal }) => await filesOf(messenger).downloadChannelFile(await idOf(params.channel, signal), seqOf(params.seq), { signal })
  }, {
    method: 'GET',
    path: '/v1/channels/{channel}/posts/{seq}/file',
    summary: "The decrypted bytes of a post's downloaded file (streamed; application/octet-stream)",
    handler: async ({ res, params, signal }) => {
      const parts = filesOf(messenger).readChannelFile(await idOf(params.channel, signal), seqOf(params.seq), { signal })[Symbol.asyncIterator]()
      const first = await parts.next()
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' })
      try {
        if (first.done !== true) await write(res, first.value, signal)
        for (let next = await parts.next(); next.done !== true; next = await parts.next()) await write(res, next.value, signal)
        res.end()
      } catch (err) {
        res.destroy(err as Error)
      }
      return HANDLED
    }
  }]
}
