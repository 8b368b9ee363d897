import { streamPair } from '@libp2p/utils'
import { randomBytes } from '@noble/hashes/utils.js'
import { describe, expect, it } from 'vitest'
import { HISTORY_ACK_WINDOW, historyKey, receiveHistory, sendHistory } from '../../src/device/link-history.js'
import { FrameReader, encodeFrame } from '../../src/net/stream/frame-reader.js'

/**
 * The history acks of `/parley/link/2.0.0` (issue #19) over a real libp2p stream pair: the new
 * device acks each stored frame; the existing device keeps a window and reports how far the
 * transfer got, whatever the other side sends.
 */
const FRAMES = 80
async function * plainFrames (count = FRAMES): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < count; i++) yield Uint8Array.of(i, i === count - 1 ? 1 : 0)
}
const reader = (stream: Parameters<typeof receiveHistory>[0]): FrameReader => new FrameReader(stream, { maxFrameBytes: 64 * 1024 })
const ack = (count: number, length = 4): Uint8Array => { const a = new Uint8Array(length); new DataView(a.buffer).setUint32(0, count); return encodeFrame(a) }

describe('history acks: an existing device always knows how far the new device got', () => {
  it('an honest new device acks every frame; the sender never runs more than the window ahead', async () => {
    const [a, b] = await streamPair()
    const secret = randomBytes(32)
    let maxAhead = 0
    let applied = 0
    let sent = 0
    const sending = sendHistory(a, reader(a), secret, (async function * () { for await (const f of plainFrames()) { sent++; maxAhead = Math.max(maxAhead, sent - applied); yield f } })(), AbortSignal.timeout(60_000))
    const received = await receiveHistory(b, reader(b), secret, { apply: async (plain) => { applied++; return { messages: 1, done: plain[1] === 1, total: FRAMES } } }, AbortSignal.timeout(60_000))
    const outcome = await sending
    expect(received).toBe(FRAMES)
    expect(outcome).toMatchObject({ sent: FRAMES, acked: FRAMES, complete: true })
    expect(outcome.lastAcked).toEqual(Uint8Array.of(FRAMES - 1, 1))
    expect(maxAhead).toBeLessThanOrEqual(HISTORY_ACK_WINDOW + 1)
  })

  it('a new device that goes away after 3 frames: the outcome names the third frame as the resume point', async () => {
    const [a, b] = await streamPair()
    const secret = randomBytes(32)
    const sending = sendHistory(a, reader(a), secret, plainFrames(), AbortSignal.timeout(60_000))
    let n = 0
    await expect(receiveHistory(b, reader(b), secret, {
      apply: async () => { if (++n > 3) throw new Error('killed'); return { messages: 1, done: false, total: 0 } }
    }, AbortSignal.timeout(60_000))).rejects.toThrow('killed')
    b.abort(new Error('gone'))
    const outcome = await sending
    expect(outcome).toMatchObject({ acked: 3, complete: false })
    expect(outcome.lastAcked).toEqual(Uint8Array.of(2, 0))
  })

  it('acks that count frames never sent, go backwards or have the wrong size end the transfer as incomplete, without a throw', async () => {
    for (const bad of [[ack(FRAMES + 1)], [ack(1), ack(1)], [ack(1, 8)], [ack(0)]]) {
      const [a, b] = await streamPair()
      const secret = randomBytes(32)
      const sending = sendHistory(a, reader(a), secret, plainFrames(), AbortSignal.timeout(60_000))
      // the hostile side reads one frame (it is authentic), then answers with garbage
      const frame = await reader(b).next({ signal: AbortSignal.timeout(10_000) })
      expect(frame).toBeDefined()
      for (const bytes of bad) b.send(bytes)
      const outcome = await sending
      expect(outcome.complete).toBe(false)
      expect(outcome.acked).toBeLessThanOrEqual(1)
      b.abort(new Error('done'))
    }
    expect(historyKey(new Uint8Array(32))).toHaveLength(32)
  })

  it('a new device that reads but never acks gets no more than the window', async () => {
    const [a, b] = await streamPair()
    const sending = sendHistory(a, reader(a), randomBytes(32), plainFrames(), AbortSignal.timeout(60_000))
    const silent = reader(b)
    for (let i = 0; i < HISTORY_ACK_WINDOW; i++) expect(await silent.next({ signal: AbortSignal.timeout(10_000) })).toBeDefined()
    b.abort(new Error('gone'))
    const outcome = await sending
    // (the last of the window may still be in its write when the reader goes: sent counts finished writes)
    expect(outcome).toMatchObject({ acked: 0, complete: false })
    expect(outcome.sent).toBeLessThanOrEqual(HISTORY_ACK_WINDOW)
  })
})
