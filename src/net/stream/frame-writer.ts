import { concatBytes } from '../../bytes.js'
import type { MessageStream } from '@libp2p/interface'
import { StreamClosedError } from '../errors.js'
import { writeWithBackpressure } from './frame-reader.js'

/** Coalesced writes are flushed at this size even within one turn. */
export const MAX_COALESCED_BYTES = 64 * 1024

/** Runs `fn` after the current turn of the event loop (setImmediate in Node, a 0 ms timer elsewhere). */
export const defer: (fn: () => void) => void = typeof globalThis.setImmediate === 'function'
  ? (fn) => { globalThis.setImmediate(fn) }
  : (fn) => { setTimeout(fn, 0) }

interface Batch {
  frames: Uint8Array[]
  bytes: number
  done: Promise<void>
  resolve: () => void
  reject: (err: Error) => void
}

function newBatch (): Batch {
  const { promise, resolve, reject } = Promise.withResolvers<void>()
  promise.catch(() => {}) // a caller that does not await its write must not cause an unhandled rejection
  return { frames: [], bytes: 0, done: promise, resolve, reject }
}

/**
 * Writes already-framed messages to a stream, coalescing every frame written in the same turn
 * of the event loop into one `send` (one yamux frame, one Noise seal, one syscall): the main
 * throughput lever for many small request/response frames. Frames keep their order and never
 * interleave; each `write` resolves once its batch is handed to the stream (after `drain` when
 * the stream is full) and rejects if that fails or takes longer than `writeTimeoutMs`.
 *
 * @example
 * ```ts
 * const writer = new CoalescingFrameWriter(stream, { writeTimeoutMs: 10_000 })
 * await writer.write(encodeFrame(bytes))
 * ```
 */
export class CoalescingFrameWriter {
  private current: Batch | undefined
  private scheduled = false
  private chain: Promise<void> = Promise.resolve()

  constructor (private readonly stream: MessageStream, private readonly options: { writeTimeoutMs: number, maxCoalescedBytes?: number }) {}

  write (frame: Uint8Array): Promise<void> {
    const batch = this.current ?? (this.current = newBatch())
    batch.frames.push(frame)
    batch.bytes += frame.length
    if (batch.bytes >= (this.options.maxCoalescedBytes ?? MAX_COALESCED_BYTES)) {
      this.flush()
    } else if (!this.scheduled) {
      this.scheduled = true
      defer(() => { this.scheduled = false; this.flush() })
    }
    return batch.done
  }

  private flush (): void {
    const batch = this.current
    if (batch === undefined) return
    this.current = undefined
    const bytes = batch.frames.length === 1 ? batch.frames[0] : concatBytes(...batch.frames)
    this.chain = this.chain.then(async () => {
      if (this.stream.status !== 'open' || (this.stream as unknown as { writeStatus?: string }).writeStatus !== 'writable') throw new StreamClosedError('Stream is not writable')
      await writeWithBackpressure(this.stream, bytes, { timeoutMs: this.options.writeTimeoutMs })
    }).then(batch.resolve, (err: Error) => { batch.reject(err) })
  }
}
