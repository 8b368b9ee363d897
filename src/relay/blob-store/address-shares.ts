/**
 * Each remote address's share of the relay's blob storage (docs/RELAY.md, "Blobs"): ciphertext
 * bytes and blobs held for the deposits it made, so that one host with as many throwaway
 * PeerIds (and made-up mailboxes) as it likes cannot fill the store for everyone. An IPv6 /48
 * gets 8 × an address's share. Built on the envelope store's {@link StoredByteShares}: fixed
 * memory, a per-process hash key, exact release; deposits made before a restart count against
 * no share (the totals still bound them).
 */
import type { AddressKeys } from '../../net/remote-address.js'
import { StoredByteShares, type ShareScope } from '../byte-shares.js'

/** Which share a deposit would overrun: bytes or blobs, of the address or of its /48. */
export type BlobShareRefusal = `${ShareScope}_bytes` | `${ShareScope}_blobs`

export class BlobAddressShares {
  private readonly bytes: StoredByteShares
  private readonly blobs: StoredByteShares

  constructor (bytesPerAddress: number, blobsPerAddress: number) {
    this.bytes = new StoredByteShares(bytesPerAddress)
    this.blobs = this.bytes.sibling(blobsPerAddress)
  }

  /** The tag a deposit from `keys` is counted under (0: exempt, counted nowhere). */
  tagOf (keys: AddressKeys | undefined): number {
    return this.bytes.tagOf(keys)
  }

  /** Which share one more deposit of `size` bytes from `tag` would exceed, or undefined. */
  refusal (tag: number, size: number): BlobShareRefusal | undefined {
    const bytes = this.bytes.refusal(tag, size)
    if (bytes !== undefined) return `${bytes}_bytes`
    const blobs = this.blobs.refusal(tag, 1)
    return blobs === undefined ? undefined : `${blobs}_blobs`
  }

  add (tag: number, size: number): void {
    this.bytes.add(tag, size)
    this.blobs.add(tag, 1)
  }

  remove (tag: number, size: number): void {
    this.bytes.remove(tag, size)
    this.blobs.remove(tag, 1)
  }

  /** Bytes held under `tag`'s address share (tests, diagnostics). */
  heldBy (tag: number): number {
    return this.bytes.heldBy(tag)
  }
}
