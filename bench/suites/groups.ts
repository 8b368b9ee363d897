/**
 * Groups suite (issue #20): time for one message to reach every member of a group (p50/p95 over
 * ROUNDS messages; sessions already set up by a first message), next to pairwise fan-out of the
 * same text (one 1:1 message per member, sent concurrently) in the same run. Group sizes from
 * PARLEY_BENCH_GROUP_SIZES (members besides the author; default 50,200 — every member is an
 * in-process messenger with its own LevelDB and libp2p node, so 200 needs several GB of memory).
 */
import { join } from 'node:path'
import type { NodeMessenger as Messenger } from '../../src/node/messenger.js'
import { tempDir } from '../../tests/helpers/network.js'
import { startTestMessenger, startTestRelay } from '../../tests/messenger/helpers.js'
import { record } from '../results.js'

const SUITE = 'groups'
const ROUNDS = 10
const SIZES = (process.env.PARLEY_BENCH_GROUP_SIZES ?? '50,200').split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0)

function percentile (values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]
}

/** Resolves when every one of `members` got a message with `text`. */
async function reachedAll (members: Messenger[], text: string): Promise<void> {
  await Promise.all(members.map(async (m) => m.next('message', { filter: (d) => d.message.text === text, signal: AbortSignal.timeout(300_000) })))
}

async function measure (size: number): Promise<void> {
  const dir = await tempDir('parley-bench-groups-')
  const relay = await startTestRelay(join(dir.path, 'relay'))
  const relays = [relay.multiaddrs[0].toString()]
  const author = await startTestMessenger(dir.path, 'author', relays)
  const members: Messenger[] = []
  try {
    for (let i = 0; i < size; i += 8) members.push(...await Promise.all(Array.from({ length: Math.min(8, size - i) }, async (_, j) => startTestMessenger(dir.path, `m${i + j}`, relays))))
    const joined = Promise.all(members.map(async (m) => m.next('group-updated', { filter: (d) => d.group.members.length === size + 1, signal: AbortSignal.timeout(300_000) })))
    const group = await author.createGroup(`bench ${size}`, members.map((m) => m.address))
    await joined
    // warm-up: sessions and sender keys in place
    const warm = reachedAll(members, 'group warm-up')
    await author.sendText(group.id, 'group warm-up')
    await warm
    const chats = await Promise.all(members.map(async (m) => author.conversationWith(m.address)))
    const pairWarm = reachedAll(members, 'pairwise warm-up')
    await Promise.all(chats.map(async (c) => author.sendText(c.id, 'pairwise warm-up')))
    await pairWarm
    const groupTimes: number[] = []
    const pairTimes: number[] = []
    for (let r = 0; r < ROUNDS; r++) {
      let text = `group ${r}`
      let arrived = reachedAll(members, text)
      let start = performance.now()
      await author.sendText(group.id, text)
      await arrived
      groupTimes.push(performance.now() - start)
      text = `pairwise ${r}`
      arrived = reachedAll(members, text)
      start = performance.now()
      await Promise.all(chats.map(async (c) => author.sendText(c.id, text)))
      await arrived
      pairTimes.push(performance.now() - start)
    }
    for (const [name, times] of [['group message', groupTimes], ['pairwise fan-out', pairTimes]] as const) {
      record({ suite: SUITE, name: `${name} → all ${size} members, p50`, value: percentile(times, 0.5), unit: 'ms' })
      record({ suite: SUITE, name: `${name} → all ${size} members, p95`, value: percentile(times, 0.95), unit: 'ms' })
    }
  } finally {
    for (const m of [author, ...members]) await m.stop()
    await relay.stop()
    await dir.cleanup()
  }
}

export async function run (): Promise<void> {
  for (const size of SIZES) await measure(size)
}
