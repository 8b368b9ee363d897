/**
 * Attachments over the local API, streamed both ways (never buffered: the 64 KiB JSON body
 * limit stays for every other route). Upload: the request body is the file's bytes; download:
 * the response body is the decrypted file, written with backpressure.
 */
import type { ServerResponse } from 'node:http'
import { NotAllowedError } from '../../messenger/errors.js'
import type { MessengerApi, SendFileOptions } from '../../messenger/types.js'
import type { ApiDeps } from '../api-deps.js'
import { InvalidRequestError } from '../errors.js'
import { HANDLED, type Route } from '../route.js'

const MAX_TTL_MS = 28 * 24 * 3600_000

function attachmentsOf (messenger: MessengerApi): Required<Pick<MessengerApi, 'sendFile' | 'downloadAttachment' | 'readAttachment'>> {
  const { sendFile, downloadAttachment, readAttachment } = messenger
  if (sendFile === undefined || downloadAttachment === undefined || readAttachment === undefined) throw new NotAllowedError('This daemon keeps no attachment files')
  return { sendFile: sendFile.bind(messenger), downloadAttachment: downloadAttachment.bind(messenger), readAttachment: readAttachment.bind(messenger) }
}

export function queryString (query: URLSearchParams, name: string, max: number): string | undefined {
  const value = query.get(name)
  if (value == null) return undefined
  if (value.length === 0 || value.length > max) throw new InvalidRequestError(`${name} must be 1 to ${max} characters`)
  return value
}

export async function write (res: ServerResponse, bytes: Uint8Array, signal: AbortSignal): Promise<void> {
  if (res.write(bytes)) return
  await new Promise<void>((resolve, reject) => {
    const done = (): void => { res.off('drain', done); res.off('close', closed); resolve() }
    const closed = (): void => { res.off('drain', done); reject(new Error('client went away')) }
    res.on('drain', done)
    res.on('close', closed)
    if (signal.aborted) closed()
  })
}

/** `POST …/files` (upload and send), `POST …/download`, `GET …/file`. */
export function fileRoutes (deps: ApiDeps): Route[] {
  const { messenger } = deps
  return [{
    method: 'POST',
    path: '/v1/conversations/{id}/files',
    status: 201,
    summary: 'Send a file: the request body is its bytes (streamed); name, mime, ttlMs, caption and (voice notes) durationMs, waveform or (pictures) thumbnail, width, height in the query',
    handler: async ({ req, params, query, signal }) => {
      const name = queryString(query, 'name', 255)
      if (name === undefined) throw new InvalidRequestError('name is required')
      const mime = queryString(query, 'mime', 127)
      const caption = queryString(query, 'caption', 16_000)
      const ttlText = query.get('ttlMs')
      const ttlMs = ttlText == null ? undefined : Number(ttlText)
      if (ttlMs !== undefined && (!Number.isInteger(ttlMs) || ttlMs < 1000 || ttlMs > MAX_TTL_MS)) throw new InvalidRequestError('ttlMs must be an integer from 1000 to 2419200000')
      const message = await attachmentsOf(messenger).sendFile(params.id, req as AsyncIterable<Uint8Array>, {
        signal, name, ...(mime !== undefined ? { mime } : {}), ...(caption !== undefined ? { caption } : {}), ...(ttlMs !== undefined ? { ttlMs } : {}),
        ...mediaOptions(query)
      })
      return { message }
    }
  }, {
    method: 'POST',
    path: '/v1/conversations/{id}/messages/{messageId}/download',
    summary: 'Download an incoming attachment to this device (resuming after the pieces already verified)',
    handler: async ({ params, signal }) => ({ message: await attachmentsOf(messenger).downloadAttachment(params.id, params.messageId, { signal }) })
  }, {
    method: 'GET',
    path: '/v1/conversations/{id}/messages/{messageId}/file',
    summary: 'The decrypted bytes of a complete attachment (streamed; application/octet-stream)',
    handler: async ({ res, params, signal }) => {
      const parts = attachmentsOf(messenger).readAttachment(params.id, params.messageId, { signal })
      // the first part (or the refusal: not complete, not found) before the headers go out
      const first = await parts.next()
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' })
      try {
        if (first.done !== true) await write(res, first.value, signal)
        for await (const part of parts) await write(res, part, signal)
        res.end()
      } catch (err) {
        res.destroy(err as Error)
      }
      return HANDLED
    }
  }]
}

function queryInt (query: URLSearchParams, name: string, max: number): number | undefined {
  const text = query.get(name)
  if (text == null) return undefined
  const value = Number(text)
  if (!/^\d+$/.test(text) || value > max) throw new InvalidRequestError(`${name} must be an integer from 0 to ${max}`)
  return value
}

/**
 * What a voice note or a picture adds to the announcement, from the query: `durationMs`,
 * `waveform` (comma-separated samples 0–255), `thumbnail` (base64url, a small JPEG), `width`,
 * `height`. The announcement's own limits (128 samples, 16 KiB thumbnail) are checked by the
 * messenger after sealing; these bounds only keep the parsing small.
 */
export function mediaOptions (query: URLSearchParams): Pick<SendFileOptions, 'durationMs' | 'waveform' | 'thumbnail' | 'width' | 'height'> {
  const durationMs = queryInt(query, 'durationMs', 24 * 3600_000)
  const waveformText = queryString(query, 'waveform', 128 * 4)
  const waveform = waveformText?.split(',').map((v) => {
    if (!/^\d{1,3}$/.test(v) || Number(v) > 255) throw new InvalidRequestError('waveform must be comma-separated integers from 0 to 255')
    return Number(v)
  })
  if (waveform !== undefined && waveform.length > 128) throw new InvalidRequestError('waveform has at most 128 samples')
  const thumbnailText = queryString(query, 'thumbnail', 22_000)
  if (thumbnailText !== undefined && !/^[A-Za-z0-9_-]+={0,2}$/.test(thumbnailText)) throw new InvalidRequestError('thumbnail must be base64url')
  const thumbnail = thumbnailText === undefined ? undefined : new Uint8Array(Buffer.from(thumbnailText, 'base64url'))
  const width = queryInt(query, 'width', 65_535)
  const height = queryInt(query, 'height', 65_535)
  return {
    ...(durationMs !== undefined ? { durationMs } : {}), ...(waveform !== undefined ? { waveform } : {}),
    ...(thumbnail !== undefined ? { thumbnail } : {}), ...(width !== undefined ? { width } : {}), ...(height !== undefined ? { height } : {})
  }
}
