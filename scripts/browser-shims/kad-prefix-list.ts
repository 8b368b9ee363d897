/**
 * Build-time stand-in (see scripts/build-browser.mjs) for kad-dht's generated prefix list, a
 * 97 KiB table (≈50 KiB gzip, a fifth of the bundle) mapping each 16-bit Kademlia id prefix to
 * a number whose SHA-256 multihash starts with it. The routing-table refresh reads a few
 * entries every refresh interval (one per common prefix length up to the table's deepest), so
 * we find each on demand and cache it.
 *
 * An entry only has to share the first `cpl + 1` bits with the requested prefix for the refresh
 * to land in the right bucket; matching all 16 bits costs ≈65k SHA-256 (≈100 ms of main thread
 * each, seconds at start-up). We match the first MATCHED_BITS (≈4k SHA-256, a few ms): exact for
 * common prefix lengths below MATCHED_BITS, which a browser's client-mode table of a network
 * under tens of thousands of DHT servers never exceeds; deeper refreshes land in a neighbouring
 * bucket, which only makes that refresh less useful.
 */
import { sha256 } from '@noble/hashes/sha2.js'

const SHA256_CODE = 0x12
/** Leading bits of the 16-bit prefix an entry matches. */
export const MATCHED_BITS = 12
const cache = new Map<number, number>()

/** Smallest n such that sha256(multihash(sha256, be32(n) ‖ 0…)) starts with the first MATCHED_BITS of the 16-bit `prefix`. */
export function findPrefixSeed (prefix: number): number {
  const hit = cache.get(prefix)
  if (hit !== undefined) return hit
  const key = new Uint8Array(34)
  key[0] = SHA256_CODE
  key[1] = 32
  const view = new DataView(key.buffer)
  const shift = 16 - MATCHED_BITS
  const wanted = prefix >>> shift
  for (let n = 0; n < 0xffffffff; n++) {
    view.setUint32(2, n, false)
    const digest = sha256(key)
    if ((((digest[0] << 8) | digest[1]) >>> shift) === wanted) {
      cache.set(prefix, n)
      return n
    }
  }
  throw new Error(`no seed for prefix ${prefix}`)
}

const list: number[] = new Proxy<number[]>([], {
  get (target, property, receiver) {
    if (typeof property === 'string' && /^\d+$/.test(property)) {
      const index = Number(property)
      if (index <= 0xffff) return findPrefixSeed(index)
    }
    if (property === 'length') return 0x10000
    return Reflect.get(target, property, receiver)
  }
})

export default list
