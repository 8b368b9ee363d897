import * as fc from 'fast-check'
import { selectAccountRecord, verifyAccountRecord } from '../../../src/identity/account-record.js'
import { accountRecordBytes } from '../arbitraries.js'
import { hostileBytes, mutated } from '../mutate.js'
import { invalidResult, pureTarget, typedOrResult } from '../target.js'

/**
 * Signed account records: mutations of real ones must never verify (every byte is signed) and
 * never throw anything but InvalidAccountRecordError; the selector never throws.
 */
export default pureTarget({
  name: 'account-record',
  covers: 'verifyAccountRecord, selectAccountRecord (src/identity/account-record.ts)',
  input: fc.tuple(hostileBytes(accountRecordBytes), fc.array(fc.oneof(accountRecordBytes, mutated(accountRecordBytes)), { maxLength: 3 })),
  runs: 600,
  run: ([bytes, others]: [Uint8Array, Uint8Array[]]) => {
    const verified = typedOrResult(() => verifyAccountRecord(bytes))
    if (verified != null && verified.body.devices.some((d) => d.deviceKey.length !== 32)) throw invalidResult('device key length')
    const all = [bytes, ...others]
    const index = selectAccountRecord(all)
    if (!Number.isInteger(index) || index < 0 || index >= all.length) throw invalidResult(`selector index ${index}`)
  }
})
