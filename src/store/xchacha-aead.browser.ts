import { nobleXChaCha, type XChaChaAead } from './xchacha-aead-noble.js'

/** The XChaCha20-Poly1305 store values use in browsers: `@noble/ciphers`. */
export function storeXChaCha (): XChaChaAead {
  return nobleXChaCha
}
