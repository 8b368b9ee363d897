import type { AbortOptions, Logger } from '@libp2p/interface'
import type { Envelope } from '../../net/envelope-codec.js'
import type { Inbox, ReceiveContext } from './inbox.js'

/** Envelopes received in one batch, at most (as a drained page). */
export const RECEIVE_BATCH_MAX = 200

interface Waiting {
  envelope: Envelope
  context: ReceiveContext | undefined
  resolve: () => void
  reject: (err: unknown) => void
}

/**
 * Envelopes that arrive on their own rather than in a drained page — directly (pushed by a peer
 * device, pipelined on its stream, or on several streams at once), or pushed by a relay to a
 * subscription — are received in micro-batches: one arriving while no batch runs is
 * received at once, alone (no added latency); those arriving while a batch's transaction runs
 * wait and are received together in the next one, as one page ({@link Inbox.receivePage}: one
 * store transaction, each envelope a part of it, in arrival order). Each caller's promise
 * settles with its own envelope's outcome after the commit, so its ack still means
 * "persisted"; an envelope that fails fails alone.
 */
export class ReceiveBatches {
  private readonly queue: Waiting[] = []
  private running = false

  constructor (private readonly inbox: Inbox, private readonly log: Logger, private readonly via: 'direct' | 'relay', private readonly max = RECEIVE_BATCH_MAX) {}

  /**
   * Receives one envelope (with those arriving meanwhile); resolves once it is stored, or
   * rejects with its typed error. Envelopes of one batch share `context` (a batch ends where
   * the context changes).
   */
  async receive (envelope: Envelope, context?: ReceiveContext, options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    const done = new Promise<void>((resolve, reject) => { this.queue.push({ envelope, context, resolve, reject }) })
    if (!this.running) {
      // started after the calls of this turn: envelopes handed over together (read together
      // from one stream) are one batch, not a first one alone and then the rest
      this.running = true
      queueMicrotask(() => { void this.run() })
    }
    await done
  }

  private async run (): Promise<void> {
    try {
      while (this.queue.length > 0) {
        let n = 1
        while (n < this.queue.length && n < this.max && this.queue[n].context === this.queue[0].context) n++
        const batch = this.queue.splice(0, n)
        let outcomes: Array<unknown | undefined>
        try {
          outcomes = await this.inbox.receivePage(batch.map((w) => w.envelope), batch[0].context ?? {}, {}, this.via)
        } catch (err) {
          // receivePage never rejects; should it, no envelope of the batch is acked as stored
          this.log.error('a batch of %d envelopes (%s) failed - %e', batch.length, this.via, err)
          outcomes = batch.map(() => err)
        }
        batch.forEach((w, i) => {
          const outcome = outcomes[i]
          if (outcome === undefined) w.resolve()
          else w.reject(outcome)
        })
      }
    } finally {
      this.running = false
    }
  }
}
