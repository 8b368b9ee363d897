import { afterEach, describe, expect, it, vi } from 'vitest'
import { RECORD_HINT_INTERVAL_MS, RECORD_HINT_MEMORY } from '../../../src/messenger/constants.js'
import type { MessengerContext } from '../../../src/messenger/context.js'
import type { AccountResolver } from '../../../src/messenger/directory/account-resolver.js'
import { RecordHints } from '../../../src/messenger/directory/record-hints.js'

/** A context whose clock the test moves, and a resolver that counts the fresh lookups asked of it. */
function setup (): { hints: RecordHints, lookups: string[], advance: (ms: number) => Promise<void>, stop: () => void } {
  let now = 1_000_000
  const shutdown = new AbortController()
  const ctx = {
    address: 'me',
    running: true,
    get shutdown () { return shutdown.signal },
    now: () => now,
    log: () => Object.assign(() => {}, { error: () => {}, trace: () => {} })
  } as unknown as MessengerContext
  const lookups: string[] = []
  const resolver = { resolve: async (address: string, options: { fresh?: boolean }) => { if (options.fresh === true) lookups.push(address); return {} } } as unknown as AccountResolver
  return {
    hints: new RecordHints(ctx, resolver),
    lookups,
    advance: async (ms) => { now += ms; await vi.advanceTimersByTimeAsync(ms) },
    stop: () => { shutdown.abort() }
  }
}

describe('record hints (sender_record_seq): a newer record is looked up, a hostile sender stays bounded', () => {
  afterEach(() => { vi.useRealTimers() })

  it('looks a sender up again when its content names a newer record, never for an equal or older one or for this account', async () => {
    vi.useFakeTimers()
    const { hints, lookups } = setup()
    hints.note('bob', 5n, 5n)
    hints.note('bob', 4n, 5n)
    hints.note('me', 9n, 5n)
    expect(lookups).toEqual([])
    hints.note('bob', 6n, 5n)
    expect(lookups).toEqual(['bob'])
  })

  it('a sender claiming ever higher sequences costs one lookup per interval; a hint inside it is looked up once at its end', async () => {
    vi.useFakeTimers()
    const { hints, lookups, advance } = setup()
    for (let i = 0; i < 1000; i++) hints.note('mallory', BigInt(10 + i), 1n)
    expect(lookups).toEqual(['mallory'])
    await advance(RECORD_HINT_INTERVAL_MS - 1)
    expect(lookups).toHaveLength(1)
    await advance(1)
    expect(lookups).toEqual(['mallory', 'mallory'])
    // other senders are not held back by mallory
    hints.note('bob', 2n, 1n)
    expect(lookups.filter((l) => l === 'bob')).toHaveLength(1)
  })

  it('remembers a bounded number of senders, and a stopped messenger schedules nothing more', async () => {
    vi.useFakeTimers()
    const { hints, lookups, advance, stop } = setup()
    for (let i = 0; i < RECORD_HINT_MEMORY + 10; i++) hints.note(`s${i}`, 2n, 1n)
    expect(hints['state'].size).toBe(RECORD_HINT_MEMORY)
    hints.note('s2000', 3n, 1n)
    hints.note('s2000', 4n, 1n) // inside the interval: one lookup kept for its end
    stop()
    await advance(RECORD_HINT_INTERVAL_MS)
    expect(lookups.filter((l) => l === 's2000')).toHaveLength(1)
  })
})
