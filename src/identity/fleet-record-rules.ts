import { fleetRecordExpiry, operatorKeyFromDhtKey, selectFleetRecord, verifyFleetRecord } from './fleet-record.js'

/**
 * The fleet-record rules the DHT applies under `/parley/fleet/…`, in a module of their own:
 * `ParleyRecords` (`net/parley-records.ts`) loads it with `import()` on the first fleet key met,
 * and an `import()` target keeps every export it has in the browser bundle, so it exports only
 * this (docs/BROWSER.md, "Bundle size").
 */
export const fleetRecordRules = {
  /** Throws `InvalidFleetRecordError` unless `value` is a valid fleet record of the operator its DHT key names. */
  validate (key: Uint8Array, value: Uint8Array): void {
    verifyFleetRecord(value, { operatorKey: operatorKeyFromDhtKey(key) })
  },
  /** The index of the record that wins: highest sequence, then latest issue time. */
  select: selectFleetRecord,
  /** The record's `expires_at` (ms), without verifying it; undefined when it does not decode. */
  expiry: fleetRecordExpiry
}
