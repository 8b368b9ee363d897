/** Published vectors (tests/vectors/README.md) through both backends and the browser primitives. */
import { readFileSync } from 'node:fs'
import { shake128 } from '@noble/hashes/sha3.js'
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js'
import { describe, expect, it } from 'vitest'
import type { CryptoBackend } from '../../src/crypto/backend.js'
import { nativeBackend } from '../../src/crypto/backend-native.js'
import { nobleBackend } from '../../src/crypto/backend-noble.js'
import { nativePrimitives as browserPrimitives } from '../../src/crypto/native-primitives.browser.js'
import { nobleHashes } from '../../src/crypto/hash-noble.js'
import { hex, unhex } from './helpers.js'

const load = <T>(name: string): T => JSON.parse(readFileSync(new URL(`../vectors/${name}`, import.meta.url), 'utf8')) as T

/** The browser file, run under Node's WebCrypto, as a third backend. */
const browserBackend: CryptoBackend = { name: 'browser-primitives', randomBytes: nobleBackend.randomBytes, ...browserPrimitives, ...nobleHashes }
const backends = [nobleBackend, nativeBackend, browserBackend]

describe.each(backends.map((b) => [b.name, b] as const))('RFC vectors: %s', (_name, backend) => {
  it('ChaCha20-Poly1305 (RFC 8439 §2.8.2)', async () => {
    const { vectors } = load<{ vectors: Array<Record<string, string>> }>('rfc8439-chacha20poly1305.json')
    for (const v of vectors) {
      const sealed = await backend.aeadSeal(unhex(v.key), unhex(v.nonce), unhex(v.plaintext), unhex(v.aad))
      expect(hex(sealed)).toBe(v.ciphertext + v.tag)
      expect(hex(await backend.aeadOpen(unhex(v.key), unhex(v.nonce), sealed, unhex(v.aad)))).toBe(v.plaintext)
      sealed[0] ^= 1
      await expect(backend.aeadOpen(unhex(v.key), unhex(v.nonce), sealed, unhex(v.aad))).rejects.toMatchObject({ code: 'ERR_DECRYPT' })
    }
  })

  it('X25519 (RFC 7748 §5.2, §6.1)', async () => {
    const v = load<{ scalarMult: Array<Record<string, string>>, keyAgreement: Record<string, string> }>('rfc7748-x25519.json')
    for (const s of v.scalarMult) expect(hex(await backend.x25519(unhex(s.scalar), unhex(s.u)))).toBe(s.output)
    const k = v.keyAgreement
    expect(hex(await backend.x25519PublicKey(unhex(k.alicePrivate)))).toBe(k.alicePublic)
    expect(hex(await backend.x25519PublicKey(unhex(k.bobPrivate)))).toBe(k.bobPublic)
    expect(hex(await backend.x25519(unhex(k.alicePrivate), unhex(k.bobPublic)))).toBe(k.shared)
    expect(hex(await backend.x25519(unhex(k.bobPrivate), unhex(k.alicePublic)))).toBe(k.shared)
  })

  it('X25519 rejects a low-order point', async () => {
    await expect(backend.x25519(unhex(load<{ keyAgreement: Record<string, string> }>('rfc7748-x25519.json').keyAgreement.alicePrivate), new Uint8Array(32)))
      .rejects.toMatchObject({ code: 'ERR_INVALID_KEY' })
  })

  it('Ed25519 (RFC 8032 §7.1)', async () => {
    const { vectors } = load<{ vectors: Array<Record<string, string>> }>('rfc8032-ed25519.json')
    for (const v of vectors) {
      expect(hex(await backend.ed25519PublicKey(unhex(v.secretKey)))).toBe(v.publicKey)
      expect(hex(await backend.ed25519Sign(unhex(v.secretKey), unhex(v.message)))).toBe(v.signature)
      expect(await backend.ed25519Verify(unhex(v.publicKey), unhex(v.message), unhex(v.signature))).toBe(true)
      const bad = unhex(v.signature)
      bad[10] ^= 0x40
      expect(await backend.ed25519Verify(unhex(v.publicKey), unhex(v.message), bad)).toBe(false)
    }
  })

  it('HKDF-SHA256 (RFC 5869) and HMAC-SHA256 (RFC 4231)', async () => {
    for (const v of load<{ vectors: Array<Record<string, string>> }>('rfc5869-hkdf-sha256.json').vectors) {
      expect(hex(await backend.hkdfSha256(unhex(v.ikm), unhex(v.salt), unhex(v.info), Number(v.length)))).toBe(v.okm)
    }
    for (const v of load<{ vectors: Array<Record<string, string>> }>('rfc4231-hmac-sha256.json').vectors) {
      expect(hex(await backend.hmacSha256(unhex(v.key), unhex(v.data)))).toBe(v.mac)
    }
  })

  it('ML-KEM-768: keys from seed and decapsulation agree with the accumulated reference run', async () => {
    // noble (the reference, checked against the published hash below) supplies ek/ct; every backend
    // must derive the same ek from the seed and decapsulate to the same keys (incl. implicit rejection)
    const rng = shake128.create({})
    expect(hex(shake128.create({}).xof(16))).toBe(load<{ rngStart: string }>('mlkem768-accumulated.json').rngStart)
    for (let i = 0; i < 10; i++) {
      const seed = rng.xof(64)
      const m = rng.xof(32)
      const badCt = rng.xof(1088)
      const ref = ml_kem768.keygen(seed)
      expect(hex(await backend.mlKemPublicKey(seed))).toBe(hex(ref.publicKey))
      const { cipherText, sharedSecret } = ml_kem768.encapsulate(ref.publicKey, m)
      expect(hex(await backend.mlKemDecapsulate(seed, cipherText))).toBe(hex(sharedSecret))
      expect(hex(await backend.mlKemDecapsulate(seed, badCt))).toBe(hex(ml_kem768.decapsulate(badCt, ref.secretKey)))
      const fresh = await backend.mlKemEncapsulate(ref.publicKey)
      expect(hex(ml_kem768.decapsulate(fresh.cipherText, ref.secretKey))).toBe(hex(fresh.sharedSecret))
    }
  })
})

function accumulate (iterations: number): string {
  const rng = shake128.create({})
  const acc = shake128.create({})
  for (let i = 0; i < iterations; i++) {
    const d = rng.xof(32)
    const z = rng.xof(32)
    const m = rng.xof(32)
    const badCt = rng.xof(1088)
    const seed = new Uint8Array(64)
    seed.set(d)
    seed.set(z, 32)
    const { publicKey, secretKey } = ml_kem768.keygen(seed)
    const { cipherText, sharedSecret } = ml_kem768.encapsulate(publicKey, m)
    if (hex(ml_kem768.decapsulate(cipherText, secretKey)) !== hex(sharedSecret)) throw new Error('decaps mismatch')
    acc.update(publicKey).update(secretKey).update(cipherText).update(sharedSecret).update(ml_kem768.decapsulate(badCt, secretKey))
  }
  return hex(acc.xof(32))
}

describe('ML-KEM-768 accumulated vectors (C2SP/CCTV procedure)', () => {
  const v = load<{ iterations: Record<string, string> }>('mlkem768-accumulated.json')
  it('100 iterations (frozen)', () => {
    expect(accumulate(100)).toBe(v.iterations['100'])
  })
  it.skipIf(process.env.PARLEY_SLOW_VECTORS !== '1')('10000 iterations (published; ~25 s, PARLEY_SLOW_VECTORS=1)', () => {
    expect(accumulate(10000)).toBe(v.iterations['10000'])
  })
})
