import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { randomBytes } from '@noble/hashes/utils.js'
import type { Stream } from '@libp2p/interface'
import { ErrorCode } from '../errors.js'
import { encodeFrame, writeWithBackpressure, type FrameReader } from '../net/stream/frame-reader.js'
import { DeviceLinkError } from './errors.js'

const HISTORY_INFO = new TextEncoder().encode('parley/link/v2/history')
/** Time the whole history transfer may take on the existing device's side. */
export const HISTORY_TRANSFER_TIMEOUT_MS = 10 * 60_000

/** The one-time key history frames are sealed with: HKDF-SHA256(link secret, "parley/link/v2/history"). */
export function historyKey (secret: Uint8Array): Uint8Array {
  return hkdf(sha256, secret, undefined, HISTORY_INFO, 32)
}

/** Which history the new device asked for: since when (ms; 0: all), or undefined for none. */
export function historySince (request: { historyDays: number, historyAll: boolean }, now: number): number | undefined {
  if (request.historyAll) return 0
  if (request.historyDays === 0) return undefined
  return now - Math.min(request.historyDays, 36_500) * 86_400_000
}

/** Produces the archive's frames (plaintext) of the history since `since`. */
export type HistorySource = (since: number, options: { signal: AbortSignal }) => AsyncIterable<Uint8Array>

/** Frames the existing device sends ahead of the new device's acks (32 × ≤ 64 KiB in flight). */
export const HISTORY_ACK_WINDOW = 32
/** Time the existing device waits for the ack of the frames it sent before it calls the transfer broken. */
export const HISTORY_ACK_TIMEOUT_MS = 30_000

/** How far a history transfer got: frames sent, frames the new device applied, the last of those (plaintext), whether all were. */
export interface HistoryOutcome {
  sent: number
  acked: number
  /** The plaintext of the last frame the new device acknowledged as stored (the resume point). */
  lastAcked?: Uint8Array
  complete: boolean
}

/**
 * Existing device: seals each frame (nonce (24) || XChaCha20-Poly1305) and writes it; the new
 * device acks each frame once stored (a 4-byte big-endian count of frames stored). At most
 * `HISTORY_ACK_WINDOW` frames go ahead of the acks. Never throws for a broken transfer: the
 * outcome says how far it got (the resume point of the relay archive that follows). `onAcked`
 * is told of each frame (plaintext) once the new device acknowledged it, in order (progress).
 */
export async function sendHistory (stream: Stream, reader: FrameReader, secret: Uint8Array, frames: AsyncIterable<Uint8Array>, signal: AbortSignal, onAcked?: (frame: Uint8Array) => void): Promise<HistoryOutcome> {
  const key = historyKey(secret)
  const unacked = new Map<number, Uint8Array>()
  const outcome: HistoryOutcome = { sent: 0, acked: 0, complete: false }
  const takeAck = async (wait = AbortSignal.any([signal, AbortSignal.timeout(HISTORY_ACK_TIMEOUT_MS)])): Promise<void> => {
    const frame = await reader.next({ signal: wait })
    if (frame == null || frame.length !== 4) throw new DeviceLinkError('The new device stopped acknowledging history frames', ErrorCode.HISTORY_INCOMPLETE)
    const count = new DataView(frame.buffer, frame.byteOffset, 4).getUint32(0)
    if (count <= outcome.acked || count > outcome.sent) throw new DeviceLinkError('A history ack out of order', ErrorCode.HISTORY_INCOMPLETE)
    for (let i = outcome.acked; i < count; i++) {
      outcome.lastAcked = unacked.get(i)
      unacked.delete(i)
      if (outcome.lastAcked != null) onAcked?.(outcome.lastAcked)
    }
    outcome.acked = count
  }
  try {
    for await (const plain of frames) {
      while (outcome.sent - outcome.acked >= HISTORY_ACK_WINDOW) await takeAck()
      const nonce = randomBytes(24)
      const sealed = xchacha20poly1305(key, nonce).encrypt(plain)
      const frame = new Uint8Array(24 + sealed.length)
      frame.set(nonce)
      frame.set(sealed, 24)
      unacked.set(outcome.sent, plain)
      await writeWithBackpressure(stream, encodeFrame(frame), { signal })
      outcome.sent++
    }
    while (outcome.acked < outcome.sent) await takeAck()
    outcome.complete = true
  } catch {
    // the outcome says how far it got: acks that arrived before the break still count
    try {
      const now = AbortSignal.abort()
      while (outcome.acked < outcome.sent) await takeAck(now)
    } catch {}
  } finally {
    key.fill(0)
  }
  return outcome
}

/** Who follows a new device's history on the existing device (the messenger: progress events, the relay archive that resumes it). */
export interface HistoryHandlers {
  /** A confirmed new device asked for the history since `since`: awaited before the link answer, so that a stop or crash resumes it. */
  owed: (deviceKey: Uint8Array, since: number) => Promise<void>
  /** The new device stored this frame (plaintext) of the direct transfer; in order. */
  acked: (deviceKey: Uint8Array, frame: Uint8Array) => void
  /** The direct transfer ended: complete, or how far it got (nothing sent when the new device asked for the relays only). */
  ended: (deviceKey: Uint8Array, since: number, outcome: HistoryOutcome) => void
}

/** What the new device does with each frame: stores it, and says whether it was the last. */
export interface HistorySink {
  apply: (frame: Uint8Array) => Promise<{ messages: number, done: boolean, total: number }>
  /** Progress: messages stored so far, and the archive's total. */
  onProgress?: (received: number, total: number) => void
}

/** New device: reads, opens and applies frames until the last one, acking each once stored. */
export async function receiveHistory (stream: Stream, reader: FrameReader, secret: Uint8Array, sink: HistorySink, signal: AbortSignal): Promise<number> {
  const key = historyKey(secret)
  let received = 0
  let total = 0
  let applied = 0
  try {
    while (true) {
      const frame = await reader.next({ signal })
      if (frame == null) throw new DeviceLinkError('The history stream ended before its last frame', ErrorCode.LINK_FAILED)
      let plain: Uint8Array
      try {
        plain = xchacha20poly1305(key, frame.subarray(0, 24)).decrypt(frame.subarray(24))
      } catch {
        throw new DeviceLinkError('A history frame does not authenticate', ErrorCode.LINK_FAILED)
      }
      const result = await sink.apply(plain)
      const ack = new Uint8Array(4)
      new DataView(ack.buffer).setUint32(0, ++applied)
      await writeWithBackpressure(stream, encodeFrame(ack), { signal })
      if (result.total > 0) total = result.total
      received += result.messages
      sink.onProgress?.(received, total)
      if (result.done) return received
    }
  } finally {
    key.fill(0)
  }
}
