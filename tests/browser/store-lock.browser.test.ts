import { describe, expect, it } from 'vitest'
import { acquireStoreLock, storeLockName } from '../../src/browser/store-lock.js'
import { StoreLockedError } from '../../src/browser/errors.js'

describe('store tab lock (Web Locks)', () => {
  it('refuses a second holder with ERR_STORE_LOCKED, then hands over on release', async () => {
    const name = `lock-${crypto.randomUUID()}`
    const first = await acquireStoreLock(name)
    const refused = await acquireStoreLock(name).then(() => 'acquired', (err: unknown) => err)
    expect(refused).toBeInstanceOf(StoreLockedError)
    expect((refused as StoreLockedError).code).toBe('ERR_STORE_LOCKED')

    const waiting = acquireStoreLock(name, { wait: true })
    first.release()
    first.release() // idempotent
    const second = await waiting
    expect(second.name).toBe(storeLockName(name))
    const state = await navigator.locks.query()
    expect(state.held?.filter((l) => l.name === storeLockName(name))).toHaveLength(1)
    second.release()
  })

  it('keeps stores of different names independent', async () => {
    const a = await acquireStoreLock(`a-${crypto.randomUUID()}`)
    const b = await acquireStoreLock(`b-${crypto.randomUUID()}`)
    a.release()
    b.release()
  })

  it('gives up waiting when the signal aborts', async () => {
    const name = `abort-${crypto.randomUUID()}`
    const held = await acquireStoreLock(name)
    const controller = new AbortController()
    const waiting = acquireStoreLock(name, { wait: true, signal: controller.signal })
    controller.abort(new Error('user left'))
    await expect(waiting).rejects.toThrow('user left')
    held.release()
  })
})
