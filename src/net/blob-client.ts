/**
 * The client side of `/parley/blob/1.0.0`: the manifest, verified piece ranges (resumable from
 * any piece), deposits at relays (resuming from the pieces the relay already holds) and deletes.
 * One stream per request; reads are bounded (a piece, or a header with a manifest) and at most
 * {@link BLOB_CLIENT_QUEUED_FRAMES} pieces are buffered before the stream is paused.
 */
import type { AbortOptions, PeerId, Stream } from '@libp2p/interface'
import { decodeManifest, encodeManifest, type Manifest, verifyPiece } from '../crypto/attachment/pieces.js'
import type { Piece } from '../crypto/attachment/types.js'
import { ErrorCode } from '../errors.js'
import { BlobNotFoundError, BlobRefusedError } from './blob-errors.js'
import { BLOB_PROTOCOL, BlobRequest, BlobResponse, decodeBlobResponse, framePrefix } from './blob-codec.js'
import {
  BLOB_CLIENT_QUEUED_FRAMES, BLOB_DEPOSIT_WINDOW, BLOB_FETCH_WINDOW, DEFAULT_BLOB_PIECE_TIMEOUT_MS, MAX_BLOB_RESPONSE_FRAME_BYTES
} from './blob-constants.js'
import { DEFAULT_DIAL_TIMEOUT_MS, STREAM_CLOSE_TIMEOUT_MS } from './constants.js'
import { StreamClosedError } from './errors.js'
import { encodeFrame, FrameReader, writeWithBackpressure } from './stream/frame-reader.js'

/** Opens a protocol stream (libp2p's `dialProtocol` / the connection manager's `openStream`). */
export type BlobDialer = (peer: PeerId, protocol: string, options: AbortOptions & { runOnLimitedConnection?: boolean }) => Promise<Stream>

export interface BlobClientInit {
  /** Time allowed to dial and open a stream. @default 10000 */
  dialTimeoutMs?: number
  /** One piece read or write may wait this long. @default 30000 */
  pieceTimeoutMs?: number
}

/** A deposit at a relay (what the relay's blob store keeps with the blob). */
export interface DepositInput {
  digest: Uint8Array
  manifest: Manifest
  /** The recipient device key whose quota it counts against. */
  mailbox: Uint8Array
  /** ms since epoch (the message's expiry; 0 = the relay's retention). */
  expiresAt: number
  /** SHA-256 of the delete token, or empty. */
  deleteHash: Uint8Array
}

/** One FETCH request in flight: its stream, the answer's header, and how many pieces it asked for. */
interface FetchWindow { stream: Stream, reader: FrameReader, response: BlobResponse, want: number }
type PendingWindow = Promise<FetchWindow>

/** Progress of a deposit: pieces the relay holds so far, of all. */
export type DepositProgress = (held: number, total: number) => void

const EMPTY = new Uint8Array(0)

function request (fields: Partial<BlobRequest> & { op: BlobRequest.Op, digest: Uint8Array }): Uint8Array {
  return encodeFrame(BlobRequest.encode({
    from: 0, count: 0, wantManifest: false, manifest: EMPTY, mailbox: EMPTY, expiresAt: 0n, deleteHash: EMPTY, deleteToken: EMPTY, ...fields
  }))
}

function throwRefusal (response: BlobResponse): never {
  if (response.status === BlobResponse.Status.NOT_FOUND) throw new BlobNotFoundError(response.code !== '' ? `Blob not found (${response.code})` : undefined)
  throw new BlobRefusedError(`Peer refused the blob request: ${response.status}`, response.code !== '' ? response.code : ErrorCode.REJECTED)
}

export class BlobClient {
  constructor (private readonly dial: BlobDialer, private readonly init: BlobClientInit = {}) {}

  private get pieceTimeoutMs (): number { return this.init.pieceTimeoutMs ?? DEFAULT_BLOB_PIECE_TIMEOUT_MS }

