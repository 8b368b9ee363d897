import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { HeldIdFilter } from '../../src/relay/held-id-filter.js'

const key = (): string => `i!${randomBytes(32).toString('hex')}!${randomBytes(16).toString('hex')}`

describe('held-id Bloom filter', () => {
  it('never forgets a key it was given, and at capacity rarely claims one it was not', () => {
    const filter = new HeldIdFilter(2 ** 17)
    const added = Array.from({ length: filter.capacity }, key)
    for (const k of added) filter.add(k)
    expect(added.every((k) => filter.mightHold(k))).toBe(true)
    const others = Array.from({ length: 20_000 }, key)
    const falsePositives = others.filter((k) => filter.mightHold(k)).length / others.length
    // 10 bits per key and 7 hashes: ≈0.8 % in theory
    expect(falsePositives).toBeLessThan(0.02)
    expect(filter.added).toBe(added.length)
  })

  it('an empty filter holds nothing; a union holds both sides', () => {
    const a = new HeldIdFilter(1024)
    const b = new HeldIdFilter(1024)
    const ka = key()
    const kb = key()
    expect(a.mightHold(ka)).toBe(false)
    a.add(ka)
    b.add(kb)
    const both = HeldIdFilter.union(a, b)
    expect(both.mightHold(ka) && both.mightHold(kb)).toBe(true)
    expect(both.added).toBe(2)
    expect(() => HeldIdFilter.union(a, new HeldIdFilter(2048))).toThrow(RangeError)
  })

  it('is sized from the storage cap within bounds, in powers of two', () => {
    expect(HeldIdFilter.bitsFor(0)).toBe(2 ** 20)
    expect(HeldIdFilter.bitsFor(10 * 2 ** 30)).toBe(2 ** 26)
    expect(HeldIdFilter.bitsFor(2 ** 30)).toBe(2 ** 23)
    expect(() => new HeldIdFilter(1000)).toThrow(RangeError)
  })
})
