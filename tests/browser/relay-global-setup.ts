/**
 * globalSetup of vitest's browser project: a relay on 127.0.0.1 (WebSockets) for the browser
 * tests that run the Messenger, handed to them as `inject('relayWs')`.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'
import { startRelay } from '../../src/relay/relay.js'

declare module 'vitest' {
  export interface ProvidedContext {
    relayWs: string
  }
}

export default async function setup (project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'parley-browser-relay-'))
  const relay = await startRelay({
    dataDir: dir,
    listen: ['/ip4/127.0.0.1/tcp/0/ws'],
    manyPeersPerAddress: true,
    metrics: { enabled: false },
    provide: { enabled: false },
    log: { level: 'warn' }
  })
  const ws = relay.multiaddrs.map(String).find((a) => a.includes('/ws'))
  if (ws == null) throw new Error('relay has no WebSockets address')
  project.provide('relayWs', ws)
  return async () => {
    await relay.stop()
    await rm(dir, { recursive: true, force: true })
  }
}
