/**
 * Shared by the build-time stand-ins for `@libp2p/crypto`'s secp256k1, RSA and ECDSA key support
 * (key-secp256k1.ts, key-rsa.ts, key-ecdsa.ts; see scripts/build-browser.mjs). Every Parley peer
 * id is Ed25519, so the browser bundle keeps only Ed25519 keys: the others cost ≈30 KiB minified
 * (secp256k1 alone pulls noble's Weierstrass curves). A key of another type can only come from a
 * foreign peer (noise handshake, identify, a peer record, a DHT record); refusing it fails that
 * one connection or record with this error, never with wrong data.
 */
import { UnsupportedKeyTypeError } from '@libp2p/interface'

export type BrowserUnsupportedKeyType = 'secp256k1' | 'RSA' | 'ECDSA'

/** A secp256k1, RSA or ECDSA key reached the Parley browser bundle, which supports Ed25519 only. */
export class BrowserUnsupportedKeyTypeError extends UnsupportedKeyTypeError {
  readonly keyType: BrowserUnsupportedKeyType
  constructor (keyType: BrowserUnsupportedKeyType, operation: string) {
    super(`unsupported key type in the browser build: ${keyType} keys are not supported by the Parley browser bundle (${operation}); Parley peers use Ed25519`)
    this.keyType = keyType
  }
}

/** A function standing in for `operation` that throws BrowserUnsupportedKeyTypeError. */
export function unsupported (keyType: BrowserUnsupportedKeyType, operation: string): (...args: unknown[]) => never {
  return () => { throw new BrowserUnsupportedKeyTypeError(keyType, operation) }
}
