/**
 * RegrowthWatch: a record published while the DHT routing table was small is published again
 * once the table has doubled and gained at least 8 servers; not when it was published in a
 * table of 20 or more; once per publish; never after stop().
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { RegrowthWatch } from '../../../src/device/publish-regrowth.js'

describe('RegrowthWatch', () => {
  beforeEach(() => { vi.useFakeTimers() })
  afterEach(() => { vi.useRealTimers() })

  const watch = (servers: { n: number }): { w: RegrowthWatch, calls: () => number } => {
    let calls = 0
    const w = new RegrowthWatch({ servers: () => servers.n, grown: () => { calls++ }, checkMs: 1000 })
    return { w, calls: () => calls }
  }

  it('published among 3 servers: nothing until 11 (twice and 8 more), then once', () => {
    const servers = { n: 3 }
    const { w, calls } = watch(servers)
    w.published()
    vi.advanceTimersByTime(10_000)
    expect(calls()).toBe(0)
    servers.n = 10 // twice as many, but only 7 more
    vi.advanceTimersByTime(5000)
    expect(calls()).toBe(0)
    servers.n = 11
    vi.advanceTimersByTime(1000)
    expect(calls()).toBe(1)
    servers.n = 100
    vi.advanceTimersByTime(60_000)
    expect(calls()).toBe(1)
    // the next publish watches again, from the table's size then
    w.published()
    servers.n = 150
    vi.advanceTimersByTime(60_000)
    expect(calls()).toBe(1)
  })

  it('published among 12 servers: 24 are needed (twice as many)', () => {
    const servers = { n: 12 }
    const { w, calls } = watch(servers)
    w.published()
    servers.n = 23
    vi.advanceTimersByTime(5000)
    expect(calls()).toBe(0)
    servers.n = 24
    vi.advanceTimersByTime(1000)
    expect(calls()).toBe(1)
  })

  it('published among 20 servers or more: no watch', () => {
    const servers = { n: 20 }
    const { w, calls } = watch(servers)
    w.published()
    servers.n = 1000
    vi.advanceTimersByTime(60_000)
    expect(calls()).toBe(0)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('stop() ends the watch', () => {
    const servers = { n: 1 }
    const { w, calls } = watch(servers)
    w.published()
    w.stop()
    servers.n = 50
    vi.advanceTimersByTime(60_000)
    expect(calls()).toBe(0)
    expect(vi.getTimerCount()).toBe(0)
  })
})
