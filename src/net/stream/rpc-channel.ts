import type { Stream } from '@libp2p/interface'
import { StreamClosedError } from '../errors.js'
import { FrameReader } from './frame-reader.js'
import { CoalescingFrameWriter } from './frame-writer.js'

export interface RpcChannelInit {
  /** Largest response frame accepted (bytes). */
  maxResponseBytes: number
  /** Response frames buffered before the stream is paused. @default 64 (FrameReader's) */
  maxQueuedFrames?: number
  /** Time one coalesced write may take (including waiting for `drain`). */
  writeTimeoutMs: number
  /** Message of the error when the other side ends the stream. */
  closedByPeer: string
}

/**
 * One outbound stream carrying pipelined requests, the plumbing both Parley clients share:
 * request frames written in the same turn leave in one send ({@link CoalescingFrameWriter}),
 * response frames are read with a bounded {@link FrameReader} and handed to `handleFrame`, and
 * the first failure fails the channel (every request pending on it, through `rejectAll`) and
 * aborts the stream. Subclasses match responses to requests: in order (`/parley/msg` acks) or
 * by request id (`/parley/mailbox`). Subclasses call `startReading()` at the end of their
 * constructor.
 *
 * @example
 * ```ts
 * class EchoChannel extends RpcChannel {
 *   protected handleFrame (frame: Uint8Array): void { this.waiters.shift()?.(frame) }
 *   protected rejectAll (err: Error): void { this.waiters.length = 0 }
 * }
 * ```
 */
export abstract class RpcChannel {
  readonly stream: Stream
  private readonly reader: FrameReader
  private readonly writer: CoalescingFrameWriter
  private readonly closedWaiters: Array<() => void> = []
  private readonly closedByPeer: string
  protected failure: Error | undefined

  constructor (stream: Stream, init: RpcChannelInit) {
    this.stream = stream
    this.closedByPeer = init.closedByPeer
    this.writer = new CoalescingFrameWriter(stream, { writeTimeoutMs: init.writeTimeoutMs })
    this.reader = new FrameReader(stream, { maxFrameBytes: init.maxResponseBytes, ...(init.maxQueuedFrames != null ? { maxQueuedFrames: init.maxQueuedFrames } : {}) })
  }

  /** One response frame arrived; throwing fails the channel. */
  protected abstract handleFrame (frame: Uint8Array): void
  /** The channel failed: settle every request still waiting with `err`. */
  protected abstract rejectAll (err: Error): void

  protected startReading (): void {
    void this.readLoop()
  }

  /** True once the channel failed or its stream is no longer open: open a new one. */
  get failed (): boolean {
    return this.failure != null || this.stream.status !== 'open'
  }

  /** Resolves when the channel fails or is closed. */
  whenClosed (): Promise<void> {
    if (this.failure != null) return Promise.resolve()
    return new Promise((resolve) => { this.closedWaiters.push(resolve) })
  }

  /** Queues one framed request; frames of the same turn are coalesced. A failed write fails the channel. */
  protected write (frame: Uint8Array): void {
    this.writer.write(frame).catch((err: Error) => { this.fail(err) })
  }

  fail (err: Error): void {
    if (this.failure != null) return
    this.failure = err
    this.rejectAll(err)
    for (const resolve of this.closedWaiters.splice(0)) resolve()
    if (this.stream.status === 'open') this.stream.abort(err)
  }

  close (): void {
    this.fail(new StreamClosedError('Channel closed'))
  }

  private async readLoop (): Promise<void> {
    try {
      while (true) {
        const frame = await this.reader.next()
        if (frame == null) throw new StreamClosedError(this.closedByPeer)
        this.handleFrame(frame)
      }
    } catch (err) {
      this.fail(err instanceof Error ? err : new StreamClosedError())
    }
  }
}
