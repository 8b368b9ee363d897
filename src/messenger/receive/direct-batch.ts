import type { AbortOptions, Logger } from '@libp2p/interface'
import type { Envelope } from '../../net/envelope-codec.js'
import type { Inbox } from './inbox.js'

/** Envelopes received in one batch, at most (as a drained page). */
export const DIRECT_BATCH_MAX = 200

interface Waiting {
  envelope: Envelope
  resolve: () => void
  reject: (err: unknown) => void
}

/**
 * Envelopes that arrive directly (pushed by a peer device, pipelined on its stream, or on
 * several streams at once) are received in micro-batches: one arriving while no batch runs is
 * received at once, alone (no added latency); those arriving while a batch's transaction runs
 * wait and are received together in the next one, as one page ({@link Inbox.receivePage}: one
 * store transaction, each envelope a part of it, in arrival order). Each caller's promise
 * settles with its own envelope's outcome after the commit, so its ack still means
 * "persisted"; an envelope that fails fails alone.
 */
export class DirectBatches {
  private readonly queue: Waiting[] = []
  private running = false
  /** Sizes of the batches received so far (the last 64); read by tests and benchmarks. */
  readonly sizes: number[] = []

  constructor (private readonly inbox: Inbox, private readonly log: Logger, private readonly max = DIRECT_BATCH_MAX) {}

  /** Receives one envelope (with those arriving meanwhile); resolves once it is stored, or rejects with its typed error. */
  async receive (envelope: Envelope, options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    const done = new Promise<void>((resolve, reject) => { this.queue.push({ envelope, resolve, reject }) })
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
        const batch = this.queue.splice(0, this.max)
        this.sizes.push(batch.length)
        if (this.sizes.length > 64) this.sizes.shift()
        let outcomes: Array<unknown | undefined>
        try {
          outcomes = await this.inbox.receivePage(batch.map((w) => w.envelope), {}, {}, 'direct')
        } catch (err) {
          // receivePage never rejects; should it, no envelope of the batch is acked as stored
          this.log.error('a batch of %d direct envelopes failed - %e', batch.length, err)
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
