/**
 * Account self-destruct in headless Chromium: a tab that comes back after its account's
 * inactivity period wipes its IndexedDB store (the same rule as the Node test in
 * account-lifecycle.test.ts, against the browser store).
 */
import { describe, expect, inject, it } from 'vitest'
import { createParley, destroyStore, type CreateParleyOptions } from '../../src/browser/index.js'

const DAY = 24 * 3600 * 1000

describe('account self-destruct in the browser', () => {
  const tag = Math.random().toString(36).slice(2)
  const options = (name: string, later = 0): CreateParleyOptions => ({
    relays: [inject('relayWs')],
    storage: { name: `${name}-${tag}` },
    allowPrivateAddresses: true,
    messenger: { now: () => Date.now() + later }
  })
  const databasesOf = async (name: string): Promise<string[]> =>
    (await indexedDB.databases()).map((d) => d.name ?? '').filter((n) => n.includes(`${name}-${tag}`))

  it('a tab that comes back after its inactivity period wipes its IndexedDB store', async () => {
    const first = await createParley(options('sleepy'))
    await first.setInactivityPeriod(30)
    const address = first.address
    await first.stop()
    expect((await databasesOf('sleepy')).length).toBeGreaterThan(0)

    await expect(createParley(options('sleepy', 31 * DAY))).rejects.toMatchObject({ code: 'ERR_ACCOUNT_EXPIRED' })
    expect(await databasesOf('sleepy')).toEqual([])
    // the same storage name now starts a new account
    const fresh = await createParley(options('sleepy'))
    expect(fresh.address).not.toBe(address)
    await fresh.stop()
    await destroyStore(fresh.storageName)
  }, 60_000)

  it('inside its period the same tab starts normally, with the same account', async () => {
    const first = await createParley(options('awake'))
    await first.setInactivityPeriod(30)
    const address = first.address
    await first.stop()
    const later = await createParley(options('awake', 29 * DAY))
    expect(later.address).toBe(address)
    await later.stop()
    await destroyStore(later.storageName)
  }, 60_000)
})
