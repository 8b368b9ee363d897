/**
 * Messenger suite: end-to-end texts (encrypt, store, outbox, deliver, decrypt, store, receipt)
 * directly between two devices, one at a time and pipelined (1,000 sends in flight at once),
 * and the time from a device coming online to its 1,000 queued messages (held at its relay)
 * all decrypted and stored.
 */
import { join } from 'node:path'
import type { Messenger } from '../../src/messenger/messenger.js'
import { tempDir } from '../../tests/helpers/network.js'
import { startTestMessenger, startTestRelay } from '../../tests/messenger/helpers.js'
import { record } from '../results.js'

const SUITE = 'messenger'

async function countIncoming (m: Messenger, peer: string): Promise<number> {
  const conversation = await m.conversationWith(peer)
  let n = 0
  let cursor: string | undefined
  do {
    const page = await m.messages(conversation.id, { limit: 500, cursor })
    n += page.items.filter((x) => x.direction === 'in').length
    cursor = page.cursor
  } while (cursor != null)
  return n
}

async function until (check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

export async function run (): Promise<void> {
  const dir = await tempDir('parley-bench-msg-')
  const relay = await startTestRelay(join(dir.path, 'relay'))
  const relays = [relay.multiaddrs[0].toString()]
  const alice = await startTestMessenger(dir.path, 'alice', relays)
  let bob = await startTestMessenger(dir.path, 'bob', relays)
  try {
    const chat = await alice.conversationWith(bob.address)
    // direct: 500 texts, until bob has stored them all
    const direct = 500
    let received = 0
    let done!: () => void
    const all = new Promise<void>((resolve) => { done = resolve })
    bob.addEventListener('message', () => { if (++received === direct) done() })
    const start = performance.now()
    for (let i = 0; i < direct; i++) await alice.sendText(chat.id, `direct ${i} ${'x'.repeat(200)}`)
    await all
    record({ suite: SUITE, name: 'texts end to end, direct (encrypt+store+deliver+decrypt+store)', value: direct / ((performance.now() - start) / 1000), unit: 'msg/s' })

    // offline: 1,000 queued at the relay, then bob comes online
    await bob.stop()
    const queued = 1000
    for (let i = 0; i < queued; i++) await alice.sendText(chat.id, `queued ${i}`)
    await until(async () => (await alice.status()).outbox === 0, 120_000)
    const before = direct
    const online = performance.now()
    bob = await startTestMessenger(dir.path, 'bob', relays)
    await until(async () => (await countIncoming(bob, alice.address)) >= before + queued, 120_000)
    record({ suite: SUITE, name: 'device online → 1,000 queued messages stored (start, drain, decrypt)', value: performance.now() - online, unit: 'ms' })

    // pipelined: 1,000 texts sent at once (every sendText in flight together), until bob has them
    // all (after the drain, so that the drain's figure polls the same conversation as before)
    const pipelined = 1000
    let got = 0
    let allPipelined!: () => void
    const pipelinedDone = new Promise<void>((resolve) => { allPipelined = resolve })
    bob.addEventListener('message', () => { if (++got === pipelined) allPipelined() })
    const pipelinedStart = performance.now()
    await Promise.all(Array.from({ length: pipelined }, async (_, i) => alice.sendText(chat.id, `pipelined ${i} ${'x'.repeat(200)}`)))
    await pipelinedDone
    record({ suite: SUITE, name: 'texts end to end, direct, pipelined', value: pipelined / ((performance.now() - pipelinedStart) / 1000), unit: 'msg/s' })
  } finally {
    await alice.stop()
    await bob.stop()
    await relay.stop()
    await dir.cleanup()
  }
  void alice
}