  private async open (peer: PeerId, options: AbortOptions): Promise<{ stream: Stream, reader: FrameReader }> {
    options.signal?.throwIfAborted()
    const signals = [AbortSignal.timeout(this.init.dialTimeoutMs ?? DEFAULT_DIAL_TIMEOUT_MS)]
    if (options.signal != null) signals.push(options.signal)
    const stream = await this.dial(peer, BLOB_PROTOCOL, { signal: AbortSignal.any(signals), runOnLimitedConnection: false })
    const reader = new FrameReader(stream, { maxFrameBytes: MAX_BLOB_RESPONSE_FRAME_BYTES, maxQueuedFrames: BLOB_CLIENT_QUEUED_FRAMES, frameTimeoutMs: this.pieceTimeoutMs })
    if (options.signal != null) {
      const signal = options.signal
      const onAbort = (): void => { stream.abort(new StreamClosedError('Blob request aborted')) }
      signal.addEventListener('abort', onAbort, { once: true })
      stream.addEventListener('close', () => { signal.removeEventListener('abort', onAbort) })
    }
    return { stream, reader }
  }

  private async response (reader: FrameReader, options: AbortOptions): Promise<BlobResponse> {
    const frame = await reader.next({ signal: options.signal, idleTimeoutMs: this.pieceTimeoutMs })
    if (frame === null) throw new StreamClosedError('Blob stream ended before the response')
    const response = decodeBlobResponse(frame)
    if (response.status !== BlobResponse.Status.OK) throwRefusal(response)
    return response
  }

  private async close (stream: Stream): Promise<void> {
    if (stream.status !== 'open') return
    await stream.close({ signal: AbortSignal.timeout(STREAM_CLOSE_TIMEOUT_MS) }).catch(() => { stream.abort(new StreamClosedError('Blob stream did not close')) })
  }

  /** Fetches a blob's manifest and checks it against `digest` and `maxCipherLength` (typed errors). */
  async fetchManifest (peer: PeerId, digest: Uint8Array, maxCipherLength: number, options: AbortOptions = {}): Promise<Manifest> {
    const { stream, reader } = await this.open(peer, options)
    try {
      await writeWithBackpressure(stream, request({ op: BlobRequest.Op.FETCH, digest, wantManifest: true }), { signal: options.signal, timeoutMs: this.pieceTimeoutMs })
      const response = await this.response(reader, options)
      return decodeManifest(response.manifest, digest, maxCipherLength)
    } finally {
      await this.close(stream)
    }
  }

  /**
   * Yields pieces `from` … `to - 1` (default: to the end), each verified against the manifest
   * (`AttachmentCorruptError` otherwise), in requests of {@link BLOB_FETCH_WINDOW} pieces. The
   * next request is made while the current one's pieces are read (one ahead, on its own stream),
   * so the connection does not idle for a round trip between requests; at most two requests'
   * pieces are in flight.
   */
  async * fetchPieces (peer: PeerId, digest: Uint8Array, manifest: Manifest, from: number, options: AbortOptions & { to?: number } = {}): AsyncGenerator<Piece> {
    const to = Math.min(options.to ?? manifest.pieceDigests.length, manifest.pieceDigests.length)
    const ask = (start: number): PendingWindow | undefined => {
      if (start >= to) return undefined
      const window = this.requestWindow(peer, digest, start, Math.min(BLOB_FETCH_WINDOW, to - start), options)
      // awaited below, or discarded (and its stream closed) in `finally`: never unhandled
      window.catch(() => {})
      return window
    }
    let next = from
    let current = ask(next)
    try {
      while (current !== undefined) {
        const { stream, reader, response, want } = await current
        current = undefined
        try {
          if (response.count === 0) throw new BlobNotFoundError(`Peer holds no piece from ${next}`)
          const count = Math.min(response.count, want)
          // the peer holds the whole range: ask for the next one now; else ask after this one
          if (count === want) current = ask(next + want)
          for (let i = 0; i < count; i++) {
            const bytes = await reader.next({ signal: options.signal, idleTimeoutMs: this.pieceTimeoutMs })
            if (bytes === null) throw new StreamClosedError(`Blob stream ended at piece ${next}`)
            verifyPiece(manifest, next, bytes)
            yield { index: next++, bytes }
          }
          current ??= ask(next)
        } finally {
          await this.close(stream)
        }
      }
    } finally {
      if (current !== undefined) {
        const left = await current.catch(() => undefined)
        if (left !== undefined) left.stream.abort(new StreamClosedError('Blob fetch ended before this window was read'))
      }
    }
  }

