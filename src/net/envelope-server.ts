import type { Connection, Libp2p, Logger, PeerId, Stream } from '@libp2p/interface'
import { concatBytes, equalBytes } from '../bytes.js'
import { ParleyError } from '../errors.js'
import { BoundedSet } from './bounded-set.js'
import { Ack, decodeEnvelope, ENVELOPE_PROTOCOL, envelopeIdHex, MAX_ENVELOPE_FRAME_BYTES, type Envelope } from './envelope-codec.js'
import {
  DEFAULT_ENVELOPE_DEDUP_CAPACITY, DEFAULT_ENVELOPE_FRAME_TIMEOUT_MS, DEFAULT_ENVELOPE_IDLE_TIMEOUT_MS, DEFAULT_ENVELOPE_MAX_HANDED_TOGETHER,
  DEFAULT_ENVELOPE_MAX_INBOUND_STREAMS, STREAM_CLOSE_TIMEOUT_MS
} from './constants.js'
import { IdleTimeoutError } from './errors.js'
import { FrameReader, encodeFrame, writeWithBackpressure } from './stream/frame-reader.js'

/** An envelope that arrived and was accepted (acked `OK`). */
export interface ReceivedEnvelope {
  envelope: Envelope
  /** The libp2p peer that handed it over (a relay or the sender's device; not an identity claim). */
  from: PeerId
}

/** A bad frame or stream that was refused; for logs, metrics and tests. */
export interface ProtocolErrorEvent {
  code: string
  message: string
  from: PeerId
}

export interface EnvelopeServerInit {
  /** This device's Ed25519 key: envelopes for other devices are refused. */
  deviceKey: Uint8Array
  /**
   * Called for every new envelope. The ack is sent after it resolves, so an ack means
   * "persisted". Throwing a ParleyError acks `REJECTED` with its code. The envelopes of frames
   * that arrived together on one stream (already read when the first is taken, at most
   * `maxHandedTogether`) are handed over together, in order, each call started before the
   * previous one resolved, so that the handler can store them in one batch; acks still go out
   * in order. A frame that repeats an id of its batch is handed over only after that envelope's
   * call resolved (and answered `DUPLICATE` when it was accepted).
   */
  onEnvelope: (received: ReceivedEnvelope) => Promise<void> | void
  onProtocolError?: (event: ProtocolErrorEvent) => void
  /** @default MAX_ENVELOPE_FRAME_BYTES */
  maxFrameBytes?: number
  /** A started frame must complete within this time. @default 10000 */
  frameTimeoutMs?: number
  /** A stream with no frame for this long is closed. @default 60000 */
  idleTimeoutMs?: number
  /** Concurrent inbound streams per connection. @default 8 */
  maxInboundStreams?: number
  /** Envelope ids remembered for deduplication. @default 10000 */
  dedupCapacity?: number
  /** Frames of one stream handed to `onEnvelope` together, at most. @default 64 */
  maxHandedTogether?: number
  /** Clock, for tests. */
  now?: () => number
}

/**
 * Serves `/parley/msg/1.0.0`: reads envelope frames, checks them, hands them to `onEnvelope`
 * and answers each with an `Ack`, in order. Bad input is answered with a typed `REJECTED`
 * ack where possible and the stream is closed; the node keeps serving.
 *
 * @example
 * ```ts
 * const server = new EnvelopeServer(components.registrar, { deviceKey, onEnvelope: async ({ envelope }) => save(envelope) }, log)
 * await server.start()
 * ```
 */
export class EnvelopeServer {
  private readonly registrar: Pick<Libp2p, 'handle' | 'unhandle'>
  private readonly init: EnvelopeServerInit
  private readonly log: Logger
  private readonly seen: BoundedSet<string>
  private readonly streams = new Map<Stream, PeerId>()
  private started = false

  constructor (registrar: Pick<Libp2p, 'handle' | 'unhandle'>, init: EnvelopeServerInit, log: Logger) {
    this.registrar = registrar
    this.init = init
    this.log = log
    this.seen = new BoundedSet(init.dedupCapacity ?? DEFAULT_ENVELOPE_DEDUP_CAPACITY)
  }

  async start (): Promise<void> {
    if (this.started) return
    await this.registrar.handle(ENVELOPE_PROTOCOL, (stream, connection) => { void this.serve(stream, connection) }, {
      runOnLimitedConnection: false,
      maxInboundStreams: this.init.maxInboundStreams ?? DEFAULT_ENVELOPE_MAX_INBOUND_STREAMS
    })
    this.started = true
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    await this.registrar.unhandle(ENVELOPE_PROTOCOL)
    for (const stream of this.streams.keys()) stream.abort(new ParleyError('Node stopping', 'ERR_SHUTTING_DOWN'))
    this.streams.clear()
  }

  /** Number of inbound envelope streams open now (from `peer` only, when given). */
  openStreams (peer?: PeerId): number {
    if (peer == null) return this.streams.size
    let count = 0
    for (const from of this.streams.values()) if (from.equals(peer)) count++
    return count
  }

  private reportError (err: unknown, from: PeerId): void {
    const code = err instanceof ParleyError ? err.code : 'ERR_INTERNAL'
    this.init.onProtocolError?.({ code, message: (err as Error).message, from })
  }

