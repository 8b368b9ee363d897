import type { OutboxEntry } from '../../store/index.js'
import { targetOf } from './outbox-target.js'

let lastOrder = 0

/**
 * The next queue order for an outbox entry: strictly increasing in this process, so entries
 * sealed in the same millisecond keep the order they were sealed in (the due index sorts them
 * by their random ids otherwise).
 */
export function nextOutboxOrder (): number {
  lastOrder = lastOrder >= Number.MAX_SAFE_INTEGER ? 1 : lastOrder + 1
  return lastOrder
}

/** Oldest first: by creation time, then by queue order (entries without one first). */
export function byQueueOrder (a: OutboxEntry, b: OutboxEntry): number {
  return a.createdAt - b.createdAt || (a.order ?? 0) - (b.order ?? 0)
}

/** The entries that must leave one after the other: one device's sealed entries, one conversation's deferred ones. */
export function sendQueueOf (entry: OutboxEntry): string {
  const target = targetOf(entry)
  return target.kind === 'pending' ? `pending|${target.conversationId}` : `device|${target.deviceKey}`
}

/** One entry's place in its send queue. */
export interface SendTurn {
  /** Resolves once every earlier entry of the queue has handed its envelope over (or finished). */
  readonly ready: Promise<void>
  /** Lets the next entry of the queue go; idempotent. */
  done: () => void
}

/**
 * Turns within send queues: the worker delivers up to 16 entries at once, but one queue's
 * entries hand their envelopes to the network in queue order (each entry waits for the one
 * before it to have started its send, not for its ack, so sends to one device stay pipelined).
 */
export class SendTurns {
  private readonly tails = new Map<string, Promise<void>>()

  /** Takes the next turn of `queue`; call in queue order. */
  take (queue: string): SendTurn {
    const ready = this.tails.get(queue) ?? Promise.resolve()
    let release!: () => void
    const mine = new Promise<void>((resolve) => { release = resolve })
    this.tails.set(queue, mine)
    let released = false
    return {
      ready,
      done: () => {
        if (released) return
        released = true
        release()
        if (this.tails.get(queue) === mine) this.tails.delete(queue)
      }
    }
  }
}
