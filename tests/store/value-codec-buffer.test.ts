import { describe, expect, it } from 'vitest'
import { decodeValue, encodeValue } from '../../src/store/value-codec.js'

describe('value codec', () => {
  it('stores a Node Buffer as bytes (not as its toJSON() form)', () => {
    const decoded = decodeValue(encodeValue({ key: Buffer.from([1, 2, 3]), top: [Buffer.from([4])] })) as { key: Uint8Array, top: Uint8Array[] }
    expect(decoded.key).toBeInstanceOf(Uint8Array)
    expect([...decoded.key]).toEqual([1, 2, 3])
    expect([...decoded.top[0]]).toEqual([4])
    expect([...(decodeValue(encodeValue(Buffer.from([9]))) as Uint8Array)]).toEqual([9])
  })
})
