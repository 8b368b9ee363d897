import { createRequire } from 'node:module'
import { nobleXChaCha, type XChaChaAead } from './xchacha-aead-noble.js'

/** The part of `sodium-native` (libsodium's Node binding) the store uses. */
interface SodiumNative {
  crypto_aead_xchacha20poly1305_ietf_encrypt: (out: Uint8Array, m: Uint8Array, ad: Uint8Array | null, nsec: null, nonce: Uint8Array, key: Uint8Array) => number
  crypto_aead_xchacha20poly1305_ietf_decrypt: (out: Uint8Array, nsec: null, c: Uint8Array, ad: Uint8Array | null, nonce: Uint8Array, key: Uint8Array) => number
  randombytes_buf: (out: Uint8Array) => void
}

const TAG = 16
const NONCE = 24
/** Nonces drawn from the CSPRNG per refill (one call instead of one per value). */
const NONCES_PER_REFILL = 128

function sodiumXChaCha (sodium: SodiumNative): XChaChaAead {
  const pool = new Uint8Array(NONCE * NONCES_PER_REFILL)
  let used = pool.length
  return {
    implementation: 'libsodium',
    randomNonce () {
      if (used === pool.length) { sodium.randombytes_buf(pool); used = 0 }
      // each slice is handed out once, then the pool is refilled
      const nonce = pool.slice(used, used + NONCE)
      used += NONCE
      return nonce
    },
    seal (key, nonce, ad, plaintext) {
      const out = new Uint8Array(plaintext.length + TAG)
      sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(out, plaintext, ad, null, nonce, key)
      return out
    },
    open (key, nonce, ad, sealed) {
      if (sealed.length < TAG) throw new Error('sealed value shorter than its tag')
      const out = new Uint8Array(sealed.length - TAG)
      // throws "could not verify data" on a bad tag
      sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(out, null, sealed, ad, nonce, key)
      return out
    }
  }
}

let chosen: XChaChaAead | undefined

/**
 * The XChaCha20-Poly1305 this platform uses for store values: libsodium through `sodium-native`
 * (prebuilt binaries; ~1.5 µs per 300-byte seal against ~11 µs in pure JS, which is what keeps
 * the encrypted store within 2× of raw LevelDB), falling back to `@noble/ciphers` when the
 * native module cannot load (or `PARLEY_STORE_AEAD=noble`). Both give the same bytes, so a store
 * written by one opens with the other.
 */
export function storeXChaCha (): XChaChaAead {
  if (chosen !== undefined) return chosen
  chosen = nobleXChaCha
  if (process.env.PARLEY_STORE_AEAD !== 'noble') {
    try {
      chosen = sodiumXChaCha(createRequire(import.meta.url)('sodium-native') as SodiumNative)
    } catch {
      // no prebuilt binary for this platform: stay on the pure-JS implementation
    }
  }
  return chosen
}
