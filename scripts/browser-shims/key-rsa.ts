/**
 * Build-time stand-in (see scripts/build-browser.mjs) for `@libp2p/crypto`'s
 * `keys/rsa/{index,utils,der}.js` in the browser bundle: every operation throws
 * BrowserUnsupportedKeyTypeError (see unsupported-key.ts). `decodeDer` is only reached for raw
 * keys that are neither Ed25519 nor secp256k1 by length, i.e. RSA or ECDSA keys.
 */
import { unsupported } from './unsupported-key.js'

export const RSAES_PKCS1_V1_5_OID = '1.2.840.113549.1.1.1'
export const hashAndSign = unsupported('RSA', 'sign')
export const hashAndVerify = unsupported('RSA', 'verify')
export const decodeDer = unsupported('RSA', 'decode DER-encoded RSA or ECDSA key')
export const pkcs1ToRSAPrivateKey = unsupported('RSA', 'decode private key')
export const pkcs1MessageToRSAPrivateKey = unsupported('RSA', 'decode private key')
export const pkixToRSAPublicKey = unsupported('RSA', 'decode public key')
export const pkixMessageToRSAPublicKey = unsupported('RSA', 'decode public key')
export const jwkToRSAPrivateKey = unsupported('RSA', 'import JWK')
export const generateRSAKeyPair = unsupported('RSA', 'generate key pair')
