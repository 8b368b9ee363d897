import type { Stream } from '@libp2p/interface'
import { equalBytes } from '../bytes.js'
import { Ack, MAX_ACK_FRAME_BYTES, decodeAck } from './envelope-codec.js'
import { EnvelopeRejectedError, FrameTimeoutError, MalformedFrameError, StreamClosedError } from './errors.js'
import { encodeFrame } from './stream/frame-reader.js'
import { RpcChannel } from './stream/rpc-channel.js'

/** A send waiting for a free slot in the pipeline. */
interface SlotWaiter {
  signal: AbortSignal
  resolve: () => void
  reject: (err: Error) => void
  done: boolean
}

interface Pending {
  id: Uint8Array
  resolve: (ack: Ack) => void
  reject: (err: Error) => void
  settled: boolean
}

/**
 * One outbound `/parley/msg/1.0.0` stream to one peer. Envelopes are pipelined: up to
 * `maxInFlight` frames are written before their acks come back, in order.
 */
export class EnvelopeChannel extends RpcChannel {
  private readonly pending: Pending[] = []
  private readonly slotWaiters: SlotWaiter[] = []
  /**
   * One abort listener per distinct caller signal for the sends waiting for a slot too: many
   * sends sharing one signal (a batch) would otherwise add and remove one listener each, which
   * EventTarget does in time linear in the listeners present (quadratic over the batch).
   */
  private readonly slotWatched = new Map<AbortSignal, Set<SlotWaiter>>()
  /** One abort listener per distinct caller signal, not one per envelope. */
  private readonly watched = new Map<AbortSignal, Set<Pending>>()

  constructor (stream: Stream, private readonly maxInFlight: number, writeTimeoutMs: number) {
    super(stream, { maxResponseBytes: MAX_ACK_FRAME_BYTES, writeTimeoutMs, closedByPeer: 'Peer closed the envelope stream' })
    this.startReading()
  }

  protected handleFrame (frame: Uint8Array): void {
    const ack = decodeAck(frame)
    const head = this.pending.shift()
    if (head == null) throw new MalformedFrameError('Ack without a pending envelope')
    if (ack.status === Ack.Status.REJECTED && ack.id.length === 0) {
      // the peer refused the frame itself: nothing after it on this stream will be read
      if (!head.settled) { head.settled = true; head.reject(new EnvelopeRejectedError('Peer rejected the frame', ack.code || 'ERR_REJECTED')) }
      throw new StreamClosedError(`Peer rejected a frame (${ack.code})`)
    }
    if (!equalBytes(ack.id, head.id)) throw new MalformedFrameError('Ack id does not match the envelope sent')
    if (!head.settled) { head.settled = true; head.resolve(ack) }
    this.wakeOne()
  }

  /** Lets the oldest send still waiting for a slot go on. */
  private wakeOne (): void {
    while (this.slotWaiters.length > 0) {
      const waiter = this.slotWaiters.shift() as SlotWaiter
      if (waiter.done) continue // its signal fired while it waited
      waiter.done = true
      this.slotWatched.get(waiter.signal)?.delete(waiter) // the set stays bounded by the waiters
      waiter.resolve()
      return
    }
  }

  protected rejectAll (err: Error): void {
    for (const p of this.pending.splice(0)) if (!p.settled) { p.settled = true; p.reject(err) }
    for (const waiter of this.slotWaiters.splice(0)) if (!waiter.done) { waiter.done = true; waiter.resolve() }
    this.slotWatched.clear()
  }

  /** Sends one envelope (already encoded: `Envelope.encode`) and waits for its ack. */
  async send (id: Uint8Array, encoded: Uint8Array, signal: AbortSignal): Promise<Ack> {
    while (this.pending.length >= this.maxInFlight && this.failure == null) {
      if (signal.aborted) throw new FrameTimeoutError('Timed out waiting for a send slot')
      await new Promise<void>((resolve, reject) => {
        const waiter: SlotWaiter = { signal, resolve, reject, done: false }
        this.slotWaiters.push(waiter)
        this.watchSlot(signal, waiter)
      })
    }
    if (this.failure != null) throw this.failure
    const result = new Promise<Ack>((resolve, reject) => {
      const entry: Pending = {
        id,
        resolve: (ack) => { this.unwatch(signal, entry); resolve(ack) },
        reject: (err) => { this.unwatch(signal, entry); reject(err) },
        settled: false
      }
      this.pending.push(entry)
      this.watch(signal, entry)
    })
    // frames written in the same turn are coalesced into one send (see CoalescingFrameWriter)
    this.write(encodeFrame(encoded))
    return await result
  }

  private watchSlot (signal: AbortSignal, waiter: SlotWaiter): void {
    let group = this.slotWatched.get(signal)
    if (group == null) {
      const waiters = group = new Set()
      this.slotWatched.set(signal, waiters)
      signal.addEventListener('abort', () => {
        this.slotWatched.delete(signal)
        for (const w of waiters) {
          if (w.done) continue
          w.done = true
          w.reject(new FrameTimeoutError('Timed out waiting for a send slot'))
        }
      }, { once: true })
    }
    group.add(waiter)
  }

  private watch (signal: AbortSignal, entry: Pending): void {
    let entries = this.watched.get(signal)
    if (entries == null) {
      entries = new Set()
      this.watched.set(signal, entries)
      const group = entries
      signal.addEventListener('abort', () => {
        this.watched.delete(signal)
        for (const p of group) {
          if (p.settled) continue
          p.settled = true
          p.reject(new FrameTimeoutError('Timed out waiting for the ack'))
        }
      }, { once: true })
    }
    entries.add(entry)
  }

  private unwatch (signal: AbortSignal, entry: Pending): void {
    const entries = this.watched.get(signal)
    if (entries == null) return
    entries.delete(entry)
    // the listener itself stays until the signal fires or is collected; its set is emptied here
  }
}
