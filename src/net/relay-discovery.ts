import type { AbortOptions, ComponentLogger, Libp2p, Logger, Startable } from '@libp2p/interface'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { DEFAULT_RELAY_DISCOVERY_TIMEOUT_MS } from './constants.js'

/** The string whose CID relays provide in the DHT. */
export const RELAY_PROVIDER_KEY = '/parley/relays/v1'

/**
 * The CID every Parley relay provides in the DHT: CIDv1 (raw, sha2-256) of `/parley/relays/v1`.
 * Find relays with `libp2p.contentRouting.findProviders(await relayProviderCid())`.
 *
 * @example
 * ```ts
 * for await (const provider of libp2p.contentRouting.findProviders(await relayProviderCid())) console.log(provider.id)
 * ```
 */
export async function relayProviderCid (): Promise<CID> {
  return CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode(RELAY_PROVIDER_KEY)))
}

export interface RelayDiscoveryComponents {
  /** libp2p's content routing (the DHT). */
  contentRouting: Libp2p['contentRouting']
  logger: ComponentLogger
}

export interface RelayDiscoveryInit {
  /** Time a search or an announcement may take when the caller gives no signal. @default 5000 */
  timeoutMs?: number
}

/**
 * Finds relays in the DHT (they provide {@link relayProviderCid}) and, on a relay, announces it.
 * A libp2p service: `relayDiscovery()` in `services`.
 *
 * @example
 * ```ts
 * const relays = await libp2p.services.relayDiscovery.find(3, { signal: AbortSignal.timeout(5000) })
 * ```
 */
export class RelayDiscovery implements Startable {
  private readonly log: Logger
  private readonly timeoutMs: number

  constructor (private readonly components: RelayDiscoveryComponents, init: RelayDiscoveryInit = {}) {
    this.log = components.logger.forComponent('parley:relay-discovery')
    this.timeoutMs = init.timeoutMs ?? DEFAULT_RELAY_DISCOVERY_TIMEOUT_MS
  }

  start (): void {}
  stop (): void {}

  /**
   * Up to `count` relays' dialable addresses (`<multiaddr>/p2p/<id>`, relayed addresses skipped);
   * fewer, or none, when the DHT knows fewer in time (never throws for that).
   */
  async find (count: number, options: AbortOptions = {}): Promise<string[]> {
    const found: string[] = []
    if (count <= 0) return found
    try {
      const signal = options.signal ?? AbortSignal.timeout(this.timeoutMs)
      for await (const provider of this.components.contentRouting.findProviders(await relayProviderCid(), { signal })) {
        const addr = provider.multiaddrs.find((ma) => !ma.toString().includes('/p2p-circuit'))
        if (addr == null) continue
        found.push(`${addr.toString()}/p2p/${provider.id.toString()}`)
        if (found.length >= count) break
      }
    } catch (err) {
      this.log('relay search ended with %d found - %e', found.length, err)
    }
    return found
  }

  /** Announces this node as a relay (provides the relay key). */
  async provide (options: AbortOptions = {}): Promise<void> {
    await this.components.contentRouting.provide(await relayProviderCid(), { signal: options.signal ?? AbortSignal.timeout(this.timeoutMs) })
  }
}

/** The relay-discovery service factory, for libp2p's `services`. */
export function relayDiscovery (init: RelayDiscoveryInit = {}): (components: RelayDiscoveryComponents) => RelayDiscovery {
  return (components) => new RelayDiscovery(components, init)
}
