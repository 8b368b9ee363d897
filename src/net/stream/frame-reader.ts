import type { MessageStream } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'
import { BadLengthPrefixError, FrameTimeoutError, FrameTooLargeError, IdleTimeoutError, StreamClosedError, TruncatedFrameError } from '../errors.js'
import { DEFAULT_FRAME_TIMEOUT_MS, DEFAULT_MAX_QUEUED_FRAMES } from '../constants.js'

export interface FrameReaderInit {
  /** Largest frame body accepted (bytes). */
  maxFrameBytes: number
  /** Frames buffered before the stream is paused (read backpressure). @default 64 */
  maxQueuedFrames?: number
  /**
   * Once the first byte of a frame has arrived, the whole frame must arrive within this many
   * ms or the reader fails with {@link FrameTimeoutError} (a stalled sender frees its buffer).
   * @default 10000
   */
  frameTimeoutMs?: number
}

/** Longest varint accepted for a length prefix: 4 bytes encode up to 2^28 − 1. */
const MAX_PREFIX_BYTES = 4

/**
 * Reads unsigned-varint length-prefixed frames from a libp2p v3 stream, with hard bounds:
 * oversize prefixes fail at once (before the body arrives), at most `maxFrameBytes` of partial
 * frame are ever buffered, and at most `maxQueuedFrames` complete frames wait before the
 * stream is paused.
 *
 * @example
 * ```ts
 * const reader = new FrameReader(stream, { maxFrameBytes: 256 * 1024 })
 * const frame = await reader.next({ signal: AbortSignal.timeout(10_000) }) // null at clean end
 * ```
 */
export class FrameReader {
  private readonly stream: MessageStream
  private readonly maxFrameBytes: number
  private readonly maxQueuedFrames: number
  private readonly frames: Uint8Array[] = []
  private partial: Uint8Array = new Uint8Array(0)
  private ended = false
  private failure: Error | undefined
  private wake: (() => void) | undefined
  private paused = false
  private readonly frameTimeoutMs: number
  private frameTimer: ReturnType<typeof setTimeout> | undefined

  constructor (stream: MessageStream, init: FrameReaderInit) {
    this.stream = stream
    this.maxFrameBytes = init.maxFrameBytes
    this.maxQueuedFrames = init.maxQueuedFrames ?? DEFAULT_MAX_QUEUED_FRAMES
    this.frameTimeoutMs = init.frameTimeoutMs ?? DEFAULT_FRAME_TIMEOUT_MS
    stream.addEventListener('message', (evt) => { this.onData(evt.data) })
    stream.addEventListener('remoteCloseWrite', () => { this.onEnd() })
    stream.addEventListener('close', (evt) => {
      // a stream that ends mid-frame is a truncated frame whether the remote closed or reset it
      // (a close that times out under load becomes a reset: the same bytes, another error)
      if (evt.error != null && this.failure == null && this.partial.length === 0) this.failure = new StreamClosedError(`Stream failed: ${evt.error.message}`)
      this.onEnd()
    })
  }

  private onData (data: Uint8Array | Uint8ArrayList): void {
    if (this.failure != null) return
    const chunk = data instanceof Uint8Array ? data : data.subarray()
    let buf: Uint8Array
    if (this.partial.length === 0) {
      buf = chunk
    } else {
      buf = new Uint8Array(this.partial.length + chunk.length)
      buf.set(this.partial)
      buf.set(chunk, this.partial.length)
    }
    const queuedBefore = this.frames.length
    try {
      let offset = 0
      while (offset < buf.length) {
        let length = 0
        let shift = 0
        let prefixBytes = 0
        let complete = false
        while (offset + prefixBytes < buf.length) {
          const byte = buf[offset + prefixBytes]
          prefixBytes++
          length += (byte & 0x7f) * 2 ** shift
          shift += 7
          if ((byte & 0x80) === 0) { complete = true; break }
          if (prefixBytes >= MAX_PREFIX_BYTES) throw new BadLengthPrefixError('Frame length prefix is longer than 4 bytes')
        }
        if (!complete) break
        if (length > this.maxFrameBytes) throw new FrameTooLargeError(`Frame of ${length} bytes exceeds the ${this.maxFrameBytes}-byte limit`)
        if (offset + prefixBytes + length > buf.length) break
        this.frames.push(buf.slice(offset + prefixBytes, offset + prefixBytes + length))
        offset += prefixBytes + length
      }
      this.partial = offset === buf.length ? new Uint8Array(0) : buf.slice(offset)
    } catch (err) {
      this.failure = err as Error
      this.partial = new Uint8Array(0)
    }
    if (this.frames.length > queuedBefore) {
      // progress: a frame completed, so the clock restarts for the next partial one
      clearTimeout(this.frameTimer)
      this.frameTimer = undefined
    }
    this.armFrameTimer()
    if (this.frames.length >= this.maxQueuedFrames && !this.paused) {
      this.paused = true
      this.stream.pause()
    }
    this.notify()
  }

