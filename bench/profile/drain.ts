/**
 * Profiles the messenger suite's drain figure alone: alice queues N texts at the relay while bob
 * is offline, then bob comes online; the time until all N are stored is printed and, with
 * PARLEY_PROFILE_OUT set, a CPU profile (.cpuprofile, node:inspector) of exactly that window is
 * written there. Everything runs in this one process (relay, alice, bob), as in the suite.
 *
 *   PARLEY_DRAIN_N=1000 PARLEY_PROFILE_OUT=/tmp/drain.cpuprofile npx tsx bench/profile/drain.ts
 *
 * PARLEY_DRAIN_POLL=0 waits for bob's `message` events instead of the suite's polling of the
 * conversation (the poll reads every stored message every 20 ms, which is part of the figure).
 */
import { writeFile } from 'node:fs/promises'
import { Session } from 'node:inspector/promises'
import { join } from 'node:path'
import type { Messenger } from '../../src/messenger/messenger.js'
import { tempDir } from '../../tests/helpers/network.js'
import { startTestMessenger, startTestRelay } from '../../tests/messenger/helpers.js'

const n = Number(process.env.PARLEY_DRAIN_N ?? 1000)
const out = process.env.PARLEY_PROFILE_OUT
const poll = process.env.PARLEY_DRAIN_POLL !== '0'

async function countIncoming (m: Messenger, peer: string): Promise<number> {
  const conversation = await m.conversationWith(peer)
  let count = 0
  let cursor: string | undefined
  do {
    const page = await m.messages(conversation.id, { limit: 500, cursor })
    count += page.items.filter((x) => x.direction === 'in').length
    cursor = page.cursor
  } while (cursor != null)
  return count
}

async function until (check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

const dir = await tempDir('parley-profile-drain-')
const relay = await startTestRelay(join(dir.path, 'relay'))
const relays = [relay.multiaddrs[0].toString()]
const alice = await startTestMessenger(dir.path, 'alice', relays)
let bob = await startTestMessenger(dir.path, 'bob', relays)
const session = new Session()
try {
  const chat = await alice.conversationWith(bob.address)
  // one direct text first, so that the session exists (as after the suite's direct part)
  const first = new Promise<void>((resolve) => { bob.addEventListener('message', () => { resolve() }, { once: true }) })
  await alice.sendText(chat.id, 'hello')
  await first
  await bob.stop()
  for (let i = 0; i < n; i++) await alice.sendText(chat.id, `queued ${i}`)
  await until(async () => (await alice.status()).outbox === 0, 300_000)
  if (out != null) {
    session.connect()
    await session.post('Profiler.enable')
    await session.post('Profiler.setSamplingInterval', { interval: 500 })
    await session.post('Profiler.start')
  }
  const online = performance.now()
  const cpuAtOnline = process.cpuUsage()
  let stored = 0
  let all: Promise<void> | undefined
  bob = await startTestMessenger(dir.path, 'bob', relays, {})
  const started = performance.now() - online
  if (poll) {
    await until(async () => (await countIncoming(bob, alice.address)) >= 1 + n, 300_000)
  } else {
    // events may have fired during start: count what is stored, then wait for the rest
    all = new Promise<void>((resolve) => {
      bob.addEventListener('message', () => { if (++stored >= n) resolve() })
    })
    stored = (await countIncoming(bob, alice.address)) - 1
    if (stored < n) await all
  }
  const ms = performance.now() - online
  const cpu = process.cpuUsage(cpuAtOnline)
  if (out != null) {
    const { profile } = await session.post('Profiler.stop')
    await writeFile(out, JSON.stringify(profile))
  }
  // CPU time of this process (relay, alice and bob, main thread and thread pool) in that window:
  // depends far less than the wall time on what else the machine is running
  const cpuMs = (cpu.user + cpu.system) / 1000
  console.log(`device online → ${n} queued messages stored: ${ms.toFixed(0)} ms, CPU ${cpuMs.toFixed(0)} ms (start() returned after ${started.toFixed(0)} ms)${poll ? '' : ' (events, no polling)'}`)
} finally {
  session.disconnect()
  await alice.stop()
  await bob.stop()
  await relay.stop()
  await dir.cleanup()
}
