import type { PeerId, Stream } from '@libp2p/interface'
import { ParleyError } from '../errors.js'
import { MailboxRequest, decodeMailboxResponse, type MailboxResponse } from './mailbox-codec.js'
import { MailboxRefusedError, RelayUnreachableError } from './mailbox-errors.js'
import { encodeFrame } from './stream/frame-reader.js'
import { RpcChannel } from './stream/rpc-channel.js'

/**
 * How long a call may take, all its requests together: until the caller's signal aborts, or
 * else until `deadline` (ms since the epoch: now + the client's `requestTimeoutMs`).
 */
export interface CallLimit {
  signal?: AbortSignal
  deadline?: number
}

interface Pending {
  resolve: (response: MailboxResponse) => void
  reject: (err: Error) => void
}

export interface MailboxChannelInit {
  maxInFlight: number
  maxResponseBytes: number
  writeTimeoutMs: number
}

/** One `/parley/mailbox/1.0.0` stream: requests matched to responses by id; pushes to `onPush`. */
export class MailboxChannel extends RpcChannel {
  private readonly pending = new Map<bigint, Pending>()
  private nextId = 1n
  private readonly maxInFlight: number
  onPush: ((envelopes: Uint8Array[]) => void) | undefined
  authenticated = false
  /** Responses received: a channel that got one was admitted by the relay (and can be evicted later). */
  responses = 0

  constructor (stream: Stream, readonly remotePeer: PeerId, init: MailboxChannelInit) {
    super(stream, { maxResponseBytes: init.maxResponseBytes, maxQueuedFrames: 32, writeTimeoutMs: init.writeTimeoutMs, closedByPeer: 'Relay closed the mailbox stream' })
    this.maxInFlight = init.maxInFlight
    this.startReading()
  }

  protected handleFrame (frame: Uint8Array): void {
    const response = decodeMailboxResponse(frame)
    if (response.requestId === 0n) {
      if (response.errorCode !== '') throw new MailboxRefusedError(`Relay dropped the stream: ${response.errorMessage}`, response.errorCode)
      if (response.page != null) this.onPush?.(response.page.envelopes)
      return
    }
    this.responses++
    const waiter = this.pending.get(response.requestId)
    if (waiter == null) return // answered after its caller gave up
    this.pending.delete(response.requestId)
    waiter.resolve(response)
  }

  protected rejectAll (err: Error): void {
    for (const p of this.pending.values()) p.reject(err)
    this.pending.clear()
  }

  /**
   * Sends one request and waits for its response, until `limit.signal` aborts or, without one,
   * `limit.deadline` passes (a plain timer, cleared with the answer: thousands of requests per
   * second must not each leave an `AbortSignal.timeout` alive for the whole limit).
   */
  async request (body: Omit<MailboxRequest, 'requestId'>, limit: CallLimit): Promise<MailboxResponse> {
    if (this.failure != null) throw this.failure
    if (this.pending.size >= this.maxInFlight) throw new ParleyError('Too many mailbox requests in flight', 'ERR_TOO_MANY_REQUESTS')
    const { signal, deadline } = limit
    signal?.throwIfAborted()
    const remainingMs = signal == null && deadline !== undefined ? deadline - Date.now() : undefined
    if (remainingMs !== undefined && remainingMs <= 0) throw new RelayUnreachableError('Timed out waiting for the relay')
    const requestId = this.nextId++
    const answer = new Promise<MailboxResponse>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined
      const settle = (): void => { clearTimeout(timer); signal?.removeEventListener('abort', onAbort) }
      const onAbort = (): void => { settle(); this.pending.delete(requestId); reject(new RelayUnreachableError('Timed out waiting for the relay')) }
      signal?.addEventListener('abort', onAbort, { once: true })
      if (remainingMs !== undefined) timer = setTimeout(onAbort, remainingMs)
      this.pending.set(requestId, {
        resolve: (r) => { settle(); resolve(r) },
        reject: (e) => { settle(); reject(e) }
      })
    })
    // requests made in the same turn (a burst of deposits) leave in one stream write
    this.write(encodeFrame(MailboxRequest.encode({ requestId, ...body })))
    const response = await answer
    if (response.errorCode !== '') throw new MailboxRefusedError(response.errorMessage || response.errorCode, response.errorCode)
    return response
  }
}
