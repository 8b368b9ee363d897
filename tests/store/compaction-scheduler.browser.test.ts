/**
 * The browser build's compaction scheduler (`compaction-scheduler.browser.ts`) is inert, which is
 * right only while IndexedDB cannot compact key ranges: checked against a real browser-level
 * database, and a backend that could compact is refused rather than left with its old values.
 */
import { Level } from 'level'
import { describe, expect, it } from 'vitest'
import { defaultLogger } from '@libp2p/logger'
import { CompactionScheduler } from '../../src/store/compaction-scheduler.browser.js'
import { LevelKv } from '../../src/store/level-backend.js'
import { MemoryKv } from '../../src/store/memory-backend.js'
import { IDB_PREFIX, destroyStore } from '../../src/store/open-level.browser.js'

const log = defaultLogger().forComponent('test:compaction')
const exclusive = async (fn: () => Promise<void>): Promise<void> => { await fn() }

describe('the browser build of the compaction scheduler', () => {
  it('has nothing to do on IndexedDB, which cannot compact key ranges', async () => {
    const db = `compaction-${Date.now()}`
    const level = new Level<Uint8Array, Uint8Array>(db, { keyEncoding: 'view', valueEncoding: 'view', prefix: IDB_PREFIX })
    await level.open()
    const kv = new LevelKv(level)
    try {
      expect(kv.canCompactRange).toBe(false)
      const scheduler = new CompactionScheduler(kv, exclusive, log)
      scheduler.mark([Uint8Array.of(1, 2, 3)])
      expect(scheduler.idle).toBe(true)
      await scheduler.runNow()
      await expect(scheduler.runNow({ signal: AbortSignal.abort() })).rejects.toThrow()
      await scheduler.stop()
    } finally {
      await kv.close()
      await destroyStore(db)
    }
  })

  it('refuses a backend that can compact (its deleted values would stay in its files)', () => {
    const compacting = Object.assign(new MemoryKv(), { canCompactRange: true })
    expect(() => new CompactionScheduler(compacting, exclusive, log)).toThrow(expect.objectContaining({ code: 'ERR_STORE_UNSUPPORTED' }))
    expect(() => new CompactionScheduler(new MemoryKv(), exclusive, log)).not.toThrow()
  })
})
