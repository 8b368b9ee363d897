import type { AbortOptions, Libp2p, Logger } from '@libp2p/interface'
import { equalBytes } from '../bytes.js'
import { ParleyError } from '../errors.js'
import { encodeFleetId, fleetDhtKey, selectFleetRecord, verifyFleetRecord, type VerifiedFleetRecord } from '../identity/fleet-record.js'
import type { RecordFloor } from './account-directory.js'
import { DEFAULT_DIRECTORY_CACHE_TTL_MS, DEFAULT_DIRECTORY_LOOKUP_TIMEOUT_MS, DEFAULT_FLEET_CACHE_SIZE } from './constants.js'
import { FleetNotFoundError, RecordRollbackError } from './errors.js'

/** Key prefix of fleet records in a {@link RecordFloor} shared with account records (addresses never start with it). */
export const FLEET_FLOOR_PREFIX = 'fleet:'

export interface FleetDirectoryInit {
  /** How long a looked-up record is served from cache. @default 300000 */
  cacheTtlMs?: number
  /** Records kept in the cache. @default 64 */
  cacheSize?: number
  /** Default lookup timeout when the caller gives no signal. @default 15000 */
  lookupTimeoutMs?: number
  /** The highest record seen per fleet, kept across restarts (key `fleet:<id>`); none: in memory only. */
  floor?: RecordFloor
  log?: Logger
  now?: () => number
}

interface CacheEntry { record: VerifiedFleetRecord, fetchedAt: number }

type Routing = Pick<Libp2p, 'contentRouting'>

/**
 * Fleet records in the DHT (`/parley/fleet/<fleet id>`): publishes them (member relays) and
 * looks them up (clients), verified against the operator key the caller asked for, with a
 * bounded cache. Never goes back: a record with a lower sequence than the highest held for that
 * fleet (in the cache, or the persisted floor) is refused by {@link accept} and ignored by
 * {@link lookup}, which keeps serving the newer one.
 *
 * @example
 * ```ts
 * const fleets = new FleetDirectory(libp2p, { floor })
 * const { body } = await fleets.lookup(operatorKey, { signal: AbortSignal.timeout(10_000) })
 * ```
 */
export class FleetDirectory {
  private readonly cache = new Map<string, CacheEntry>()
  private readonly init: Required<Omit<FleetDirectoryInit, 'floor' | 'log'>>

  constructor (private readonly routing: Routing, private readonly options: FleetDirectoryInit = {}) {
    this.init = {
      cacheTtlMs: options.cacheTtlMs ?? DEFAULT_DIRECTORY_CACHE_TTL_MS,
      cacheSize: options.cacheSize ?? DEFAULT_FLEET_CACHE_SIZE,
      lookupTimeoutMs: options.lookupTimeoutMs ?? DEFAULT_DIRECTORY_LOOKUP_TIMEOUT_MS,
      now: options.now ?? Date.now
    }
  }

  /** Puts a signed fleet record (a member relay's, from its config) into the DHT; refuses a rollback. */
  async publish (bytes: Uint8Array, options: AbortOptions = {}): Promise<VerifiedFleetRecord> {
    const record = await this.accept(bytes, undefined, options)
    await this.routing.contentRouting.put(fleetDhtKey(record.body.operatorKey), record.bytes, {
      signal: options.signal ?? AbortSignal.timeout(this.init.lookupTimeoutMs)
    })
    return record
  }

  /**
   * The fleet's current record: the cache (unless `fresh`), else the DHT. A DHT answer older than
   * what this directory holds is ignored (logged as a rollback); a failed lookup serves the held
   * record while it is unexpired, else throws `ERR_FLEET_NOT_FOUND`. A record that fails
   * verification throws its typed error (`InvalidFleetRecordError`).
   */
  async lookup (operatorKey: Uint8Array, options: AbortOptions & { fresh?: boolean } = {}): Promise<VerifiedFleetRecord> {
    const fleetId = encodeFleetId(operatorKey)
    const cached = this.cache.get(fleetId)
    const now = this.init.now()
    const live = cached != null && Number(cached.record.body.expiresAt) >= now ? cached : undefined
    if (live != null && options.fresh !== true && now - live.fetchedAt < this.init.cacheTtlMs) return live.record
    let bytes: Uint8Array
    try {
      // bounded even under a caller's long-lived signal (a mailbox subscription's): the held record serves meanwhile
      const timeout = AbortSignal.timeout(this.init.lookupTimeoutMs)
      bytes = await this.routing.contentRouting.get(fleetDhtKey(operatorKey), {
        signal: options.signal == null ? timeout : AbortSignal.any([options.signal, timeout])
      })
    } catch (err) {
      const held = live?.record ?? await this.heldFloor(operatorKey, options)
      if (held != null) {
        this.options.log?.('DHT lookup of fleet %s failed, serving the record held - %e', fleetId, err)
        return held
      }
      if (err instanceof ParleyError) throw err
      throw new FleetNotFoundError(`No record found for fleet ${fleetId}: ${(err as Error).message}`)
    }
    try {
      return await this.accept(bytes, operatorKey, options)
    } catch (err) {
      if (!(err instanceof RecordRollbackError)) throw err
      this.options.log?.('the DHT served an older record of fleet %s: keeping ours', fleetId)
      const held = this.cache.get(fleetId)?.record ?? await this.heldFloor(operatorKey, options)
      if (held == null) throw err
      return held
    }
  }

  /**
   * Verifies `bytes` (for `operatorKey` when given) and makes it the held record of its fleet,
   * unless the cache or the floor holds a newer one: then `ERR_RECORD_ROLLBACK`.
   */
  async accept (bytes: Uint8Array, operatorKey?: Uint8Array, options: AbortOptions = {}): Promise<VerifiedFleetRecord> {
    const record = verifyFleetRecord(bytes, { operatorKey, now: this.init.now() })
    const held = this.cache.get(record.fleetId)?.record ?? await this.heldFloor(record.body.operatorKey, options, 0)
    if (held != null && !equalBytes(held.bytes, record.bytes) && selectFleetRecord([record.bytes, held.bytes]) !== 0) {
      throw new RecordRollbackError(`A newer record of fleet ${record.fleetId} is held (sequence ${held.body.sequence} > ${record.body.sequence})`)
    }
    if (held == null || !equalBytes(held.bytes, record.bytes)) await this.options.floor?.save(FLEET_FLOOR_PREFIX + record.fleetId, record.bytes, options)
    this.remember(record)
    return record
  }

  /** Forgets the cache (the floor stays). */
  clear (): void {
    this.cache.clear()
  }

  /** The persisted floor's record of a fleet, verified (expired ones only when `now` is 0). */
  private async heldFloor (operatorKey: Uint8Array, options: AbortOptions, now = this.init.now()): Promise<VerifiedFleetRecord | undefined> {
    if (this.options.floor == null) return undefined
    const fleetId = encodeFleetId(operatorKey)
    const bytes = await this.options.floor.load(FLEET_FLOOR_PREFIX + fleetId, options)
    if (bytes == null) return undefined
    try {
      return verifyFleetRecord(bytes, { operatorKey, now })
    } catch (err) {
      this.options.log?.('stored floor of fleet %s is not usable - %e', fleetId, err)
      return undefined
    }
  }

  private remember (record: VerifiedFleetRecord): void {
    this.cache.delete(record.fleetId)
    this.cache.set(record.fleetId, { record, fetchedAt: this.init.now() })
    while (this.cache.size > this.init.cacheSize) {
      this.cache.delete(this.cache.keys().next().value as string)
    }
  }
}
