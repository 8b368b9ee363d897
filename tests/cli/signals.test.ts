import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../helpers/network.js'
import { spawnCli } from '../daemon/helpers.js'

/**
 * A supervisor (systemd, a script, a test) that reads the relay's first address and at once sends
 * SIGTERM must get a graceful stop and exit code 0: the handlers are installed before anything is
 * printed. Before that fix about half of these runs died by the signal (exit code null).
 */
describe('signals right after start', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  beforeAll(async () => { dir = await tempDir('parley-signals-') })
  afterAll(async () => { await dir.cleanup() })

  it('parley relay stopped by SIGTERM the moment it prints its address exits 0, every time', async () => {
    const runs = await Promise.all(Array.from({ length: 6 }, async (_, i) => {
      const relay = spawnCli(['--home', join(dir.path, `relay-${i}`), 'relay', '--listen', '/ip4/127.0.0.1/tcp/0', '--no-metrics', '--log-level', 'warn'])
      await relay.line(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\//)
      return await relay.stop(10_000)
    }))
    expect(runs).toEqual([0, 0, 0, 0, 0, 0])
  })
})
