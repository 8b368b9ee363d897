import { serviceCapabilities, type AbortOptions, type ComponentLogger, type Libp2p, type Logger, type PeerId, type Startable } from '@libp2p/interface'
import { randomBytes } from '@noble/hashes/utils.js'
import { ParleyError } from '../errors.js'
import { TypedEvents } from '../events.js'
import type { DeviceEntry } from '../identity/account-record.js'
import { EnvelopeClient, type EnvelopeClientInit } from './envelope-client.js'
import { ENVELOPE_ID_BYTES, ENVELOPE_VERSION, type Ack, type Envelope } from './envelope-codec.js'
import { EnvelopeServer, type EnvelopeServerInit, type ProtocolErrorEvent, type ReceivedEnvelope } from './envelope-server.js'
import { DeviceUnreachableError } from './errors.js'
import { PeerIdCache } from './peer-ids.js'

/** Most device PeerIds remembered for sending (decoded once from account records). */
export const MAX_CACHED_PEER_IDS = 1000

export interface EnvelopesComponents {
  /** libp2p's registrar (its `handle`/`unhandle`). */
  registrar: Pick<Libp2p, 'handle' | 'unhandle'>
  /** libp2p's connection manager (its `openStream`, which `dialProtocol` calls). */
  connectionManager: { openStream: Libp2p['dialProtocol'] }
  logger: ComponentLogger
}

/** Settings of {@link envelopes}: the server's limits and the client's; see each field's default. */
export interface EnvelopesInit extends Omit<EnvelopeServerInit, 'onEnvelope' | 'onProtocolError'>, EnvelopeClientInit {}

export interface EnvelopesEvents extends Record<string, unknown> {
  /** An envelope for this device arrived, went through the handler and is about to be acked. */
  envelope: ReceivedEnvelope
  /** A peer sent something malformed, oversize, stalled… and it was refused. */
  'protocol-error': ProtocolErrorEvent
}

export interface SendEnvelopeInput {
  payload: Uint8Array
  /** 16-byte id; random when omitted. */
  id?: Uint8Array
  /** Absolute expiry (ms since epoch); 0 or omitted for none. */
  expiresAt?: number
  flags?: number
  /** Creation time (ms since epoch) carried by the envelope; now when omitted. */
  createdAt?: number
}

/** Outcome of sending to one device of an account (fan-out returns one per device). */
export type DeviceSendResult =
  | { device: DeviceEntry, ok: true, ack: Ack, envelopeId: Uint8Array }
  | { device: DeviceEntry, ok: false, error: ParleyError }

/** Handles each accepted envelope before it is acked; a ParleyError thrown is acked `REJECTED` with its code. */
export type EnvelopeHandler = (received: ReceivedEnvelope) => Promise<void> | void

/**
 * Parley's `/parley/msg/1.0.0` as a libp2p service: serves envelopes addressed to this device
 * (each through the handler, then acked) and sends envelopes to devices over one pipelined
 * stream per peer. Register it in libp2p's `services`; libp2p starts and stops it with the node,
 * so set the handler before `libp2p.start()`.
 */
export class Envelopes extends TypedEvents<EnvelopesEvents> implements Startable {
  readonly [Symbol.toStringTag] = 'parley:envelopes'
  readonly [serviceCapabilities]: string[] = ['@parley/envelopes']
  private readonly log: Logger
  private readonly server: EnvelopeServer
  private readonly client: EnvelopeClient
  private readonly peerIds = new PeerIdCache(MAX_CACHED_PEER_IDS)
  private handler: EnvelopeHandler | undefined

  constructor (components: EnvelopesComponents, init: EnvelopesInit) {
    super()
    this.log = components.logger.forComponent('parley:envelopes')
    this.client = new EnvelopeClient({
      dialProtocol: async (peer, protocols, options) => await components.connectionManager.openStream(peer, protocols, options),
      logger: components.logger
    }, init)
    this.server = new EnvelopeServer(components.registrar, {
      ...init,
      onEnvelope: async (received) => {
        await this.handler?.(received)
        this.emit('envelope', received)
      },
      onProtocolError: (event) => {
        this.log('refused input from %p: %s', event.from, event.code)
        this.emit('protocol-error', event)
      }
    }, components.logger.forComponent('parley:envelope-server'))
  }

  /** Sets the function every accepted envelope goes through before it is acked (none: emitted only). */
  setHandler (handler: EnvelopeHandler | undefined): void {
    this.handler = handler
  }

  async start (): Promise<void> {
    this.client.start()
    await this.server.start()
  }

  async stop (): Promise<void> {
    await this.client.stop()
    await this.server.stop()
  }

  /** Number of inbound envelope streams open now (from `peer` only, when given). */
  openStreams (peer?: PeerId): number {
    return this.server.openStreams(peer)
  }

  /** Sends one envelope to one peer and waits for its ack. */
  async send (peer: PeerId, envelope: Envelope, options: AbortOptions = {}): Promise<Ack> {
    return await this.client.send(peer, envelope, options)
  }

  /**
   * Sends one envelope directly to one device (dialling it through DHT peer routing if needed).
   * Failures are ParleyErrors: the peer's refusal, or {@link DeviceUnreachableError}.
   */
  async sendToDevice (device: DeviceEntry, input: SendEnvelopeInput, options: AbortOptions = {}): Promise<Ack> {
    const envelope: Envelope = {
      version: ENVELOPE_VERSION,
      id: input.id ?? randomBytes(ENVELOPE_ID_BYTES),
      recipientDevice: device.deviceKey,
      payload: input.payload,
      createdAt: BigInt(input.createdAt ?? Date.now()),
      expiresAt: BigInt(input.expiresAt ?? 0),
      flags: input.flags ?? 0
    }
    try {
      return await this.client.send(this.peerIds.get(device.peerId), envelope, options)
    } catch (err) {
      if (err instanceof ParleyError) throw err
      throw new DeviceUnreachableError(`Could not deliver to device: ${(err as Error).message}`, { cause: err })
    }
  }

  /** Sends `input` to each device, in parallel; one result per device, never throws for a device. */
  async sendToDevices (devices: DeviceEntry[], input: Omit<SendEnvelopeInput, 'id'>, options: AbortOptions = {}): Promise<DeviceSendResult[]> {
    return await Promise.all(devices.map(async (device): Promise<DeviceSendResult> => {
      const envelopeId = randomBytes(ENVELOPE_ID_BYTES)
      try {
        return { device, ok: true, ack: await this.sendToDevice(device, { ...input, id: envelopeId }, options), envelopeId }
      } catch (err) {
        this.log.trace('could not send to a device - %e', err)
        return { device, ok: false, error: err instanceof ParleyError ? err : new DeviceUnreachableError((err as Error).message) }
      }
    }))
  }
}

/**
 * The `/parley/msg/1.0.0` service factory, for libp2p's `services`.
 *
 * @example
 * ```ts
 * const libp2p = await createLibp2p({ ...options, services: { ...options.services, envelopes: envelopes({ deviceKey }) } })
 * libp2p.services.envelopes.setHandler(async ({ envelope }) => { await save(envelope) })
 * ```
 */
export function envelopes (init: EnvelopesInit): (components: EnvelopesComponents) => Envelopes {
  return (components) => new Envelopes(components, init)
}
