import * as fc from 'fast-check'
import { decodeKeyring } from '../../../src/store/passphrase-keyring.js'
import { decodeValue, encodeValue, type StoredValue } from '../../../src/store/value-codec.js'
import { hostileBytes } from '../mutate.js'
import { pureTarget, typedOrResult } from '../target.js'

const stored: fc.Arbitrary<StoredValue> = fc.letrec<{ v: StoredValue }>((tie) => ({
  v: fc.oneof({ depthSize: 'small' },
    fc.constant(null), fc.boolean(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string({ maxLength: 20 }), fc.uint8Array({ maxLength: 40 }),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('$b', 'v', 'kdf', 'salt')), tie('v'), { maxKeys: 4 }))
})).v
const keyring = fc.record({ v: fc.constantFrom(1, 2), kdf: fc.constantFrom('scrypt', 'x'), N: fc.constantFrom(1024, 3, 2 ** 40), r: fc.nat(16), p: fc.nat(4), salt: fc.uint8Array({ maxLength: 16 }), nonce: fc.uint8Array({ minLength: 24, maxLength: 24 }), wrapped: fc.uint8Array({ minLength: 48, maxLength: 48 }) })

/** The store's record codec (the bytes under the at-rest AEAD) and the keyring record it reads before any key exists. */
export default pureTarget({
  name: 'store-value',
  covers: 'decodeValue (src/store/value-codec.ts), decodeKeyring (src/store/passphrase-keyring.ts)',
  input: hostileBytes(fc.oneof(stored, keyring as fc.Arbitrary<StoredValue>).map(encodeValue)),
  runs: 2000,
  run: (bytes: Uint8Array) => {
    typedOrResult(() => decodeValue(bytes))
    typedOrResult(() => decodeKeyring(bytes))
  }
})
