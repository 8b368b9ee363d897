/**
 * Serves `/parley/blob/1.0.0` from a {@link BlobProvider}: one request per stream, bounded
 * request frames, pieces written with backpressure (the reader's window is the flow control),
 * concurrent streams capped per peer and in all, requests rate-limited per peer and per remote
 * address. Every refusal is a typed `BlobResponse` before the stream closes; the node keeps
 * serving everyone else.
 */
import type { Connection, Libp2p, Logger, PeerId, Stream } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { decodeManifest, verifyPiece } from '../crypto/attachment/pieces.js'
import { ErrorCode, ParleyError } from '../errors.js'
import { BlobNotFoundError } from './blob-errors.js'
import { BLOB_PROTOCOL, BlobRequest, BlobResponse, decodeBlobRequest, framePrefix } from './blob-codec.js'
import {
  DEFAULT_BLOB_ADDRESS_RATE, DEFAULT_BLOB_MAX_STREAMS, DEFAULT_BLOB_MAX_STREAMS_PER_PEER, DEFAULT_BLOB_PEER_RATE,
  DEFAULT_BLOB_PIECE_TIMEOUT_MS, DEFAULT_BLOB_REQUEST_TIMEOUT_MS, DEFAULT_BLOB_UPLOAD_GRACE_MS, DEFAULT_BLOB_UPLOAD_IDLE_MS,
  DEFAULT_BLOB_UPLOAD_MIN_BYTES_PER_SECOND, MAX_BLOB_FETCH_REQUEST_BYTES, MAX_PIECES_PER_FETCH
} from './blob-constants.js'
import type { BlobProvider, BlobRequester } from './blob-provider.js'
import { STREAM_CLOSE_TIMEOUT_MS } from './constants.js'
import { MalformedFrameError } from './errors.js'
import { PeerAndAddressLimiter, type RateLimit } from './rate-limiter.js'
import type { AddressKeys } from './remote-address.js'
import { encodeFrame, FrameReader, writeWithBackpressure } from './stream/frame-reader.js'
import { MAX_ATTACHMENT_SIZE, PIECE_SIZE } from '../crypto/attachment/constants.js'

export interface BlobServerInit {
  /** Concurrent streams per remote peer. @default 4 */
  maxStreamsPerPeer?: number
  /** Concurrent streams in all. @default 64 */
  maxStreams?: number
  /** Requests per remote peer. @default 20/s, burst 60 */
  peerRate?: RateLimit
  /** Requests per remote address (IPv4, IPv6 /64; /48 at 8×); null turns it off. @default 50/s, burst 150 */
  addressRate?: RateLimit | null
  /** Rate-limit keys of a remote address (none: per-peer limits only). */
  addressKeys?: (remoteAddr: Multiaddr) => AddressKeys | undefined
  /** The request must arrive within this time. @default 10000 */
  requestTimeoutMs?: number
  /** One piece write or read may wait this long. @default 30000 */
  pieceTimeoutMs?: number
  /** Concurrent streams per remote address (IPv4, IPv6 /64), whatever PeerIds it uses; undefined: no cap but `maxStreams`. */
  maxStreamsPerAddress?: number
  /** An upload that sends no piece for this long is dropped (its pieces stay for a resume). @default 30000 */
  uploadIdleMs?: number
  /** A whole upload must end within this grace plus its remaining bytes at `uploadMinBytesPerSecond`. @default 60000 */
  uploadGraceMs?: number
  /** The slowest average upload rate kept. @default 16384 */
  uploadMinBytesPerSecond?: number
}

/** A refused or failed request, for logs, metrics and tests. */
export interface BlobProtocolErrorEvent {
  code: string
  message: string
  from: PeerId
}

const refusal = (code: string): BlobResponse => ({
  status: code === ErrorCode.BLOB_NOT_FOUND ? BlobResponse.Status.NOT_FOUND : code === ErrorCode.RATE_LIMITED ? BlobResponse.Status.RATE_LIMITED : BlobResponse.Status.REFUSED,
  code,
  manifest: new Uint8Array(0),
  count: 0
})

export class BlobServer {
  private readonly streams = new Map<Stream, string>()
  private readonly perPeer = new Map<string, number>()
  private readonly perAddress = new Map<string, number>()
  private readonly limiter: PeerAndAddressLimiter
  private started = false

  constructor (
    private readonly registrar: Pick<Libp2p, 'handle' | 'unhandle'>,
    private readonly init: BlobServerInit,
    private readonly provider: () => BlobProvider | undefined,
    private readonly log: Logger,
    private readonly onError: (event: BlobProtocolErrorEvent) => void
  ) {
    this.limiter = new PeerAndAddressLimiter(init.peerRate ?? DEFAULT_BLOB_PEER_RATE, init.addressRate === undefined ? DEFAULT_BLOB_ADDRESS_RATE : init.addressRate)
  }

