import type { Logger } from '@libp2p/interface'
import { ParleyError } from '../../errors.js'
import { MAX_QUEUED_PUSHES } from '../constants.js'
import type { MailboxStorage } from '../mailbox-store/index.js'
import type { RelayMetrics } from '../metrics.js'
import type { MailboxSession } from './session.js'

export interface SubscribersInit {
  store: MailboxStorage
  metrics: RelayMetrics
  log: Logger
  /** Counts a refusal (metrics, debug line). */
  refuse: (code: string, remote: string) => void
  /** Keeps a background write in the server's in-flight set (stop waits for it). */
  track: (work: Promise<unknown>) => void
}

/** Owners' streams subscribed for pushes, by mailbox; pushes new envelopes to them. */
export class Subscribers {
  private readonly byMailbox = new Map<string, Set<MailboxSession>>()

  constructor (private readonly init: SubscribersInit) {}

  /** Mailboxes with a subscribed stream. */
  get size (): number { return this.byMailbox.size }

  /** Whether a stream of this mailbox is subscribed here. */
  has (mailbox: string): boolean {
    return this.byMailbox.has(mailbox)
  }

  /** The mailboxes with a subscribed stream. */
  mailboxes (): IterableIterator<string> {
    return this.byMailbox.keys()
  }

  add (session: MailboxSession): void {
    if (session.subscribed || session.owner == null) return
    let set = this.byMailbox.get(session.owner.mailbox)
    if (set == null) { set = new Set(); this.byMailbox.set(session.owner.mailbox, set) }
    set.add(session)
    session.subscribed = true
  }

  remove (session: MailboxSession): void {
    if (!session.subscribed || session.owner == null) return
    const set = this.byMailbox.get(session.owner.mailbox)
    set?.delete(session)
    if (set?.size === 0) this.byMailbox.delete(session.owner.mailbox)
    session.subscribed = false
  }

  clear (): void {
    this.byMailbox.clear()
  }

  /** Pushes a new envelope to the owner's subscribed streams; a secret one is then deleted (first fetch). */
  push (mailbox: string, bytes: Uint8Array, id: string, secret: boolean): void {
    const set = this.byMailbox.get(mailbox)
    if (set == null || set.size === 0) return
    const { metrics, store, log } = this.init
    const writes: Array<Promise<void>> = []
    for (const session of set) {
      if (session.queuedPushes >= MAX_QUEUED_PUSHES) {
        // a subscriber that does not read is dropped; it re-subscribes and fetches
        this.init.refuse('ERR_SLOW_SUBSCRIBER', session.remote)
        this.remove(session)
        session.stream.abort(new ParleyError('Subscriber too slow', 'ERR_SLOW_SUBSCRIBER'))
        continue
      }
      session.queuedPushes++
      writes.push(session.write({ requestId: 0n, errorCode: '', errorMessage: '', page: { envelopes: [bytes], cursor: new Uint8Array(0), more: false } })
        .finally(() => { session.queuedPushes-- }))
    }
    metrics.inc('parley_relay_fetched_envelopes_total', {}, writes.length)
    if (secret && writes.length > 0) {
      // a failed push write shows on its stream; the secret envelope goes once every write settled
      const done = Promise.allSettled(writes).then(async () => store.ack(mailbox, [id])).catch((err: unknown) => {
        log.error('secret envelope not deleted after its push (it expires by retention) - %e', err)
      })
      this.init.track(done)
    }
  }
}
