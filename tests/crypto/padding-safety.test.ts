/** Padding buckets and safety numbers. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { nobleBackend } from '../../src/crypto/backend-noble.js'
import { MAX_PADDED_SIZE } from '../../src/crypto/constants.js'
import { pad, paddedLength, unpad } from '../../src/crypto/padding.js'
import { generateDeviceKeys } from '../../src/crypto/prekeys.js'
import { formatSafetyNumber, safetyNumber, safetyNumberQr, verifySafetyNumberQr } from '../../src/crypto/safety-number.js'
import { unhex } from './helpers.js'

describe('padding', () => {
  it('bucket sizes', () => {
    expect([0, 1, 255, 256, 511, 4095, 4096, 5119, 5120, 8191, 8192, 100_000].map(paddedLength))
      .toEqual([256, 256, 256, 512, 512, 4096, 5120, 5120, 6144, 8192, 10240, 114688])
    expect(paddedLength(MAX_PADDED_SIZE - 1)).toBe(MAX_PADDED_SIZE)
    expect(() => pad(new Uint8Array(MAX_PADDED_SIZE))).toThrow(expect.objectContaining({ code: 'ERR_MESSAGE_TOO_LARGE' }))
  })

  it('round-trips; overhead stays under 25 % above 4 KiB', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 20_000 }), (bytes) => {
      const padded = pad(bytes)
      expect(padded.length).toBe(paddedLength(bytes.length))
      expect(padded.length).toBeGreaterThan(bytes.length)
      if (bytes.length >= 4096) expect(padded.length / (bytes.length + 1)).toBeLessThanOrEqual(1.25)
      expect(unpad(padded)).toEqual(bytes)
    }), { numRuns: 200 })
  })

  it('rejects bad padding', () => {
    expect(() => unpad(new Uint8Array(256))).toThrow(expect.objectContaining({ code: 'ERR_MALFORMED_MESSAGE' }))
    expect(() => unpad(new Uint8Array([1, 2, 3]))).toThrow(expect.objectContaining({ code: 'ERR_MALFORMED_MESSAGE' }))
  })
})

describe('safety numbers', () => {
  it('60 digits, symmetric, key-dependent; QR form verifies only the matching pair', async () => {
    const a = (await generateDeviceKeys(nobleBackend)).signing.publicKey
    const b = (await generateDeviceKeys(nobleBackend)).signing.publicKey
    const c = (await generateDeviceKeys(nobleBackend)).signing.publicKey
    const ab = safetyNumber(a, b)
    expect(ab).toMatch(/^\d{60}$/)
    expect(safetyNumber(b, a)).toBe(ab)
    expect(safetyNumber(a, c)).not.toBe(ab)
    expect(formatSafetyNumber(ab).split(' ')).toHaveLength(12)
    const qrFromB = safetyNumberQr(b, a)
    expect(qrFromB).toHaveLength(65)
    expect(verifySafetyNumberQr(qrFromB, a, b)).toBe(true)
    expect(verifySafetyNumberQr(qrFromB, a, c)).toBe(false)
    expect(verifySafetyNumberQr(safetyNumberQr(a, b), a, b)).toBe(false) // own code is not the peer's
  })

  it('is stable (frozen value)', () => {
    const a = unhex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a')
    const b = unhex('3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c')
    expect(safetyNumber(a, b)).toMatchSnapshot()
  })
})
