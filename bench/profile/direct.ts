/**
 * Profiles the messenger suite's direct texts alone: alice sends N texts to bob (both online,
 * one process with their relay, as in the suite), one at a time (each `sendText` awaited before
 * the next, as in the suite) or pipelined (all N `sendText` calls started at once), until bob
 * has received all N. Prints the rate and the CPU time of the process in that window; with
 * PARLEY_PROFILE_OUT set, a CPU profile (.cpuprofile, node:inspector) of exactly that window.
 *
 *   PARLEY_DIRECT_N=300 PARLEY_DIRECT_MODE=serial PARLEY_PROFILE_OUT=/tmp/direct.cpuprofile npx tsx bench/profile/direct.ts
 *   npx tsx bench/profile/summarise.ts /tmp/direct.cpuprofile
 *
 * PARLEY_DIRECT_MODE: `serial` (default) or `pipelined`.
 */
import { writeFile } from 'node:fs/promises'
import { Session } from 'node:inspector/promises'
import { join } from 'node:path'
import { tempDir } from '../../tests/helpers/network.js'
import { startTestMessenger, startTestRelay } from '../../tests/messenger/helpers.js'

const n = Number(process.env.PARLEY_DIRECT_N ?? 300)
const mode = process.env.PARLEY_DIRECT_MODE ?? 'serial'
const out = process.env.PARLEY_PROFILE_OUT

const dir = await tempDir('parley-profile-direct-')
const relay = await startTestRelay(join(dir.path, 'relay'))
const relays = [relay.multiaddrs[0].toString()]
const alice = await startTestMessenger(dir.path, 'alice', relays)
const bob = await startTestMessenger(dir.path, 'bob', relays)
const session = new Session()
try {
  const chat = await alice.conversationWith(bob.address)
  // one text first, so that the session exists and the connection is up
  const first = new Promise<void>((resolve) => { bob.addEventListener('message', () => { resolve() }, { once: true }) })
  await alice.sendText(chat.id, 'hello')
  await first
  let received = 0
  const all = new Promise<void>((resolve) => { bob.addEventListener('message', () => { if (++received === n) resolve() }) })
  if (out != null) {
    session.connect()
    await session.post('Profiler.enable')
    await session.post('Profiler.setSamplingInterval', { interval: 500 })
    await session.post('Profiler.start')
  }
  const start = performance.now()
  const cpuAtStart = process.cpuUsage()
  if (mode === 'pipelined') {
    await Promise.all(Array.from({ length: n }, async (_, i) => alice.sendText(chat.id, `direct ${i} ${'x'.repeat(200)}`)))
  } else {
    for (let i = 0; i < n; i++) await alice.sendText(chat.id, `direct ${i} ${'x'.repeat(200)}`)
  }
  await all
  const ms = performance.now() - start
  const cpu = process.cpuUsage(cpuAtStart)
  if (out != null) {
    const { profile } = await session.post('Profiler.stop')
    await writeFile(out, JSON.stringify(profile))
  }
  console.log(`direct texts (${mode}), ${n}: ${(n / (ms / 1000)).toFixed(0)} msg/s, ${ms.toFixed(0)} ms, CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms`)
} finally {
  session.disconnect()
  await alice.stop()
  await bob.stop()
  await relay.stop()
  await dir.cleanup()
}
