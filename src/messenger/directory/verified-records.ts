import { equalBytes } from '@noble/ciphers/utils.js'
import { verifyAccountRecord, type VerifiedAccountRecord } from '../../identity/account-record.js'
import { decodeAddress } from '../../identity/address.js'

/** How many accounts' stored records the memo keeps (the least recently verified go first). */
export const VERIFIED_RECORD_MEMO_SIZE = 256

/**
 * Stored account records of other accounts, verified once per distinct copy: a record's
 * signatures (Ed25519 over the body and each device entry, ~4 ms in JavaScript) are a pure
 * function of its bytes, so a copy byte-for-byte equal to the one verified last for that
 * address needs no second check. A different copy (the record changed) is verified afresh and
 * replaces it; a copy that fails to verify is never remembered. Expiry is not checked
 * (`now: 0`), as for every stored copy.
 */
export class VerifiedRecords {
  private readonly memo = new Map<string, VerifiedAccountRecord>()
  /** Times a copy was verified (not served from the memo); read by tests. */
  verifications = 0

  constructor (private readonly size = VERIFIED_RECORD_MEMO_SIZE) {}

  /** `bytes` (the stored copy of `address`'s record) verified for that account, or the typed error of {@link verifyAccountRecord}. */
  verify (address: string, bytes: Uint8Array): VerifiedAccountRecord {
    const known = this.memo.get(address)
    if (known !== undefined && equalBytes(known.bytes, bytes)) {
      // most recently used last
      this.memo.delete(address)
      this.memo.set(address, known)
      return known
    }
    this.memo.delete(address)
    this.verifications++
    const record = verifyAccountRecord(bytes, { accountKey: decodeAddress(address), now: 0 })
    // keep a copy of the bytes: the caller's array may be reused or changed
    this.memo.set(address, { ...record, bytes: Uint8Array.from(bytes) })
    if (this.memo.size > this.size) this.memo.delete(this.memo.keys().next().value as string)
    return record
  }
}
