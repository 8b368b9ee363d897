import type { AbortOptions, Libp2p, PeerId } from '@libp2p/interface'
import { Ack, Envelope, ENVELOPE_PROTOCOL } from './envelope-codec.js'
import { EnvelopeChannel } from './envelope-channel.js'
import { EnvelopeRejectedError } from './errors.js'
import { ChannelPool } from './stream/channel-pool.js'
import { DEFAULT_ENVELOPE_ACK_TIMEOUT_MS, DEFAULT_ENVELOPE_MAX_IN_FLIGHT, DEFAULT_DIAL_TIMEOUT_MS } from './constants.js'

export interface EnvelopeClientInit {
  /** Envelopes sent on one stream before their acks arrive. @default 128 */
  maxInFlight?: number
  /** Default time to wait for an ack when the caller gives no signal. @default 15000 */
  ackTimeoutMs?: number
  /** Time allowed to dial and open a stream. @default 10000 */
  dialTimeoutMs?: number
}

/** What the client needs of libp2p: opening a protocol stream, and a logger. */
export type EnvelopeDialer = Pick<Libp2p, 'dialProtocol' | 'logger'>

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
  private readonly dialer: EnvelopeDialer
  private readonly init: Required<EnvelopeClientInit>
  private readonly channels: ChannelPool<EnvelopeChannel>

  constructor (dialer: EnvelopeDialer, init: EnvelopeClientInit = {}) {
    this.dialer = dialer
    this.init = {
      maxInFlight: init.maxInFlight ?? DEFAULT_ENVELOPE_MAX_IN_FLIGHT,
      ackTimeoutMs: init.ackTimeoutMs ?? DEFAULT_ENVELOPE_ACK_TIMEOUT_MS,
      dialTimeoutMs: init.dialTimeoutMs ?? DEFAULT_DIAL_TIMEOUT_MS
    }
    this.channels = new ChannelPool(dialer.logger.forComponent('parley:envelope-client'), 'Envelope client')
  }

  private async open (peer: PeerId, signal: AbortSignal): Promise<EnvelopeChannel> {
    // the dial is bounded on its own: a long caller deadline must not wait on an unreachable peer
    const dialSignal = AbortSignal.any([signal, AbortSignal.timeout(this.init.dialTimeoutMs)])
    const stream = await this.dialer.dialProtocol(peer, ENVELOPE_PROTOCOL, { signal: dialSignal, runOnLimitedConnection: false })
    return new EnvelopeChannel(stream, this.init.maxInFlight, this.init.ackTimeoutMs)
  }

  /** Sends one envelope and waits for its ack; a dead stream is replaced by a fresh one. */
  async send (peer: PeerId, envelope: Envelope, options: AbortOptions = {}): Promise<Ack> {
    const signal = options.signal ?? AbortSignal.timeout(this.init.ackTimeoutMs)
    signal.throwIfAborted()
    const channel = await this.channels.get(peer.toString(), async () => await this.open(peer, signal))
    const ack = await channel.send(envelope.id, Envelope.encode(envelope), signal)
    if (ack.status === Ack.Status.OK || ack.status === Ack.Status.DUPLICATE) return ack
    throw new EnvelopeRejectedError(`Peer refused the envelope: ${ack.status}`, ack.code || 'ERR_REJECTED')
  }

  /** Accepts sends again after {@link stop}. */
  start (): void {
    this.channels.start()
  }

  /** Closes every stream; pending sends fail with {@link StreamClosedError}. */
  async stop (): Promise<void> {
    await this.channels.stop()
  }
}
