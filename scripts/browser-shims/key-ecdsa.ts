/**
 * Build-time stand-in (see scripts/build-browser.mjs) for `@libp2p/crypto`'s
 * `keys/ecdsa/{index,utils,ecdsa}.js` in the browser bundle: every operation throws
 * BrowserUnsupportedKeyTypeError (see unsupported-key.ts).
 */
import { BrowserUnsupportedKeyTypeError, unsupported } from './unsupported-key.js'

export const ECDSA_P_256_OID = '1.2.840.10045.3.1.7'
export const ECDSA_P_384_OID = '1.3.132.0.34'
export const ECDSA_P_521_OID = '1.3.132.0.35'
export const hashAndSign = unsupported('ECDSA', 'sign')
export const hashAndVerify = unsupported('ECDSA', 'verify')
export const generateECDSAKeyPair = unsupported('ECDSA', 'generate key pair')
export const pkiMessageToECDSAPrivateKey = unsupported('ECDSA', 'decode private key')
export const pkiMessageToECDSAPublicKey = unsupported('ECDSA', 'decode public key')
export const unmarshalECDSAPrivateKey = unsupported('ECDSA', 'decode private key')
export const unmarshalECDSAPublicKey = unsupported('ECDSA', 'decode public key')

/** Stands in for `ECDSAPrivateKey`, which `privateKeyFromCryptoKeyPair` constructs. */
export class ECDSAPrivateKey {
  constructor () { throw new BrowserUnsupportedKeyTypeError('ECDSA', 'import CryptoKeyPair') }
}