  /** Opens a stream, asks for `want` pieces from `start` and reads the answer's header. */
  private async requestWindow (peer: PeerId, digest: Uint8Array, start: number, want: number, options: AbortOptions): Promise<FetchWindow> {
    const { stream, reader } = await this.open(peer, options)
    try {
      await writeWithBackpressure(stream, request({ op: BlobRequest.Op.FETCH, digest, from: start, count: want }), { signal: options.signal, timeoutMs: this.pieceTimeoutMs })
      const response = await this.response(reader, options)
      return { stream, reader, response, want }
    } catch (err) {
      await this.close(stream)
      throw err
    }
  }

  /**
   * Deposits a blob at a relay: the relay checks the manifest and its caps first (a typed
   * refusal before any piece moves), answers with the pieces it already holds, and takes the
   * rest; `readPiece` is asked for those only.
   */
  async deposit (peer: PeerId, input: DepositInput, readPiece: (index: number) => Promise<Uint8Array>, options: AbortOptions & { onProgress?: DepositProgress } = {}): Promise<void> {
    const { stream, reader } = await this.open(peer, options)
    const total = input.manifest.pieceDigests.length
    try {
      await writeWithBackpressure(stream, request({
        op: BlobRequest.Op.DEPOSIT, digest: input.digest, manifest: encodeManifest(input.manifest), mailbox: input.mailbox, expiresAt: BigInt(input.expiresAt), deleteHash: input.deleteHash
      }), { signal: options.signal, timeoutMs: this.pieceTimeoutMs })
      const { count: have } = await this.response(reader, options)
      options.onProgress?.(have, total)
      let sent = have
      let held = have
      while (held < total) {
        while (sent < total && sent - held < BLOB_DEPOSIT_WINDOW) {
          let bytes: Uint8Array
          try {
            bytes = await readPiece(sent)
          } catch (err) {
            // the source failed: let the relay ack what it was sent, so a retry resumes after it
            while (held < sent) {
              held = (await this.response(reader, options)).count
              options.onProgress?.(held, total)
            }
            throw err
          }
          try {
            await writeWithBackpressure(stream, framePrefix(bytes.length), { signal: options.signal, timeoutMs: this.pieceTimeoutMs })
            await writeWithBackpressure(stream, bytes, { signal: options.signal, timeoutMs: this.pieceTimeoutMs })
          } catch (err) {
            await this.refusalAfter(reader)
            throw err
          }
          sent++
        }
        const ack = await this.response(reader, options)
        if (ack.count <= held || ack.count > sent) throw new StreamClosedError(`Relay acked ${ack.count} pieces with ${held} held and ${sent} sent`)
        held = ack.count
        options.onProgress?.(held, total)
      }
    } finally {
      await this.close(stream)
    }
  }

  /** A relay that refused mid-upload said why before closing: throws its refusal if one is among the frames left. */
  private async refusalAfter (reader: FrameReader): Promise<void> {
    while (true) {
      const frame = await reader.next({ idleTimeoutMs: 1000 }).catch(() => null)
      if (frame === null) return
      const response = decodeBlobResponse(frame)
      if (response.status !== BlobResponse.Status.OK) throwRefusal(response)
    }
  }

  /** Deletes a deposited blob with its delete token; `BlobNotFoundError` when the relay holds none under it. */
  async delete (peer: PeerId, digest: Uint8Array, token: Uint8Array, options: AbortOptions = {}): Promise<void> {
    const { stream, reader } = await this.open(peer, options)
    try {
      await writeWithBackpressure(stream, request({ op: BlobRequest.Op.DELETE, digest, deleteToken: token }), { signal: options.signal, timeoutMs: this.pieceTimeoutMs })
      await this.response(reader, options)
    } finally {
      await this.close(stream)
    }
  }
}