  async start (): Promise<void> {
    if (this.started) return
    await this.registrar.handle(BLOB_PROTOCOL, (stream, connection) => { void this.serve(stream, connection) }, {
      runOnLimitedConnection: false,
      maxInboundStreams: this.init.maxStreamsPerPeer ?? DEFAULT_BLOB_MAX_STREAMS_PER_PEER
    })
    this.started = true
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    await this.registrar.unhandle(BLOB_PROTOCOL)
    for (const stream of this.streams.keys()) stream.abort(new ParleyError('Node stopping', ErrorCode.SHUTTING_DOWN))
    this.streams.clear()
    this.perPeer.clear()
    this.perAddress.clear()
  }

  /** Blob streams open now. */
  get openStreams (): number {
    return this.streams.size
  }

  private async serve (stream: Stream, connection: Connection): Promise<void> {
    const from = connection.remotePeer
    const peerKey = from.toString()
    const requester: BlobRequester = { peer: from, address: this.init.addressKeys?.(connection.remoteAddr) }
    const pieceTimeoutMs = this.init.pieceTimeoutMs ?? DEFAULT_BLOB_PIECE_TIMEOUT_MS
    const controller = new AbortController()
    this.streams.set(stream, peerKey)
    this.perPeer.set(peerKey, (this.perPeer.get(peerKey) ?? 0) + 1)
    // one host's throwaway PeerIds share its address's slots
    const addressKey = this.init.maxStreamsPerAddress === undefined ? undefined : requester.address?.address
    if (addressKey !== undefined) this.perAddress.set(addressKey, (this.perAddress.get(addressKey) ?? 0) + 1)
    stream.addEventListener('close', () => { controller.abort() })
    try {
      if ((this.perPeer.get(peerKey) ?? 0) > (this.init.maxStreamsPerPeer ?? DEFAULT_BLOB_MAX_STREAMS_PER_PEER) ||
        (addressKey !== undefined && (this.perAddress.get(addressKey) ?? 0) > (this.init.maxStreamsPerAddress ?? Infinity)) ||
        this.streams.size > (this.init.maxStreams ?? DEFAULT_BLOB_MAX_STREAMS)) {
        throw new ParleyError('Too many blob streams', ErrorCode.TOO_MANY_STREAMS)
      }
      const scope = this.limiter.take(peerKey, requester.address)
      if (scope !== undefined) throw new ParleyError(`Blob request rate exceeded for this ${scope}`, ErrorCode.RATE_LIMITED)
      const provider = this.provider()
      if (provider === undefined) throw new BlobNotFoundError('No blobs served here')
      const reader = new FrameReader(stream, {
        // one reader for the stream's life: a relay reads pieces after the request on it
        maxFrameBytes: provider.deposit === undefined ? MAX_BLOB_FETCH_REQUEST_BYTES : Math.max(PIECE_SIZE, MAX_BLOB_FETCH_REQUEST_BYTES + (provider.maxManifestBytes ?? 0)),
        maxQueuedFrames: 4,
        frameTimeoutMs: pieceTimeoutMs
      })
      const frame = await reader.next({ idleTimeoutMs: this.init.requestTimeoutMs ?? DEFAULT_BLOB_REQUEST_TIMEOUT_MS })
      if (frame === null) return
      const request = decodeBlobRequest(frame)
      const options = { signal: controller.signal }
      if (request.op === BlobRequest.Op.FETCH) await this.fetch(stream, provider, request, pieceTimeoutMs, options)
      else if (request.op === BlobRequest.Op.DEPOSIT) await this.deposit(stream, reader, provider, request, requester, pieceTimeoutMs, options)
      else if (request.op === BlobRequest.Op.DELETE) await this.delete(stream, provider, request, requester, pieceTimeoutMs, options)
      else throw new MalformedFrameError('Unknown blob operation')
      await stream.close({ signal: AbortSignal.timeout(STREAM_CLOSE_TIMEOUT_MS) }).catch((err: unknown) => {
        this.log.trace('blob stream from %p did not close cleanly - %e', from, err)
      })
    } catch (err) {
      if (!this.started) return
      const code = err instanceof ParleyError ? err.code : ErrorCode.INTERNAL
      if (!(err instanceof ParleyError)) this.log.error('blob request from %p failed - %e', from, err)
      this.onError({ code, message: (err as Error).message, from })
      try {
        if (stream.status === 'open') stream.send(encodeFrame(BlobResponse.encode(refusal(code))))
        await stream.close({ signal: AbortSignal.timeout(STREAM_CLOSE_TIMEOUT_MS) })
      } catch (sendErr) {
        this.log.trace('could not tell %p why its blob stream is dropped - %e', from, sendErr)
        stream.abort(err as Error)
      }
    } finally {
      this.streams.delete(stream)
      release(this.perPeer, peerKey)
      if (addressKey !== undefined) release(this.perAddress, addressKey)
    }
  }

