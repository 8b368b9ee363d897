import type { AbortOptions } from '@libp2p/interface'
import { ACCOUNT_KEY_PREFIX, FLEET_KEY_PREFIX, selectAccountRecord } from '../identity/account-record.js'
import { AccountRecordBody, SignedAccountRecord } from '../wire/parley.js'
import { accountRecordValidator } from './account-directory.js'
import { FleetRulesNotLoadedError } from './errors.js'

/**
 * The two kinds of record Parley keeps in its DHT namespace (`parley`): account records under
 * `/parley/acct/<address>` and fleet records under `/parley/fleet/<fleet id>`. kad-dht has one
 * validator and one selector per namespace; these dispatch on the key.
 */
export type ParleyRecordKind = 'account' | 'fleet'

/** The kind of record a DHT key (as text) holds, or undefined for any other key. */
export function parleyRecordKind (dhtKey: string): ParleyRecordKind | undefined {
  if (dhtKey.startsWith(ACCOUNT_KEY_PREFIX)) return 'account'
  if (dhtKey.startsWith(FLEET_KEY_PREFIX)) return 'fleet'
  return undefined
}

/** The rules of fleet records (`fleetRecordRules` of `identity/fleet-record-rules.ts`). */
export interface FleetRecordRules {
  /** Throws a typed error unless `value` is a valid fleet record of the operator its DHT `key` names. */
  validate: (key: Uint8Array, value: Uint8Array) => void
  /** The index of the record that wins: highest sequence, then latest issue time. */
  select: (records: Uint8Array[]) => number
  /** The record's `expires_at` (ms), without verifying it; undefined when it does not decode. */
  expiry: (value: Uint8Array) => number | undefined
}

/** Where the fleet-record rules come from (tests count the loads). */
export type LoadFleetRecordRules = (options?: AbortOptions) => Promise<FleetRecordRules>

/**
 * The fleet-record rules, loaded with `import()`: in the browser bundle they ride in the one
 * lazy chunk, since a browser meets a fleet record only once its messenger looks a fleet up
 * (docs/BROWSER.md, "Bundle size").
 */
export const loadFleetRecordRules: LoadFleetRecordRules = async () => (await import('../identity/fleet-record-rules.js')).fleetRecordRules

/**
 * The validator, selector and expiry rule of Parley's DHT namespace, for kad-dht, the bounded
 * record store and the PUT guard. Account records are checked with code loaded up front; fleet
 * records with {@link FleetRecordRules} loaded on the first fleet key met (once, then kept).
 *
 * @example
 * ```ts
 * const records = new ParleyRecords()
 * kadDHT({ validators: { parley: records.validator }, selectors: { parley: records.selector } })
 * ```
 */
export class ParleyRecords {
  private fleet: FleetRecordRules | undefined
  private loading: Promise<FleetRecordRules> | undefined

  constructor (private readonly loadFleetRules: LoadFleetRecordRules = loadFleetRecordRules) {}

  /** kad-dht validator for the `parley` namespace: an account or fleet record that verifies under the key it is stored at. */
  readonly validator = async (key: Uint8Array, value: Uint8Array, options?: AbortOptions): Promise<void> => {
    if (parleyRecordKind(new TextDecoder().decode(key)) === 'fleet') {
      (await this.fleetRules(options)).validate(key, value)
      return
    }
    accountRecordValidator(key, value)
  }

  /** kad-dht selector for the `parley` namespace: the kind's own rule (highest sequence, then latest issue time). */
  readonly selector = async (key: Uint8Array, records: Uint8Array[]): Promise<number> => {
    const dhtKey = new TextDecoder().decode(key)
    await this.ready(dhtKey)
    return this.select(dhtKey, records)
  }

  /** Loads what the records under `dhtKey` (text) need, so that {@link select} and {@link expiry} can answer at once. */
  async ready (dhtKey: string, options?: AbortOptions): Promise<void> {
    if (parleyRecordKind(dhtKey) === 'fleet') await this.fleetRules(options)
  }

  /**
   * The index of the record that wins among `records` held under `dhtKey` (text). For a fleet
   * key, {@link ready} must have resolved first ({@link FleetRulesNotLoadedError} otherwise).
   */
  select (dhtKey: string, records: Uint8Array[]): number {
    return parleyRecordKind(dhtKey) === 'fleet' ? this.loadedFleetRules().select(records) : selectAccountRecord(records)
  }

  /**
   * The `expires_at` (ms) of a record under `dhtKey`, without verifying it; undefined when it
   * does not decode or the key is neither kind. For a fleet key, after {@link ready}.
   */
  expiry (dhtKey: string, value: Uint8Array): number | undefined {
    const kind = parleyRecordKind(dhtKey)
    if (kind === 'fleet') return this.loadedFleetRules().expiry(value)
    if (kind !== 'account') return undefined
    try {
      return Number(AccountRecordBody.decode(SignedAccountRecord.decode(value).body).expiresAt)
    } catch {
      return undefined
    }
  }

  private async fleetRules (options?: AbortOptions): Promise<FleetRecordRules> {
    if (this.fleet != null) return this.fleet
    options?.signal?.throwIfAborted()
    // a failed load (the chunk could not be fetched) is not kept: the next fleet key tries again
    this.loading ??= this.loadFleetRules().then(
      (rules) => { this.fleet = rules; return rules },
      (err: unknown) => { this.loading = undefined; throw err })
    return await this.loading
  }

  private loadedFleetRules (): FleetRecordRules {
    if (this.fleet == null) throw new FleetRulesNotLoadedError()
    return this.fleet
  }
}
