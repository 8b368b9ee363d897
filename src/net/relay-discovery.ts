import type { AbortOptions, ComponentLogger, Libp2p, Logger, Startable } from '@libp2p/interface'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { DEFAULT_RELAY_DISCOVERY_CANDIDATES, DEFAULT_RELAY_DISCOVERY_GRACE_MS, DEFAULT_RELAY_DISCOVERY_TIMEOUT_MS } from './constants.js'
import { pickSpread, type RandomSource } from './relay-pick.js'

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
  /**
   * Relays gathered before `find` draws its `count` at random among them (never fewer than
   * `count`; equal to `count` restores "the first found"). @default 16
   */
  candidates?: number
  /** Once `count` relays are found, how much longer `find` gathers more candidates. @default 1500 */
  graceMs?: number
  /** Random source of the draw. @default Math.random */
  random?: RandomSource
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
  private readonly candidates: number
  private readonly graceMs: number
  private readonly random: RandomSource

  constructor (private readonly components: RelayDiscoveryComponents, init: RelayDiscoveryInit = {}) {
    this.log = components.logger.forComponent('parley:relay-discovery')
    this.timeoutMs = init.timeoutMs ?? DEFAULT_RELAY_DISCOVERY_TIMEOUT_MS
    this.candidates = init.candidates ?? DEFAULT_RELAY_DISCOVERY_CANDIDATES
    this.graceMs = init.graceMs ?? DEFAULT_RELAY_DISCOVERY_GRACE_MS
    this.random = init.random ?? Math.random
  }

  start (): void {}
  stop (): void {}

  /**
   * Up to `count` relays' dialable addresses (`<multiaddr>/p2p/<id>`, relayed addresses skipped),
   * drawn at random among the distinct relays found (up to `candidates`, gathered until the
   * search ends or `graceMs` after the `count`-th), so that new accounts spread over the relays
   * instead of all taking those the DHT returns first; fewer, or none, when the DHT knows fewer
   * in time (never throws for that).
   */
  async find (count: number, options: AbortOptions = {}): Promise<string[]> {
    const found = new Map<string, string>()
    if (count <= 0) return []
    const wanted = Math.max(count, this.candidates)
    const grace = new AbortController()
    let graceTimer: ReturnType<typeof setTimeout> | undefined
    try {
      const signal = AbortSignal.any([options.signal ?? AbortSignal.timeout(this.timeoutMs), grace.signal])
      for await (const provider of this.components.contentRouting.findProviders(await relayProviderCid(), { signal })) {
        const id = provider.id.toString()
        const addr = provider.multiaddrs.find((ma) => !ma.toString().includes('/p2p-circuit'))
        if (addr == null || found.has(id)) continue
        found.set(id, `${addr.toString()}/p2p/${id}`)
        if (found.size >= wanted) break
        if (found.size === count && wanted > count) graceTimer = setTimeout(() => { grace.abort() }, this.graceMs)
      }
    } catch (err) {
      if (!grace.signal.aborted) this.log('relay search ended with %d found - %e', found.size, err)
    } finally {
      clearTimeout(graceTimer)
    }
    const chosen = pickSpread([...found.values()], count, this.random)
    this.log('chose %d of %d relays found', chosen.length, found.size)
    return chosen
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