  /** Runs the mid-frame timer while a partial frame is held, and only then. */
  private armFrameTimer (): void {
    if (this.partial.length === 0 || this.failure != null || this.ended) {
      clearTimeout(this.frameTimer)
      this.frameTimer = undefined
      return
    }
    this.frameTimer ??= setTimeout(() => {
      this.frameTimer = undefined
      if (this.partial.length === 0 || this.failure != null) return
      this.failure = new FrameTimeoutError(`Frame not completed within ${this.frameTimeoutMs} ms`)
      this.partial = new Uint8Array(0)
      this.notify()
    }, this.frameTimeoutMs)
  }

  private onEnd (): void {
    if (this.ended) return
    this.ended = true
    clearTimeout(this.frameTimer)
    this.frameTimer = undefined
    if (this.partial.length > 0 && this.failure == null) this.failure = new TruncatedFrameError()
    this.notify()
  }

  private notify (): void {
    const wake = this.wake
    this.wake = undefined
    wake?.()
  }

  /** Bytes of an incomplete frame currently held. */
  get bufferedBytes (): number {
    return this.partial.length
  }

  /** Complete frames waiting to be read (`next()` returns one without waiting when > 0). */
  get queuedFrames (): number {
    return this.frames.length
  }

  /** A complete frame already queued, without waiting; `undefined` when none is. */
  shiftQueued (): Uint8Array | undefined {
    const frame = this.frames.shift()
    if (frame != null && this.paused && this.frames.length < this.maxQueuedFrames / 2) {
      this.paused = false
      this.stream.resume()
    }
    return frame
  }

  /**
   * The next frame, or `null` when the remote closed cleanly between frames.
   * Throws a typed error on a bad prefix, an oversize, truncated or stalled frame, and
   * {@link IdleTimeoutError} when `signal` fires first or no frame arrives within `idleTimeoutMs`
   * (a plain timer that exists only while waiting: servers reading thousands of frames per
   * second must not leave an `AbortSignal.timeout` alive per frame).
   */
  async next (options: { signal?: AbortSignal, idleTimeoutMs?: number } = {}): Promise<Uint8Array | null> {
    while (true) {
      const frame = this.shiftQueued()
      if (frame != null) return frame
      if (this.failure != null) throw this.failure
      if (this.ended) return null
      const signal = options.signal
      if (signal?.aborted === true) throw new IdleTimeoutError()
      await new Promise<void>((resolve, reject) => {
        let idleTimer: ReturnType<typeof setTimeout> | undefined
        const onAbort = (): void => {
          clearTimeout(idleTimer)
          signal?.removeEventListener('abort', onAbort)
          this.wake = undefined
          reject(new IdleTimeoutError())
        }
        this.wake = () => { clearTimeout(idleTimer); signal?.removeEventListener('abort', onAbort); resolve() }
        signal?.addEventListener('abort', onAbort, { once: true })
        if (options.idleTimeoutMs !== undefined) idleTimer = setTimeout(onAbort, options.idleTimeoutMs)
      })
    }
  }
}

/** The unsigned-varint length prefix of a `length`-byte frame (written apart from a large body, so the body is not copied). */
export function framePrefix (length: number): Uint8Array {
  const prefix: number[] = []
  do {
    let byte = length & 0x7f
    length = Math.floor(length / 128)
    if (length > 0) byte |= 0x80
    prefix.push(byte)
  } while (length > 0)
  return Uint8Array.from(prefix)
}

/** Encodes `body` with its unsigned-varint length prefix. */
export function encodeFrame (body: Uint8Array): Uint8Array {
  const prefix = framePrefix(body.length)
  const out = new Uint8Array(prefix.length + body.length)
  out.set(prefix)
  out.set(body, prefix.length)
  return out
}

/**
 * Writes bytes to a v3 stream, waiting for its `drain` event when the write buffer is full
 * (not `onDrain()`, which misbehaves in @libp2p/utils 7.4.1 — see docs/ARCHITECTURE.md).
 */
export async function writeWithBackpressure (stream: MessageStream, bytes: Uint8Array, options: { signal?: AbortSignal, timeoutMs?: number } = {}): Promise<void> {
  if (stream.send(bytes)) return
  // the slow path only: a timer per write would outlive most writes by far
  await new Promise<void>((resolve, reject) => {
    const timer = options.timeoutMs !== undefined ? setTimeout(() => { onAbort() }, options.timeoutMs) : undefined
    const cleanup = (): void => {
      clearTimeout(timer)
      stream.removeEventListener('drain', onDrain)
      stream.removeEventListener('close', onClose)
      options.signal?.removeEventListener('abort', onAbort)
    }
    const onDrain = (): void => { cleanup(); resolve() }
    const onClose = (): void => { cleanup(); reject(new StreamClosedError()) }
    const onAbort = (): void => { cleanup(); reject(new FrameTimeoutError('Timed out waiting for the stream to drain')) }
    stream.addEventListener('drain', onDrain)
    stream.addEventListener('close', onClose)
    options.signal?.addEventListener('abort', onAbort, { once: true })
  })
}
