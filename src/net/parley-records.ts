import { ACCOUNT_KEY_PREFIX, selectAccountRecord } from '../identity/account-record.js'
import { FLEET_KEY_PREFIX, fleetRecordExpiry, operatorKeyFromDhtKey, selectFleetRecord, verifyFleetRecord } from '../identity/fleet-record.js'
import { AccountRecordBody, SignedAccountRecord } from '../wire/parley.js'
import { accountRecordValidator } from './account-directory.js'

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

/** kad-dht validator for the `parley` namespace: an account or fleet record that verifies under the key it is stored at. */
export function parleyRecordValidator (key: Uint8Array, value: Uint8Array): void {
  if (parleyRecordKind(new TextDecoder().decode(key)) === 'fleet') {
    verifyFleetRecord(value, { operatorKey: operatorKeyFromDhtKey(key) })
    return
  }
  accountRecordValidator(key, value)
}

/** kad-dht selector for the `parley` namespace: the kind's own rule (highest sequence, then latest issue time). */
export function parleyRecordSelector (key: Uint8Array, records: Uint8Array[]): number {
  return selectParleyRecord(new TextDecoder().decode(key), records)
}

/** The index of the record that wins among `records` held under `dhtKey` (text). */
export function selectParleyRecord (dhtKey: string, records: Uint8Array[]): number {
  return parleyRecordKind(dhtKey) === 'fleet' ? selectFleetRecord(records) : selectAccountRecord(records)
}

/** The `expires_at` (ms) of a record under `dhtKey`, without verifying it; undefined when it does not decode. */
export function parleyRecordExpiry (dhtKey: string, value: Uint8Array): number | undefined {
  const kind = parleyRecordKind(dhtKey)
  if (kind === 'fleet') return fleetRecordExpiry(value)
  if (kind !== 'account') return undefined
  try {
    return Number(AccountRecordBody.decode(SignedAccountRecord.decode(value).body).expiresAt)
  } catch {
    return undefined
  }
}
