import type { AbortOptions } from '@libp2p/interface'
import type { IncomingMessage } from 'node:http'
import { BadJsonError, BodyTooLargeError, UnsupportedMediaTypeError } from './errors.js'

/** Largest JSON body the API accepts. @default 65536 (64 KiB) */
export const DEFAULT_BODY_LIMIT = 64 * 1024

/**
 * Reads a request body of at most `limit` bytes and parses it as JSON. An empty body yields
 * `{}`. Throws BodyTooLargeError (413) as soon as the limit is passed (by Content-Length or
 * while streaming), UnsupportedMediaTypeError (415) for a non-JSON content type, BadJsonError (400).
 */
export async function readJsonBody (req: IncomingMessage, options: AbortOptions & { limit?: number } = {}): Promise<unknown> {
  const limit = options.limit ?? DEFAULT_BODY_LIMIT
  const declared = Number(req.headers['content-length'] ?? NaN)
  if (Number.isFinite(declared) && declared > limit) throw new BodyTooLargeError(limit)
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    options.signal?.throwIfAborted()
    size += chunk.length
    if (size > limit) throw new BodyTooLargeError(limit)
    chunks.push(chunk)
  }
  if (size === 0) return {}
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase()
  if (type !== 'application/json') throw new UnsupportedMediaTypeError()
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    throw new BadJsonError()
  }
}
