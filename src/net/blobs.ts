/**
 * `/parley/blob/1.0.0` as a libp2p service (docs/PROTOCOL.md §11): serves blobs from the
 * provider set with {@link Blobs.setProvider} (a device's blob files, or a relay's blob store)
 * and fetches, deposits and deletes at other peers.
 *
 * @example
 * ```ts
 * const libp2p = await createLibp2p({ ...options, services: { ...options.services, blobs: blobs() } })
 * libp2p.services.blobs.setProvider(deviceBlobFiles)
 * const manifest = await libp2p.services.blobs.fetchManifest(peer, digest, maxCipherLength, { signal })
 * for await (const piece of libp2p.services.blobs.fetchPieces(peer, digest, manifest, 0, { signal })) await save(piece)
 * ```
 */
import { serviceCapabilities, type AbortOptions, type ComponentLogger, type Libp2p, type Logger, type PeerId, type Startable } from '@libp2p/interface'
import type { Manifest } from '../crypto/attachment/pieces.js'
import type { Piece } from '../crypto/attachment/types.js'
import { TypedEvents } from '../events.js'
import { BlobClient, type BlobClientInit, type DepositInput, type DepositProgress } from './blob-client.js'
import type { BlobProvider } from './blob-provider.js'
import { BlobServer, type BlobProtocolErrorEvent, type BlobServerInit } from './blob-server.js'

export interface BlobsComponents {
  registrar: Pick<Libp2p, 'handle' | 'unhandle'>
  connectionManager: { openStream: Libp2p['dialProtocol'] }
  logger: ComponentLogger
}

/** Settings of {@link blobs}: the server's limits and the client's; see each field's default. */
export interface BlobsInit extends BlobServerInit, BlobClientInit {
  /** What the server serves from the start (else set later with `setProvider`). */
  provider?: BlobProvider
}

export interface BlobsEvents extends Record<string, unknown> {
  /** A request was refused or failed (rate limit, unknown blob, bad frame, corrupt upload…). */
  'protocol-error': BlobProtocolErrorEvent
}

export class Blobs extends TypedEvents<BlobsEvents> implements Startable {
  readonly [Symbol.toStringTag] = 'parley:blobs'
  readonly [serviceCapabilities]: string[] = ['@parley/blobs']
  private readonly log: Logger
  private readonly server: BlobServer
  private readonly client: BlobClient
  private provider: BlobProvider | undefined

  constructor (components: BlobsComponents, init: BlobsInit = {}) {
    super()
    this.log = components.logger.forComponent('parley:blobs')
    this.server = new BlobServer(components.registrar, init, () => this.provider, this.log, (event) => {
      this.log('refused blob request from %p: %s', event.from, event.code)
      this.emit('protocol-error', event)
    })
    this.provider = init.provider
    this.client = new BlobClient(async (peer, protocol, options) => await components.connectionManager.openStream(peer, protocol, options), init)
  }

  /** Sets what the server serves (none: every request is answered `NOT_FOUND`). */
  setProvider (provider: BlobProvider | undefined): void {
    this.provider = provider
  }

  async start (): Promise<void> {
    await this.server.start()
  }

  async stop (): Promise<void> {
    await this.server.stop()
  }

  /** Blob streams being served now. */
  get openStreams (): number {
    return this.server.openStreams
  }

  /** A blob's manifest from `peer`, checked against `digest` and `maxCipherLength`. */
  async fetchManifest (peer: PeerId, digest: Uint8Array, maxCipherLength: number, options: AbortOptions = {}): Promise<Manifest> {
    return await this.client.fetchManifest(peer, digest, maxCipherLength, options)
  }

  /** Verified pieces `from` … `to - 1` from `peer`. */
  fetchPieces (peer: PeerId, digest: Uint8Array, manifest: Manifest, from: number, options: AbortOptions & { to?: number } = {}): AsyncGenerator<Piece> {
    return this.client.fetchPieces(peer, digest, manifest, from, options)
  }

  /** Deposits a blob at a relay (resuming from what it holds). */
  async deposit (peer: PeerId, input: DepositInput, readPiece: (index: number) => Promise<Uint8Array>, options: AbortOptions & { onProgress?: DepositProgress } = {}): Promise<void> {
    await this.client.deposit(peer, input, readPiece, options)
  }

  /** Deletes a deposited blob at a relay with its delete token. */
  async delete (peer: PeerId, digest: Uint8Array, token: Uint8Array, options: AbortOptions = {}): Promise<void> {
    await this.client.delete(peer, digest, token, options)
  }
}

/** The `/parley/blob/1.0.0` service factory, for libp2p's `services`. */
export function blobs (init: BlobsInit = {}): (components: BlobsComponents) => Blobs {
  return (components) => new Blobs(components, init)
}
