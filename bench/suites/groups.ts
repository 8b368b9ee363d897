/**
 * Groups suite (issue #20): time for one message to reach every member of a group (p50/p95 over
 * ROUNDS messages; sessions already set up by a first message), next to pairwise fan-out of the
 * same text (one 1:1 message per member, sent concurrently) in the same run. Group sizes from
 * PARLEY_BENCH_GROUP_SIZES (members besides the author; default 50,200 — every member is an
 * in-process messenger with its own LevelDB and libp2p node, so 200 needs several GB of memory).
 *
 * Bytes: what the author's libp2p streams carried per message (p50 over the rounds; application
 * bytes as written to each stream — the envelope frames — without Noise and yamux framing, which
 * add about 30 bytes per frame), and the relay's stored bytes per message (its storage gauge)
 * for a message sent while OFFLINE members are stopped, each next to pairwise fan-out of the
 * same text to the same members.
 */
import { join } from 'node:path'
import type { Connection, Stream } from '@libp2p/interface'
import type { Relay } from '../../src/relay/index.js'
import type { NodeMessenger as Messenger } from '../../src/node/messenger.js'
import { tempDir } from '../../tests/helpers/network.js'
import { republishAll, startTestMessenger, startTestRelay } from '../../tests/messenger/helpers.js'
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
  let reached = 0
  await Promise.all(members.map(async (m) => { await m.next('message', { filter: (d) => d.message.text === text, signal: AbortSignal.timeout(300_000) }); reached++ }))
    .catch((err: unknown) => { throw new Error(`"${text}" reached ${reached} of ${members.length} members in 300 s`, { cause: err }) })
}

/** Members stopped for the relay-storage figure (their copies go to the relay). */
const OFFLINE = 10

/** Counts the bytes `m` writes to every stream it opens from now on (and on the connections it has). */
function countStreamBytes (m: Messenger): { bytes: () => number } {
  let total = 0
  const wrapped = new WeakSet<Connection>()
  const wrapStream = (stream: Stream): Stream => {
    const send = stream.send.bind(stream)
    stream.send = (data) => { total += data.byteLength; return send(data) }
    return stream
  }
  const wrap = (conn: Connection): void => {
    if (wrapped.has(conn)) return
    wrapped.add(conn)
    const newStream = conn.newStream.bind(conn)
    conn.newStream = async (...args) => wrapStream(await newStream(...args))
    for (const stream of conn.streams) wrapStream(stream)
  }
  const libp2p = m.node.libp2p
  for (const conn of libp2p.getConnections()) wrap(conn)
  libp2p.addEventListener('connection:open', (evt) => { wrap(evt.detail) })
  return { bytes: () => total }
}

/** Resolves once the relay holds `count` more envelopes than `before` (polled: the relay has no event for it). */
async function relayHolds (relay: Relay, before: number, count: number): Promise<void> {
  const deadline = Date.now() + 300_000
  while (relay.storage.gauges().totalEnvelopes < before + count) {
    if (Date.now() > deadline) throw new Error(`the relay holds ${relay.storage.gauges().totalEnvelopes - before} of ${count} deposits`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

async function measure (size: number): Promise<void> {
  const dir = await tempDir('parley-bench-groups-')
  const relay = await startTestRelay(join(dir.path, 'relay'))
  const relays = [relay.multiaddrs[0].toString()]
  const author = await startTestMessenger(dir.path, 'author', relays)
  const sent = countStreamBytes(author)
  const members: Messenger[] = []
  const stopped = new Set<Messenger>()
  try {
    for (let i = 0; i < size; i += 8) members.push(...await Promise.all(Array.from({ length: Math.min(8, size - i) }, async (_, j) => startTestMessenger(dir.path, `m${i + j}`, relays))))
    // records published while the network was small are not where lookups look once it is large
    if (size > 15) await republishAll([author, ...members])
    let got = 0
    const joined = Promise.all(members.map(async (m) => { await m.next('group-updated', { filter: (d) => d.group.members.length === size + 1, signal: AbortSignal.timeout(300_000) }); got++ }))
      .catch((err: unknown) => { throw new Error(`the group reached ${got} of ${size} members in 300 s`, { cause: err }) })
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
    const groupBytes: number[] = []
    const pairBytes: number[] = []
    for (let r = 0; r < ROUNDS; r++) {
      let text = `group ${r}`
      let arrived = reachedAll(members, text)
      let bytes = sent.bytes()
      let start = performance.now()
      await author.sendText(group.id, text)
      await arrived
      groupTimes.push(performance.now() - start)
      groupBytes.push(sent.bytes() - bytes)
      text = `pairwise ${r}`
      arrived = reachedAll(members, text)
      bytes = sent.bytes()
      start = performance.now()
      await Promise.all(chats.map(async (c) => author.sendText(c.id, text)))
      await arrived
      pairTimes.push(performance.now() - start)
      pairBytes.push(sent.bytes() - bytes)
    }
    for (const [name, times] of [['group message', groupTimes], ['pairwise fan-out', pairTimes]] as const) {
      record({ suite: SUITE, name: `${name} → all ${size} members, p50`, value: percentile(times, 0.5), unit: 'ms' })
      record({ suite: SUITE, name: `${name} → all ${size} members, p95`, value: percentile(times, 0.95), unit: 'ms' })
    }
    record({ suite: SUITE, name: `group message, bytes the author sent (${size} members), p50`, value: percentile(groupBytes, 0.5), unit: 'bytes' })
    record({ suite: SUITE, name: `pairwise fan-out, bytes the author sent (${size} members), p50`, value: percentile(pairBytes, 0.5), unit: 'bytes' })

    // relay storage: OFFLINE members stopped, one group message and one pairwise fan-out to them
    const offline = members.slice(0, Math.min(OFFLINE, size))
    for (const m of offline) { await m.stop(); stopped.add(m) }
    for (const [name, send] of [
      ['group message', async () => { await author.sendText(group.id, 'while offline') }],
      ['pairwise fan-out', async () => { await Promise.all(chats.slice(0, offline.length).map(async (c) => author.sendText(c.id, 'while offline'))) }]
    ] as const) {
      const before = relay.storage.gauges()
      await send()
      await relayHolds(relay, before.totalEnvelopes, offline.length)
      const stored = relay.storage.gauges().totalBytes - before.totalBytes
      record({ suite: SUITE, name: `${name}, relay storage for ${offline.length} offline members`, value: stored, unit: 'bytes' })
    }
  } finally {
    for (const m of [author, ...members]) if (!stopped.has(m)) await m.stop()
    await relay.stop()
    await dir.cleanup()
  }
}

export async function run (): Promise<void> {
  for (const size of SIZES) await measure(size)
}
