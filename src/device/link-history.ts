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

/** Existing device: seals each frame (nonce (24) || XChaCha20-Poly1305) and writes it. */
export async function sendHistory (stream: Stream, secret: Uint8Array, frames: AsyncIterable<Uint8Array>, signal: AbortSignal): Promise<number> {
  const key = historyKey(secret)
  let count = 0
  try {
    for await (const plain of frames) {
      const nonce = randomBytes(24)
      const sealed = xchacha20poly1305(key, nonce).encrypt(plain)
      const frame = new Uint8Array(24 + sealed.length)
      frame.set(nonce)
      frame.set(sealed, 24)
      await writeWithBackpressure(stream, encodeFrame(frame), { signal })
      count++
    }
  } finally {
    key.fill(0)
  }
  return count
}

/** What the new device does with each frame: stores it, and says whether it was the last. */
export interface HistorySink {
  apply: (frame: Uint8Array) => Promise<{ messages: number, done: boolean, total: number }>
  /** Progress: messages stored so far, and the archive's total. */
  onProgress?: (received: number, total: number) => void
}

/** New device: reads, opens and applies frames until the last one. */
export async function receiveHistory (reader: FrameReader, secret: Uint8Array, sink: HistorySink, signal: AbortSignal): Promise<number> {
  const key = historyKey(secret)
  let received = 0
  let total = 0
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
      const applied = await sink.apply(plain)
      if (applied.total > 0) total = applied.total
      received += applied.messages
      sink.onProgress?.(received, total)
      if (applied.done) return received
    }
  } finally {
    key.fill(0)
  }
}
