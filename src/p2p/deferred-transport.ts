import { serviceCapabilities, serviceDependencies, transportSymbol } from '@libp2p/interface'
import type { AbortOptions, ComponentLogger, Connection, CreateListenerOptions, DialTransportOptions, Listener, Logger, Transport } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { ParleyError } from '../errors.js'
import { ErrorCode } from '../errors/codes.js'

/** A transport's factory, as libp2p's `transports` option takes it. */
export type TransportFactory = (components: any) => Transport

/** A transport named but not loaded yet: dialled or listened on before {@link DeferredTransports.load}. */
export class TransportNotLoadedError extends ParleyError {
  constructor (name: string) {
    super(`The ${name} transport is not loaded yet`, ErrorCode.TRANSPORT_NOT_LOADED)
    this.name = 'TransportNotLoadedError'
  }
}

interface StartableTransport extends Transport {
  start?: () => void | Promise<void>
  afterStart?: () => void | Promise<void>
  stop?: () => void | Promise<void>
  beforeStop?: () => void | Promise<void>
}

interface DeferredInit {
  /** The transport's `Symbol.toStringTag` (libp2p names transports by it). */
  name: string
  /** Imports the transport's package and returns its factory. */
  load: () => Promise<TransportFactory>
  /** libp2p service dependencies of the real transport (checked when libp2p is created). */
  dependencies?: string[]
  /** Import it in the node's `start()` (libp2p awaits it there) instead of waiting for a `load()`. */
  loadOnStart?: boolean
}

/**
 * A libp2p transport whose code is imported later than the node starts: until
 * {@link DeferredTransports.load} it dials and listens on nothing (its filters match no address,
 * so libp2p tries the other transports, and the protocols it would register are not handled:
 * a peer asking for them is refused and keeps the connection it has). Once loaded, the real
 * transport is built with the same components and started when the node runs.
 *
 * Used for `@libp2p/webrtc` in the daemon: about half of the modules a daemon loads before
 * `ready` are that transport's (docs/PERFORMANCE.md, "Daemon start").
 */
class DeferredTransport implements Transport {
  readonly [transportSymbol] = true
  readonly [serviceCapabilities] = ['@libp2p/transport']
  readonly [serviceDependencies]: string[]
  private inner?: StartableTransport
  private started = false
  private readonly log: Logger

  constructor (private readonly components: { logger: ComponentLogger }, private readonly init: DeferredInit) {
    this[serviceDependencies] = init.dependencies ?? []
    this.log = components.logger.forComponent('parley:deferred-transport')
  }

  get [Symbol.toStringTag] (): string {
    return this.init.name
  }

  get loaded (): boolean {
    return this.inner != null
  }

  /** Builds the real transport from its loaded factory; starts it when the node runs. */
  async attach (factory: TransportFactory): Promise<void> {
    if (this.inner != null) return
    const inner: StartableTransport = factory(this.components)
    this.inner = inner
    if (this.started) await this.startInner(inner)
    this.log('%s loaded%s', this.init.name, this.started ? ' and started' : '')
  }

  async start (): Promise<void> {
    if (this.inner == null && this.init.loadOnStart === true) {
      await this.attach(await this.init.load())
    }
    this.started = true
    if (this.inner != null) await this.startInner(this.inner)
  }

  async stop (): Promise<void> {
    this.started = false
    await this.inner?.beforeStop?.()
    await this.inner?.stop?.()
  }

  async dial (ma: Multiaddr, options: DialTransportOptions): Promise<Connection> {
    if (this.inner == null) throw new TransportNotLoadedError(this.init.name)
    return await this.inner.dial(ma, options)
  }

  createListener (options: CreateListenerOptions): Listener {
    if (this.inner == null) throw new TransportNotLoadedError(this.init.name)
    return this.inner.createListener(options)
  }

  listenFilter = (multiaddrs: Multiaddr[]): Multiaddr[] => this.inner?.listenFilter(multiaddrs) ?? []

  dialFilter = (multiaddrs: Multiaddr[]): Multiaddr[] => this.inner?.dialFilter(multiaddrs) ?? []

  private async startInner (inner: StartableTransport): Promise<void> {
    await inner.start?.()
    await inner.afterStart?.()
  }
}

/**
 * A transport whose package is imported when its node starts (libp2p awaits that), not when the
 * module naming it is: for callers that build libp2p options synchronously without paying for
 * the import of a transport they may not start.
 */
export function transportLoadedOnStart (init: Omit<DeferredInit, 'loadOnStart'>): TransportFactory {
  return (components: { logger: ComponentLogger }) => new DeferredTransport(components, { ...init, loadOnStart: true })
}

/**
 * The deferred transports of one libp2p node: {@link transport} goes into its `transports`
 * option, {@link load} imports and starts them all (once; later calls share the first).
 *
 * @example
 * ```ts
 * const deferred = new DeferredTransports()
 * const libp2p = await createLibp2p({ transports: [tcp(), deferred.transport({ name: '@libp2p/webrtc', load: async () => (await import('@libp2p/webrtc')).webRTC() })] })
 * await libp2p.start()   // ready without WebRTC's modules
 * await deferred.load()  // now browsers can upgrade to WebRTC
 * ```
 */
export class DeferredTransports {
  private readonly pending: Array<{ init: DeferredInit, instances: DeferredTransport[] }> = []
  private loading?: Promise<void>

  /** A libp2p transport factory for `init`, loaded by {@link load}. */
  transport (init: DeferredInit): TransportFactory {
    const entry = { init, instances: [] as DeferredTransport[] }
    this.pending.push(entry)
    return (components: { logger: ComponentLogger }) => {
      const instance = new DeferredTransport(components, init)
      entry.instances.push(instance)
      return instance
    }
  }

  /** True once every deferred transport is loaded (and started, when its node runs). */
  get loaded (): boolean {
    return this.pending.every((p) => p.instances.every((i) => i.loaded))
  }

  /** Imports every deferred transport and attaches it to its node. */
  async load (options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    this.loading ??= (async () => {
      for (const entry of this.pending) {
        const factory = await entry.init.load()
        for (const instance of entry.instances) await instance.attach(factory)
      }
    })()
    // a failed load may be tried again
    this.loading.catch(() => { this.loading = undefined })
    await this.loading
  }
}
