/**
 * Build-time stand-in (see scripts/build-browser.mjs) for `@libp2p/crypto`'s
 * `keys/secp256k1/{index,utils}.js` in the browser bundle: every operation throws
 * BrowserUnsupportedKeyTypeError (see unsupported-key.ts). The lengths stay: `@libp2p/crypto`
 * tells raw keys apart by them, so Ed25519 keys still resolve and 33-byte keys fail here.
 */
import { unsupported } from './unsupported-key.js'

export const publicKeyLength = 33
export const privateKeyLength = 32
export const hashAndSign = unsupported('secp256k1', 'sign')
export const hashAndVerify = unsupported('secp256k1', 'verify')
export const unmarshalSecp256k1PrivateKey = unsupported('secp256k1', 'decode private key')
export const unmarshalSecp256k1PublicKey = unsupported('secp256k1', 'decode public key')
export const generateSecp256k1KeyPair = unsupported('secp256k1', 'generate key pair')
