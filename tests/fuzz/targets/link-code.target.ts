import * as fc from 'fast-check'
import { decodeLinkCode, encodeLinkCode } from '../../../src/device/device-link.js'
import { encodeAddress } from '../../../src/identity/address.js'
import { bytes } from '../arbitraries.js'
import { hostileText } from '../mutate.js'
import { invalidResult, pureTarget, typedOrResult } from '../target.js'

const validCode = fc.record({
  address: bytes(32).map(encodeAddress),
  secret: bytes(32),
  multiaddrs: fc.array(fc.constantFrom('/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN', '/ip4/10.0.0.1/tcp/1', 'garbage'), { minLength: 1, maxLength: 3 })
}).map(encodeLinkCode)

/** Device link codes as typed or scanned: `parley-link:<base58(json)>`. */
export default pureTarget({
  name: 'link-code',
  covers: 'decodeLinkCode (src/device/device-link.ts)',
  input: hostileText(validCode),
  runs: 2000,
  run: (text: string) => {
    const code = typedOrResult(() => decodeLinkCode(text))
    if (code != null && (code.secret.length !== 32 || code.multiaddrs.length === 0 || code.multiaddrs.some((m) => typeof m !== 'string'))) throw invalidResult('link code fields')
  }
})
