/**
 * The node suite's raw libp2p stream reference (bench/suites/node.ts) on two real nodes on
 * 127.0.0.1, with a handful of frames: it closes its stream at both ends after each run, and when
 * the connection is aborted under it (as libp2p's connection monitor does after a failed ping)
 * it fails at once with the reason instead of waiting for frames that never come.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rawThroughput, RAW_PROTOCOL } from '../../bench/suites/node.js'
import type { ParleyNode } from '../../src/node/parley-node.js'
import { startTestNode, tempDir } from '../helpers/network.js'

let dir: Awaited<ReturnType<typeof tempDir>>
let receiver: ParleyNode
let sender: ParleyNode
const frames = Array.from({ length: 200 }, () => new Uint8Array(1024).fill(7))
const rawStreams = (node: ParleyNode): number => node.libp2p.getConnections().flatMap((c) => c.streams).filter((s) => s.protocol === RAW_PROTOCOL).length

beforeAll(async () => {
  dir = await tempDir('parley-bench-node-')
  receiver = await startTestNode(join(dir.path, 'r'))
  sender = await startTestNode(join(dir.path, 's'), { bootstrap: [receiver.multiaddrs[0].toString()] })
})
afterAll(async () => {
  await sender?.stop()
  await receiver?.stop()
  await dir?.cleanup()
})

describe('node suite: raw stream reference', () => {
  it('measures, and leaves no half-open stream behind at either end', async () => {
    for (let i = 0; i < 2; i++) expect(await rawThroughput(sender, receiver, frames, AbortSignal.timeout(20_000))).toBeGreaterThan(0)
    expect(rawStreams(sender)).toBe(0)
    expect(rawStreams(receiver)).toBe(0)
  })

  it('fails at once with the reason when the connection is aborted mid-run', async () => {
    // few enough frames that every write is buffered at once: the run is waiting for the
    // receiver's last frame when the connection goes, as in the run that hung
    const reason = new Error('Too many outbound protocol streams for protocol "/ipfs/ping/1.0.0" - 2/1')
    // the receiver's side aborts the connection mid-run, as its connection monitor would
    const started = performance.now()
    const run = rawThroughput(sender, receiver, frames.slice(0, 50), AbortSignal.timeout(30_000))
    // once the sender's stream is open its 50 writes are buffered (they never wait for a drain)
    const abortSoon = setInterval(() => {
      if (rawStreams(sender) === 0) return
      clearInterval(abortSoon)
      for (const conn of receiver.libp2p.getConnections()) conn.abort(reason)
    }, 1)
    await expect(run).rejects.toThrow(/Too many outbound protocol streams|reset|closed/i)
    clearInterval(abortSoon)
    expect(performance.now() - started).toBeLessThan(10_000)
  })
})
