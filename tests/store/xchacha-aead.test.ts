import { describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { storeXChaCha } from '../../src/store/xchacha-aead.js'
import { nobleXChaCha, type XChaChaAead } from '../../src/store/xchacha-aead-noble.js'
import { xchachaCipher } from '../../src/store/xchacha-cipher.js'
import { IntegrityError } from '../../src/store/errors.js'

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'))

// draft-irtf-cfrg-xchacha-03, appendix A.3.1 (AEAD_XChaCha20_Poly1305)
const VECTOR = {
  plaintext: new TextEncoder().encode("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it."),
  ad: hex('50515253c0c1c2c3c4c5c6c7'),
  key: hex('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f'),
  nonce: hex('404142434445464748494a4b4c4d4e4f5051525354555657'),
  ciphertext: hex(`bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb
    731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b452
    2f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9
    21f9664c97637da9768812f615c68b13b52e`),
  tag: hex('c0875924c1c7987947deafd8780acf49')
}

const native = storeXChaCha()

describe('store XChaCha20-Poly1305 implementations', () => {
  it('uses libsodium in Node (the store benchmark depends on it)', () => {
    expect(native.implementation).toBe('libsodium')
  })

  for (const aead of [native, nobleXChaCha] as XChaChaAead[]) {
    it(`${aead.implementation}: matches the draft-irtf-cfrg-xchacha A.3.1 vector`, () => {
      const sealed = aead.seal(VECTOR.key, VECTOR.nonce, VECTOR.ad, VECTOR.plaintext)
      expect(Buffer.from(sealed).toString('hex')).toBe(Buffer.from(new Uint8Array([...VECTOR.ciphertext, ...VECTOR.tag])).toString('hex'))
      expect(aead.open(VECTOR.key, VECTOR.nonce, VECTOR.ad, sealed)).toEqual(VECTOR.plaintext)
    })

    it(`${aead.implementation}: refuses a flipped bit, another AD or a short input`, () => {
      const sealed = aead.seal(VECTOR.key, VECTOR.nonce, VECTOR.ad, VECTOR.plaintext)
      for (const i of [0, 57, sealed.length - 1]) {
        const bad = sealed.slice(); bad[i] ^= 1
        expect(() => aead.open(VECTOR.key, VECTOR.nonce, VECTOR.ad, bad)).toThrow()
      }
      expect(() => aead.open(VECTOR.key, VECTOR.nonce, new Uint8Array(12), sealed)).toThrow()
      expect(() => aead.open(VECTOR.key, VECTOR.nonce, VECTOR.ad, sealed.subarray(0, 15))).toThrow()
    })
  }

  it('libsodium and noble open each other\'s values (random sizes, keys, nonces)', () => {
    for (let i = 0; i < 200; i++) {
      const key = randomBytes(32); const ad = randomBytes(i % 48); const pt = randomBytes((i * 37) % 2000)
      const nonce = (i % 2 === 0 ? native : nobleXChaCha).randomNonce()
      expect(nonce.length).toBe(24)
      const a = native.seal(key, nonce, ad, pt)
      const b = nobleXChaCha.seal(key, nonce, ad, pt)
      expect(a).toEqual(b)
      expect(nobleXChaCha.open(key, nonce, ad, a)).toEqual(Uint8Array.from(pt))
      expect(native.open(key, nonce, ad, b)).toEqual(Uint8Array.from(pt))
    }
  })

  it('a store cipher on either implementation reads the other\'s records; a wrong key is an IntegrityError', () => {
    const storeKey = randomBytes(32)
    const fast = xchachaCipher(Uint8Array.from(storeKey), native)
    const slow = xchachaCipher(Uint8Array.from(storeKey), nobleXChaCha)
    const other = xchachaCipher(randomBytes(32), native)
    const dbKey = new TextEncoder().encode('/ms/abc')
    const value = randomBytes(300)
    expect(slow.open(dbKey, fast.seal(dbKey, value) as Uint8Array)).toEqual(Uint8Array.from(value))
    expect(fast.open(dbKey, slow.seal(dbKey, value) as Uint8Array)).toEqual(Uint8Array.from(value))
    expect(fast.tag('message', 'm1')).toEqual(slow.tag('message', 'm1'))
    expect(fast.tag('message', 'm1')).not.toEqual(fast.tag('outbox', 'm1'))
    expect(() => other.open(dbKey, fast.seal(dbKey, value) as Uint8Array)).toThrow(IntegrityError)
  })
})