  private async respond (stream: Stream, response: Partial<BlobResponse>, timeoutMs: number): Promise<void> {
    const full: BlobResponse = { status: BlobResponse.Status.OK, code: '', manifest: new Uint8Array(0), count: 0, ...response }
    await writeWithBackpressure(stream, encodeFrame(BlobResponse.encode(full)), { timeoutMs })
  }

  private async fetch (stream: Stream, provider: BlobProvider, request: BlobRequest, timeoutMs: number, options: { signal: AbortSignal }): Promise<void> {
    const manifestBytes = await provider.manifest(request.digest, options)
    if (manifestBytes === undefined) throw new BlobNotFoundError()
    const pieces = Math.max(0, (manifestBytes.length - 8) / 32)
    const from = request.from
    const count = Math.max(0, Math.min(request.count, MAX_PIECES_PER_FETCH, pieces - from))
    await this.respond(stream, { manifest: request.wantManifest ? manifestBytes : new Uint8Array(0), count }, timeoutMs)
    for (let index = from; index < from + count; index++) {
      const bytes = await provider.readPiece(request.digest, index, options)
      if (bytes === undefined) throw new BlobNotFoundError(`Piece ${index} went away`)
      await writeWithBackpressure(stream, framePrefix(bytes.length), { timeoutMs })
      await writeWithBackpressure(stream, bytes, { timeoutMs })
    }
  }

  private async deposit (stream: Stream, reader: FrameReader, provider: BlobProvider, request: BlobRequest, requester: BlobRequester, timeoutMs: number, options: { signal: AbortSignal }): Promise<void> {
    if (provider.deposit === undefined) throw new ParleyError('This peer takes no deposits', ErrorCode.NOT_ALLOWED)
    // the relay's own cap is checked by its store against the manifest, before any piece is read
    const manifest = decodeManifest(request.manifest, request.digest, Math.ceil(MAX_ATTACHMENT_SIZE * 1.05) + 65536)
    const deposit = await provider.deposit({
      digest: request.digest,
      manifest,
      manifestBytes: request.manifest,
      mailbox: request.mailbox,
      expiresAt: Number(request.expiresAt),
      deleteHash: request.deleteHash
    }, requester, options)
    let completed = false
    // a stalled upload (no piece for uploadIdleMs) or a trickle (slower on average than
    // uploadMinBytesPerSecond, after a grace) frees its slot and the blob's upload lock
    const remaining = Math.max(0, manifest.cipherLength - deposit.have * PIECE_SIZE)
    const deadlineMs = (this.init.uploadGraceMs ?? DEFAULT_BLOB_UPLOAD_GRACE_MS) + Math.ceil(remaining * 1000 / (this.init.uploadMinBytesPerSecond ?? DEFAULT_BLOB_UPLOAD_MIN_BYTES_PER_SECOND))
    const deadline = new AbortController()
    const timer = setTimeout(() => { deadline.abort() }, deadlineMs)
    const idleMs = this.init.uploadIdleMs ?? DEFAULT_BLOB_UPLOAD_IDLE_MS
    try {
      await this.respond(stream, { count: deposit.have }, timeoutMs)
      for (let index = deposit.have; index < manifest.pieceDigests.length; index++) {
        const bytes = await reader.next({ idleTimeoutMs: idleMs, signal: deadline.signal }).catch((err: unknown) => {
          if (deadline.signal.aborted) throw new ParleyError(`Upload not done within ${deadlineMs} ms (at piece ${index} of ${manifest.pieceDigests.length})`, ErrorCode.BLOB_UPLOAD_TIMEOUT)
          throw err
        })
        if (bytes === null) throw new ParleyError(`Upload ended at piece ${index} of ${manifest.pieceDigests.length}`, ErrorCode.ATTACHMENT_TRUNCATED)
        verifyPiece(manifest, index, bytes)
        await deposit.write(index, bytes, options)
        // an ack per piece held: the depositor keeps at most BLOB_DEPOSIT_WINDOW pieces unacked
        if (index + 1 < manifest.pieceDigests.length) await this.respond(stream, { count: index + 1 }, timeoutMs)
      }
      await deposit.complete(options)
      completed = true
      await this.respond(stream, { count: manifest.pieceDigests.length }, timeoutMs)
    } finally {
      clearTimeout(timer)
      if (!completed) await deposit.abort()
    }
  }

  private async delete (stream: Stream, provider: BlobProvider, request: BlobRequest, requester: BlobRequester, timeoutMs: number, options: { signal: AbortSignal }): Promise<void> {
    if (provider.delete === undefined) throw new ParleyError('This peer takes no deletes', ErrorCode.NOT_ALLOWED)
    if (!await provider.delete(request.digest, request.deleteToken, requester, options)) throw new BlobNotFoundError()
    await this.respond(stream, {}, timeoutMs)
  }
}

function release (counts: Map<string, number>, key: string): void {
  const left = (counts.get(key) ?? 1) - 1
  if (left <= 0) counts.delete(key)
  else counts.set(key, left)
}
