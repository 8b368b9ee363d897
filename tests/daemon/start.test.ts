/**
 * Daemon start-up (issue #22): the store is opened while the network modules load, so the order
 * and the cleanup of that overlap are what these check — a running daemon is reported as such
 * (not as a locked store), a wrong passphrase leaves no store open, and a store handed over
 * with a link code is closed, not leaked.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { startDaemon, type Daemon } from '../../src/daemon/run-daemon.js'
import { openHomeStore } from '../../src/node/home-store.js'
import { openHomeMessenger } from '../../src/node/open-home-messenger.js'
import { LOOPBACK_LISTEN, PASSPHRASE, TEST_KDF, tempDir } from '../helpers/network.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c() })

async function home (): Promise<string> {
  const dir = await tempDir('parley-daemon-start-')
  cleanups.push(dir.cleanup)
  return dir.path
}

async function start (path: string, passphrase = PASSPHRASE): Promise<Daemon> {
  const daemon = await startDaemon({ home: path, passphrase, create: true, kdf: TEST_KDF, listen: LOOPBACK_LISTEN, testNetwork: true, ui: false, api: { port: 0 } })
  cleanups.push(async () => { await daemon.stop() })
  return daemon
}

describe('daemon start', () => {
  it('a second daemon on the same home fails with DaemonRunningError before touching the store; the first keeps answering', async () => {
    const path = await home()
    const first = await start(path)
    await expect(start(path)).rejects.toMatchObject({ code: 'ERR_DAEMON_RUNNING' })
    const status = await fetch(`${first.api.url}/v1/status`)
    expect(status.status).toBeLessThan(500)
    // the first daemon's store is still usable (nobody closed it under it)
    expect(await first.messenger.listContacts()).toEqual([])
  })

  it('a wrong passphrase fails with WrongPassphraseError and leaves the store closed (the right one then starts)', async () => {
    const path = await home()
    const first = await start(path)
    const address = first.messenger.address
    await first.stop()
    await expect(start(path, 'not the passphrase')).rejects.toMatchObject({ code: 'ERR_WRONG_PASSPHRASE' })
    const again = await start(path)
    expect(again.messenger.address).toBe(address)
    expect(again.created).toBe(false)
  })

  it('openHomeMessenger refuses a store together with a link code, and closes that store', async () => {
    const path = await home()
    const store = await openHomeStore({ home: path, passphrase: PASSPHRASE, create: true, kdf: TEST_KDF })
    await expect(openHomeMessenger({ home: path, passphrase: PASSPHRASE, kdf: TEST_KDF, store, linkCode: 'parley-link:anything' })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' })
    // closed: the LevelDB lock is free again
    const reopened = await openHomeStore({ home: path, passphrase: PASSPHRASE, kdf: TEST_KDF })
    await reopened.close()
  })
})
