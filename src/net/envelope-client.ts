import type { Libp2p, PeerId, Stream } from '@libp2p/interface'
import { equalBytes } from '@noble/ciphers/utils.js'
import { Ack, Envelope, ENVELOPE_PROTOCOL, MAX_ACK_FRAME_BYTES, decodeAck } from './envelope-codec.js'
import { EnvelopeRejectedError, FrameTimeoutError, MalformedFrameError, StreamClosedError } from './errors.js'
import { FrameReader, encodeFrame } from './frame-reader.js'
import { CoalescingFrameWriter } from './frame-writer.js'

export interface EnvelopeClientInit {
  /** Envelopes sent on one stream before their acks arrive. @default 128 */
  maxInFlight?: number
  /** Default time to wait for an ack when the caller gives no signal. @default 15000 */
  ackTimeoutMs?: number
  /** Time allowed to dial and open a stream. @default 10000 */
  dialTimeoutMs?: number
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
class EnvelopeChannel {
  readonly stream: Stream
  private readonly reader: FrameReader
  private readonly pending: Pending[] = []
  private readonly slotWaiters: Array<() => void> = []
  private failure: Error | undefined
  private readonly maxInFlight: number
  private readonly writer: CoalescingFrameWriter
  /** One abort listener per distinct caller signal, not one per envelope. */
  private readonly watched = new Map<AbortSignal, Set<Pending>>()

  constructor (stream: Stream, maxInFlight: number, writeTimeoutMs: number) {
    this.stream = stream
    this.maxInFlight = maxInFlight
    this.writer = new CoalescingFrameWriter(stream, { writeTimeoutMs })
    this.reader = new FrameReader(stream, { maxFrameBytes: MAX_ACK_FRAME_BYTES })
    void this.readAcks()
  }

  get failed (): boolean {
    return this.failure != null || this.stream.status !== 'open'
  }

  private fail (err: Error): void {
    if (this.failure != null) return
    this.failure = err
    for (const p of this.pending.splice(0)) if (!p.settled) { p.settled = true; p.reject(err) }
    for (const wake of this.slotWaiters.splice(0)) wake()
    if (this.stream.status === 'open') this.stream.abort(err)
  }

  private async readAcks (): Promise<void> {
    try {
      while (true) {
        const frame = await this.reader.next()
        if (frame == null) throw new StreamClosedError('Peer closed the envelope stream')
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
        this.slotWaiters.shift()?.()
      }
    } catch (err) {
      this.fail(err instanceof Error ? err : new StreamClosedError())
    }
  }

  async send (envelope: Envelope, signal: AbortSignal): Promise<Ack> {
    while (this.pending.length >= this.maxInFlight && this.failure == null) {
      await new Promise<void>((resolve, reject) => {
        const onAbort = (): void => { reject(new FrameTimeoutError('Timed out waiting for a send slot')) }
        signal.addEventListener('abort', onAbort, { once: true })
        this.slotWaiters.push(() => { signal.removeEventListener('abort', onAbort); resolve() })
      })
    }
    if (this.failure != null) throw this.failure
    const result = new Promise<Ack>((resolve, reject) => {
      const entry: Pending = {
        id: envelope.id,
        resolve: (ack) => { this.unwatch(signal, entry); resolve(ack) },
        reject: (err) => { this.unwatch(signal, entry); reject(err) },
        settled: false
      }
      this.pending.push(entry)
      this.watch(signal, entry)
    })
    // frames written in the same turn are coalesced into one send (see CoalescingFrameWriter)
    this.writer.write(encodeFrame(Envelope.encode(envelope))).catch((err: Error) => { this.fail(err) })
    return result
  }

  close (): void {
    this.fail(new StreamClosedError('Channel closed'))
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

type Dialer = Pick<Libp2p, 'dialProtocol'>

/**
 * Sends envelopes over `/parley/msg/1.0.0`, reusing one pipelined stream per peer.
 * Resolves with the peer's `Ack` (status `OK` or `DUPLICATE`); rejects with a typed error
 * when the peer refuses the envelope, the stream fails, or the signal fires.
 *
 * @example
 * ```ts
 * const client = new EnvelopeClient(libp2p)
 * const ack = await client.send(peerId, envelope, { signal: AbortSignal.timeout(5000) })
 * ```
 */
export class EnvelopeClient {
  private readonly dialer: Dialer
  private readonly init: Required<EnvelopeClientInit>
  private readonly channels = new Map<string, Promise<EnvelopeChannel>>()

  constructor (dialer: Dialer, init: EnvelopeClientInit = {}) {
    this.dialer = dialer
    this.init = {
      maxInFlight: init.maxInFlight ?? 128,
      ackTimeoutMs: init.ackTimeoutMs ?? 15_000,
      dialTimeoutMs: init.dialTimeoutMs ?? 10_000
    }
  }

  private channel (peer: PeerId, signal: AbortSignal): Promise<EnvelopeChannel> {
    const key = peer.toString()
    const existing = this.channels.get(key)
    if (existing != null) return existing
    const opening = (async () => {
      const dialSignal = AbortSignal.any([signal, AbortSignal.timeout(this.init.dialTimeoutMs)])
      const stream = await this.dialer.dialProtocol(peer, ENVELOPE_PROTOCOL, { signal: dialSignal, runOnLimitedConnection: false })
      const channel = new EnvelopeChannel(stream, this.init.maxInFlight, this.init.ackTimeoutMs)
      stream.addEventListener('close', () => {
        if (this.channels.get(key) === opening) this.channels.delete(key)
      })
      return channel
    })()
    this.channels.set(key, opening)
    opening.catch(() => { if (this.channels.get(key) === opening) this.channels.delete(key) })
    return opening
  }

  /** Sends one envelope and waits for its ack. Retries once on a fresh stream if the old one had died. */
  async send (peer: PeerId, envelope: Envelope, options: { signal?: AbortSignal } = {}): Promise<Ack> {
    const signal = options.signal ?? AbortSignal.timeout(this.init.ackTimeoutMs)
    signal.throwIfAborted()
    let channel = await this.channel(peer, signal)
    if (channel.failed) {
      this.channels.delete(peer.toString())
      channel = await this.channel(peer, signal)
    }
    const ack = await channel.send(envelope, signal)
    if (ack.status === Ack.Status.OK || ack.status === Ack.Status.DUPLICATE) return ack
    throw new EnvelopeRejectedError(`Peer refused the envelope: ${ack.status}`, ack.code || 'ERR_REJECTED')
  }

  /** Closes every stream; pending sends fail with {@link StreamClosedError}. */
  async stop (): Promise<void> {
    const channels = [...this.channels.values()]
    this.channels.clear()
    for (const opening of channels) {
      try { (await opening).close() } catch { /* dial failed: nothing to close */ }
    }
  }
}
