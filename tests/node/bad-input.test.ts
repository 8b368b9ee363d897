import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import type { Stream } from '@libp2p/interface'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ENVELOPE_PROTOCOL, Envelope } from '../../src/net/envelope-codec.js'
import { encodeFrame, FrameReader } from '../../src/net/stream/frame-reader.js'
import type { ParleyNode } from '../../src/node/parley-node.js'
import { Ack } from '../../src/wire/parley.js'
import { startTestNode, tempDir, waitFor } from '../helpers/network.js'

/** Opens a raw /parley/msg stream from `from` to `to`. */
async function rawStream (from: ParleyNode, to: ParleyNode): Promise<Stream> {
  return from.libp2p.dialProtocol(to.multiaddrs[0], ENVELOPE_PROTOCOL, { signal: AbortSignal.timeout(5000) })
}

/** Reads the first ack frame the target sends back, or null when it closed without one. */
async function firstAck (stream: Stream): Promise<Ack | null> {
  const reader = new FrameReader(stream, { maxFrameBytes: 512 })
  try {
    const frame = await reader.next({ signal: AbortSignal.timeout(5000) })
    return frame == null ? null : Ack.decode(frame)
  } catch {
    return null
  }
}

describe('the envelope protocol under bad input', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let target: ParleyNode
  let stallTarget: ParleyNode
  let attacker: ParleyNode
  let honest: ParleyNode
  const errors: string[] = []

  beforeAll(async () => {
    dir = await tempDir()
    // The frame timer runs from the stream's open, so on a loaded CI machine a short one can fire
    // before a peer's mid-frame close arrives (300 ms and then 1,500 ms both lost that race once).
    // The truncation tests use a timer that cannot win; the stall test has its own short-timer node.
    target = await startTestNode(join(dir.path, 't'), { envelopeLimits: { frameTimeoutMs: 30_000, maxFrameBytes: 64 * 1024 } })
    target.addEventListener('protocol-error', (evt) => { errors.push(evt.detail.code) })
    stallTarget = await startTestNode(join(dir.path, 's'), { envelopeLimits: { frameTimeoutMs: 500, maxFrameBytes: 64 * 1024 } })
    stallTarget.addEventListener('protocol-error', (evt) => { errors.push(evt.detail.code) })
    attacker = await startTestNode(join(dir.path, 'x'))
    honest = await startTestNode(join(dir.path, 'h'), { bootstrap: [target.multiaddrs[0].toString()] })
    // connected before the tests, so that checking the stall target still serves is one round trip, not a first dial
    await honest.libp2p.dial(stallTarget.multiaddrs[0], { signal: AbortSignal.timeout(30_000) })
  })

  afterAll(async () => {
    await Promise.allSettled([target?.stop(), stallTarget?.stop(), attacker?.stop(), honest?.stop()])
    await dir?.cleanup()
  })

  /** The target still accepts an honest envelope. */
  async function stillServing (node: ParleyNode = target): Promise<void> {
    const ack = await honest.sendEnvelope(node.deviceEntry(), { payload: new Uint8Array([42]) }, { signal: AbortSignal.timeout(20_000) })
    expect(ack.status).toBe('OK')
  }

  async function expectRefused (send: (stream: Stream) => Promise<void> | void, code: string, node: ParleyNode = target): Promise<void> {
    const before = errors.length
    const stream = await rawStream(attacker, node)
    const ackPromise = firstAck(stream)
    await send(stream)
    const ack = await ackPromise
    if (ack != null) {
      expect(ack.status).toBe('REJECTED')
      expect(ack.code).toBe(code)
    }
    await waitFor(() => errors.length > before, 5000, `protocol-error ${code}`)
    expect(errors.slice(before)).toContain(code)
    await waitFor(() => node.libp2p.services.envelopes.openStreams(attacker.peerId) === 0, 5000, 'stream freed')
    await stillServing(node)
  }

  it('an oversize frame is refused before its body arrives', async () => {
    await expectRefused((stream) => {
      stream.send(new Uint8Array([0x80, 0x80, 0x40])) // varint 1 MiB
    }, 'ERR_FRAME_TOO_LARGE')
  })

  it('a truncated frame (remote closes mid-frame) is refused', async () => {
    await expectRefused(async (stream) => {
      stream.send(encodeFrame(new Uint8Array(100)).subarray(0, 20))
      await stream.close()
    }, 'ERR_TRUNCATED_FRAME')
  })

  it('random bytes inside a well-formed frame are refused as malformed', async () => {
    await expectRefused((stream) => {
      const body = randomBytes(200)
      body[0] = 0xff // not a valid protobuf tag start for our message
      stream.send(encodeFrame(body))
    }, 'ERR_MALFORMED_FRAME')
  })

  it('a length prefix longer than 4 bytes is refused', async () => {
    await expectRefused((stream) => { stream.send(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0x01])) }, 'ERR_BAD_LENGTH_PREFIX')
  })

  it('a stream that stalls mid-frame times out and frees its resources', async () => {
    await expectRefused((stream) => { stream.send(encodeFrame(new Uint8Array(1000)).subarray(0, 10)) }, 'ERR_FRAME_TIMEOUT', stallTarget)
  })

  it('an envelope for another device is answered WRONG_RECIPIENT and the stream stays usable', async () => {
    const stream = await rawStream(attacker, target)
    const reader = new FrameReader(stream, { maxFrameBytes: 512 })
    const base = { version: 1, payload: new Uint8Array(1), createdAt: 0n, expiresAt: 0n, flags: 0 }
    stream.send(encodeFrame(Envelope.encode({ ...base, id: randomBytes(16), recipientDevice: new Uint8Array(32) })))
    stream.send(encodeFrame(Envelope.encode({ ...base, id: randomBytes(16), recipientDevice: target.deviceKey, expiresAt: 1n })))
    const id = randomBytes(16)
    stream.send(encodeFrame(Envelope.encode({ ...base, id, recipientDevice: target.deviceKey })))
    stream.send(encodeFrame(Envelope.encode({ ...base, id, recipientDevice: target.deviceKey })))
    const statuses = []
    for (let i = 0; i < 4; i++) statuses.push(Ack.decode((await reader.next({ signal: AbortSignal.timeout(5000) }))!).status)
    expect(statuses).toEqual(['WRONG_RECIPIENT', 'EXPIRED', 'OK', 'DUPLICATE'])
    await stream.close()
  })

  it('a thousand garbage frames on many streams never stop the node', async () => {
    for (let round = 0; round < 20; round++) {
      const stream = await rawStream(attacker, target)
      for (let i = 0; i < 50; i++) stream.send(encodeFrame(randomBytes(1 + (i * 37) % 500)))
      await stream.close().catch(() => {})
    }
    await waitFor(() => target.libp2p.services.envelopes.openStreams(attacker.peerId) === 0, 10_000, 'streams freed')
    await stillServing()
  })
})
