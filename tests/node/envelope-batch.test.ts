/**
 * Envelope frames that arrive together on one stream are handed to the handler together
 * (issue #22: the messenger stores them in one transaction), acks in order, with a bound on
 * how many, a repeated id handed over only after its first copy, and nothing after a frame
 * that breaks the framing. Real libp2p nodes on 127.0.0.1.
 */
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import type { Stream } from '@libp2p/interface'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_ENVELOPE_MAX_HANDED_TOGETHER } from '../../src/net/constants.js'
import { ENVELOPE_PROTOCOL, Envelope } from '../../src/net/envelope-codec.js'
import { encodeFrame, FrameReader } from '../../src/net/stream/frame-reader.js'
import type { ParleyNode } from '../../src/node/parley-node.js'
import { Ack } from '../../src/wire/parley.js'
import { startTestNode, tempDir, waitFor } from '../helpers/network.js'

describe('envelope frames read together are handed over together (issue #22)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let target: ParleyNode
  let sender: ParleyNode

  beforeAll(async () => {
    dir = await tempDir()
    target = await startTestNode(join(dir.path, 't'))
    sender = await startTestNode(join(dir.path, 's'))
  })

  afterAll(async () => {
    target?.setEnvelopeHandler(undefined)
    await Promise.allSettled([target?.stop(), sender?.stop()])
    await dir?.cleanup()
  })

  function frame (id: Uint8Array): Uint8Array {
    return encodeFrame(Envelope.encode({ version: 1, id, recipientDevice: target.deviceKey, payload: new Uint8Array([1]), createdAt: 0n, expiresAt: 0n, flags: 0 }))
  }

  /** Writes `frames` in one send on a new stream and reads `acks` acks (null once the stream ended). */
  async function exchange (frames: Uint8Array[], acks: number): Promise<{ acks: Array<Ack | null>, stream: Stream }> {
    const stream = await sender.libp2p.dialProtocol(target.multiaddrs[0], ENVELOPE_PROTOCOL, { signal: AbortSignal.timeout(10_000) })
    const reader = new FrameReader(stream, { maxFrameBytes: 512 })
    stream.send(Buffer.concat(frames))
    const out: Array<Ack | null> = []
    for (let i = 0; i < acks; i++) {
      const bytes = await reader.next({ signal: AbortSignal.timeout(30_000) }).catch(() => null)
      out.push(bytes == null ? null : Ack.decode(bytes))
    }
    return { acks: out, stream }
  }

  /** A handler whose calls all wait until `release()`; `started` lists the ids handed over, in order. */
  function heldHandler (): { started: string[], release: () => void } {
    const started: string[] = []
    let release!: () => void
    const released = new Promise<void>((resolve) => { release = resolve })
    target.setEnvelopeHandler(async ({ envelope }) => {
      started.push(Buffer.from(envelope.id).toString('hex'))
      await released
    })
    return { started, release }
  }

  it('ten frames written together: all ten handed over before the first resolves, acked in order; a repeated id waits for its first copy and is a DUPLICATE', async () => {
    const ids = Array.from({ length: 10 }, () => randomBytes(16))
    ids[7] = ids[2]
    const { started, release } = heldHandler()
    const done = exchange(ids.map(frame), 10)
    // one at a time, the second would never start while the first is held
    await waitFor(() => started.length === 9, 30_000, 'nine distinct envelopes handed over together')
    expect(started).toEqual(ids.filter((_, i) => i !== 7).map((id) => id.toString('hex')))
    release()
    const { acks, stream } = await done
    expect(acks.map((a) => Buffer.from(a!.id).toString('hex'))).toEqual(ids.map((id) => id.toString('hex')))
    expect(acks.map((a) => a!.status)).toEqual(ids.map((_, i) => i === 7 ? 'DUPLICATE' : 'OK'))
    // the repeated id was never handed over a second time
    expect(started).toHaveLength(9)
    await stream.close()
  })

  it('a frame that breaks the framing ends the batch: the frames before it are handed over and acked, none after it', async () => {
    const ids = Array.from({ length: 6 }, () => randomBytes(16))
    const frames = ids.map(frame)
    frames[3] = encodeFrame(randomBytes(40)) // not an envelope: fatal
    const { started, release } = heldHandler()
    release()
    const { acks } = await exchange(frames, 5)
    expect(acks.slice(0, 3).map((a) => a!.status)).toEqual(['OK', 'OK', 'OK'])
    expect(acks[3]!.status).toBe('REJECTED')
    expect(acks[4]).toBeNull() // the stream was closed after the refusal
    expect(started).toEqual(ids.slice(0, 3).map((id) => id.toString('hex')))
    await waitFor(() => target.libp2p.services.envelopes.openStreams(sender.peerId) === 0, 10_000, 'stream freed')
  })

  it(`at most ${DEFAULT_ENVELOPE_MAX_HANDED_TOGETHER} envelopes of a stream are handed over at once, however many arrived`, async () => {
    const n = DEFAULT_ENVELOPE_MAX_HANDED_TOGETHER + 6
    const ids = Array.from({ length: n }, () => randomBytes(16))
    const { started, release } = heldHandler()
    const done = exchange(ids.map(frame), n)
    await waitFor(() => started.length >= DEFAULT_ENVELOPE_MAX_HANDED_TOGETHER, 30_000, 'the first batch handed over')
    // the rest waits for the first batch's answers, which are held
    expect(started).toHaveLength(DEFAULT_ENVELOPE_MAX_HANDED_TOGETHER)
    release()
    const { acks, stream } = await done
    expect(acks.map((a) => a!.status)).toEqual(ids.map(() => 'OK'))
    expect(acks.map((a) => Buffer.from(a!.id).toString('hex'))).toEqual(ids.map((id) => id.toString('hex')))
    expect(started).toHaveLength(n)
    await stream.close()
  })
})
