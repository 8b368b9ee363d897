/*
 * Why not the Bloom filter of @libp2p/utils: it hashes each item once per hash function (8 full
 * FNV passes over a UTF-8 copy of the key) on every deposit's hot path, where this one hashes the
 * string once and derives the rest (double hashing); and the store needs a union of two filters
 * (ids committed while a rebuild scans the database), a count of keys added (when to rebuild)
 * and a size fixed from the storage cap (`bitsFor`), none of which it offers.
 */
/**
 * A Bloom filter over the envelope-id keys (`i!<mailbox>!<id>`) a relay has stored: when it says
 * "not held", a deposit skips the database lookup for duplicates. LevelDB as used here has no
 * Bloom filters of its own, so without this every deposit of a new id reads index and data blocks
 * on each level (measured: a relay filling to 200k envelopes went from 6.1k to 9.6k deposits/s
 * with the lookup skipped). "Might hold" is always checked in the database, so false positives
 * (including ids deleted since they were added: bits are never cleared) only cost that lookup;
 * the store rebuilds the filter from the database once more than its {@link HeldIdFilter.capacity}
 * were added.
 * Ids come from senders and may be chosen to collide: that too only costs lookups.
 *
 * @example
 * ```ts
 * const filter = new HeldIdFilter(HeldIdFilter.bitsFor(storageMaxBytes))
 * if (!filter.mightHold(key)) { ... surely new ... }
 * filter.add(key)
 * ```
 */
export class HeldIdFilter {
  /** Hash functions per key (≈0.8 % false positives at 10 bits per key). */
  static readonly HASHES = 7
  /** Bits per key held before the filter counts as saturated. */
  static readonly BITS_PER_KEY = 10

  private readonly words: Uint32Array
  private readonly mask: number
  /** Keys added since the filter was created (deleted ones included). */
  added = 0

  /** @param bitCount a power of two ≥ 64 */
  constructor (readonly bitCount: number) {
    if (!Number.isInteger(Math.log2(bitCount)) || bitCount < 64) throw new RangeError('bitCount must be a power of two ≥ 64')
    this.words = new Uint32Array(bitCount / 32)
    this.mask = bitCount - 1
  }

  /**
   * Filter size for a relay whose storage cap is `storageMaxBytes`: 8 bits per KiB of cap
   * (room for one envelope of ~1.25 KiB per 10 bits), rounded up to a power of two, between
   * 2^20 bits (128 KiB) and 2^26 bits (8 MiB: 6.7M envelopes before the false-positive rate
   * climbs past ≈0.8 %).
   */
  static bitsFor (storageMaxBytes: number): number {
    const wanted = Math.max(1, storageMaxBytes / 1024) * 8
    return 2 ** Math.min(26, Math.max(20, Math.ceil(Math.log2(wanted))))
  }

  /** A filter holding every key of `a` and of `b` (same size). */
  static union (a: HeldIdFilter, b: HeldIdFilter): HeldIdFilter {
    if (a.bitCount !== b.bitCount) throw new RangeError('filters of different sizes')
    const out = new HeldIdFilter(a.bitCount)
    for (let i = 0; i < out.words.length; i++) out.words[i] = a.words[i] | b.words[i]
    out.added = a.added + b.added
    return out
  }

  /** Keys the filter holds at {@link BITS_PER_KEY} bits each (≈0.8 % false positives). */
  get capacity (): number {
    return this.bitCount / HeldIdFilter.BITS_PER_KEY
  }

  add (key: string): void {
    let [h1, h2] = hashPair(key)
    for (let i = 0; i < HeldIdFilter.HASHES; i++) {
      const bit = h1 & this.mask
      this.words[bit >>> 5] |= 1 << (bit & 31)
      h1 = (h1 + h2) >>> 0
    }
    this.added++
  }

  /** False when `key` was surely never added; true when it may have been. */
  mightHold (key: string): boolean {
    let [h1, h2] = hashPair(key)
    for (let i = 0; i < HeldIdFilter.HASHES; i++) {
      const bit = h1 & this.mask
      if ((this.words[bit >>> 5] & (1 << (bit & 31))) === 0) return false
      h1 = (h1 + h2) >>> 0
    }
    return true
  }
}

/** Two 32-bit FNV-1a hashes of a string's UTF-16 code units (different offset bases); the second is odd. */
function hashPair (key: string): [number, number] {
  let a = 0x811c9dc5
  let b = 0x050c5d1f
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i)
    a = Math.imul(a ^ c, 0x01000193)
    b = Math.imul(b ^ c, 0x01000193)
  }
  // mix the second so that it is not a fixed offset of the first, and make it odd (full period)
  b = Math.imul(b ^ (b >>> 15), 0x2c1b3c6d)
  return [a >>> 0, (b | 1) >>> 0]
}
