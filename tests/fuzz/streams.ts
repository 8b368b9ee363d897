/**
 * The attacker's side of a stream target: open a stream, write hostile chunks, read whatever
 * the server answers (each answer must decode), then let go. Errors of the attacker's own stream
 * (reset, refused, closed) are the server defending itself and end the run normally.
 */
import type { AbortOptions, Stream } from '@libp2p/interface'
import { FrameReader } from '../../src/net/stream/frame-reader.js'
import { invalidResult } from './target.js'

export interface StreamRunInit extends AbortOptions {
  open: (options: AbortOptions) => Promise<Stream>
  chunks: Uint8Array[]
  /** Close our write side after the chunks (else leave it open for the server's timers). */
  closeWrite: boolean
  /** Largest answer frame the server may send. */
  maxAnswerBytes: number
  /** Throws when an answer is not one the protocol allows. */
  checkAnswer: (frame: Uint8Array) => void
  /** How long to read answers before letting go (ms). */
  readMs: number
}

/** One hostile stream; resolves with the number of answers read. */
export async function hostileStream (init: StreamRunInit): Promise<number> {
  let stream: Stream
  try {
    stream = await init.open({ signal: init.signal })
  } catch {
    return 0 // refused: a stream cap or the connection is being torn down
  }
  const reader = new FrameReader(stream, { maxFrameBytes: init.maxAnswerBytes, frameTimeoutMs: init.readMs })
  let answers = 0
  try {
    for (const chunk of init.chunks) stream.send(chunk)
    if (init.closeWrite) await stream.close({ signal: AbortSignal.timeout(init.readMs) }).catch(() => {})
    const stop = AbortSignal.any([AbortSignal.timeout(init.readMs), ...(init.signal != null ? [init.signal] : [])])
    for (;;) {
      let frame: Uint8Array | null
      try {
        frame = await reader.next({ signal: stop })
      } catch {
        break // reset by the server, or our read window is over
      }
      if (frame == null) break
      answers++
      try {
        init.checkAnswer(frame)
      } catch (err) {
        throw invalidResult(`the server answered with a frame it may not send: ${(err as Error).message}`)
      }
    }
  } catch (err) {
    if ((err as Error).message.startsWith('decoder returned an invalid result')) throw err
  } finally {
    stream.abort(new Error('fuzz run over'))
  }
  return answers
}