  private async serve (stream: Stream, connection: Connection): Promise<void> {
    const from = connection.remotePeer
    this.streams.set(stream, from)
    const reader = new FrameReader(stream, {
      maxFrameBytes: this.init.maxFrameBytes ?? MAX_ENVELOPE_FRAME_BYTES,
      frameTimeoutMs: this.init.frameTimeoutMs ?? DEFAULT_ENVELOPE_FRAME_TIMEOUT_MS
    })
    const idleTimeoutMs = this.init.idleTimeoutMs ?? DEFAULT_ENVELOPE_IDLE_TIMEOUT_MS
    try {
      // acks of frames that arrived together are written together (one send, one yamux frame)
      const acks: Uint8Array[] = []
      while (this.started) {
        let frame: Uint8Array | null
        if (reader.queuedFrames > 0) {
          frame = await reader.next()
        } else {
          if (acks.length > 0) await this.flushAcks(stream, acks, idleTimeoutMs)
          try {
            frame = await reader.next({ idleTimeoutMs })
          } catch (err) {
            if (err instanceof IdleTimeoutError) break
            throw err
          }
        }
        if (frame == null) break
        // this frame and those read with it are handed over together; their acks go in order
        const answers: Array<Promise<Answer>> = []
        const byId = new Map<string, Promise<Answer>>()
        let fatal = false
        for (;;) {
          const checked = this.check(frame, from)
          if ('ack' in checked) {
            answers.push(Promise.resolve(checked))
            fatal = checked.fatal
          } else {
            // a repeated id waits for its first copy, then meets the dedup check as usual
            const first = byId.get(checked.key)
            const answer = first === undefined ? this.accept(checked, from) : first.then(async () => this.accept(checked, from))
            byId.set(checked.key, answer)
            answers.push(answer)
          }
          if (fatal || answers.length >= this.maxHandedTogether) break
          // taken without waiting: every call of the batch starts in the same turn of the event loop
          const more = reader.shiftQueued()
          if (more === undefined) break
          frame = more
        }
        for (const answer of answers) acks.push(encodeFrame(Ack.encode((await answer).ack)))
        if (fatal) {
          await this.flushAcks(stream, acks, idleTimeoutMs)
          await this.closeStream(stream, from)
          return
        }
      }
      if (acks.length > 0) await this.flushAcks(stream, acks, idleTimeoutMs)
      await this.closeStream(stream, from)
    } catch (err) {
      if (!this.started) return
      this.reportError(err, from)
      const code = err instanceof ParleyError ? err.code : 'ERR_INTERNAL'
      try {
        // best effort: tell the peer why before dropping the stream
        if (stream.status === 'open') stream.send(encodeFrame(Ack.encode({ id: new Uint8Array(0), status: Ack.Status.REJECTED, code })))
      } catch (sendErr) {
        this.log.trace('could not tell %p why its stream is dropped - %e', from, sendErr)
      }
      stream.abort(err as Error)
    } finally {
      this.streams.delete(stream)
    }
  }

  /** Closes a stream politely; one that will not close in time is left to the muxer. */
  private async closeStream (stream: Stream, from: PeerId): Promise<void> {
    await stream.close({ signal: AbortSignal.timeout(STREAM_CLOSE_TIMEOUT_MS) }).catch((err: unknown) => {
      this.log.trace('envelope stream from %p did not close cleanly - %e', from, err)
    })
  }

  private async flushAcks (stream: Stream, acks: Uint8Array[], timeoutMs: number): Promise<void> {
    const bytes = acks.length === 1 ? acks[0] : concatBytes(...acks)
    acks.length = 0
    await writeWithBackpressure(stream, bytes, { timeoutMs })
  }

  private get maxHandedTogether (): number {
    return Math.max(1, this.init.maxHandedTogether ?? DEFAULT_ENVELOPE_MAX_HANDED_TOGETHER)
  }

  /**
   * Decodes one frame and checks what needs no state: the answer when it is refused at once
   * (`fatal` closes the stream: its framing can't be trusted), else the envelope to hand on.
   */
  private check (frame: Uint8Array, from: PeerId): Answer | { envelope: Envelope, key: string } {
    let envelope: Envelope
    try {
      envelope = decodeEnvelope(frame)
    } catch (err) {
      this.reportError(err, from)
      return { ack: { id: new Uint8Array(0), status: Ack.Status.REJECTED, code: (err as ParleyError).code }, fatal: true }
    }
    const id = envelope.id
    if (!equalBytes(envelope.recipientDevice, this.init.deviceKey)) return { ack: { id, status: Ack.Status.WRONG_RECIPIENT, code: 'ERR_WRONG_RECIPIENT' }, fatal: false }
    const now = this.init.now?.() ?? Date.now()
    if (envelope.expiresAt !== 0n && Number(envelope.expiresAt) < now) return { ack: { id, status: Ack.Status.EXPIRED, code: 'ERR_ENVELOPE_EXPIRED' }, fatal: false }
    return { envelope, key: envelopeIdHex(id) }
  }

  /** Hands one checked envelope on (unless its id was accepted already) and answers with its outcome. */
  private async accept ({ envelope, key }: { envelope: Envelope, key: string }, from: PeerId): Promise<Answer> {
    const answer = (status: Ack.Status, code = ''): Answer => ({ ack: { id: envelope.id, status, code }, fatal: false })
    if (this.seen.has(key)) return answer(Ack.Status.DUPLICATE)
    try {
      await this.init.onEnvelope({ envelope, from })
    } catch (err) {
      this.reportError(err, from)
      // a ParleyError is about this envelope's content (undeliverable); anything else is ours (retry later)
      return err instanceof ParleyError ? answer(Ack.Status.REJECTED, err.code) : answer(Ack.Status.BUSY, 'ERR_INTERNAL')
    }
    this.seen.add(key)
    return answer(Ack.Status.OK)
  }
}

/** How one frame is answered; `fatal` closes the stream after its ack. */
interface Answer {
  ack: Ack
  fatal: boolean
}
