import type { Logger } from '@libp2p/interface'
import type { StorageGauges } from '../mailbox-store/storage.js'
import type { DbRunner } from './db.js'

/**
 * The fleet's totals (mailboxes, unowned and provisional ones, envelopes, bytes), read from the
 * database every `refreshMs` and moved meanwhile by this process's own writes. The relay-wide
 * caps (`storageMaxBytes`, `maxMailboxes`, `maxUnownedMailboxes`) are checked against them: global,
 * but another process's writes since the last refresh are not seen (an overshoot of at most one
 * refresh interval's worth of deposits).
 */
export class FleetTotals implements StorageGauges {
  mailboxes = 0
  unownedMailboxes = 0
  provisionalMailboxes = 0
  totalEnvelopes = 0
  totalBytes = 0
  private timer: ReturnType<typeof setTimeout> | undefined
  private refreshing: Promise<void> | undefined

  constructor (private readonly db: DbRunner, private readonly refreshMs: number, private readonly log: Logger) {}

  async refresh (): Promise<void> {
    this.refreshing ??= (async () => {
      try {
        const [row] = await this.db.run(async (sql) => await sql<Array<{ m: string, u: string, p: string, e: string | null, b: string | null }>>`
          SELECT count(*) AS m, count(*) FILTER (WHERE NOT owned) AS u, count(*) FILTER (WHERE provisional) AS p,
                 sum(count) AS e, sum(bytes + prekey_bytes) AS b FROM mailboxes`)
        this.mailboxes = Number(row.m)
        this.unownedMailboxes = Number(row.u)
        this.provisionalMailboxes = Number(row.p)
        this.totalEnvelopes = Number(row.e ?? 0)
        this.totalBytes = Number(row.b ?? 0)
      } finally {
        this.refreshing = undefined
      }
    })()
    await this.refreshing
  }

  /** Refreshes on a timer (unref'd) until {@link stop}. A failed refresh keeps the last totals (the failure is logged and counted by the runner). */
  start (): void {
    const tick = (): void => {
      this.timer = setTimeout(() => {
        this.refresh().catch((err: unknown) => { this.log('totals refresh failed: %s', (err as Error).message) }).finally(() => { if (this.timer !== undefined) tick() })
      }, this.refreshMs)
      this.timer.unref()
    }
    tick()
  }

  async stop (): Promise<void> {
    clearTimeout(this.timer)
    this.timer = undefined
    await this.refreshing?.catch(() => {})
  }

  /** This process's own writes, until the next refresh reads them back. */
  moved (delta: Partial<StorageGauges>): void {
    this.mailboxes = Math.max(0, this.mailboxes + (delta.mailboxes ?? 0))
    this.unownedMailboxes = Math.max(0, this.unownedMailboxes + (delta.unownedMailboxes ?? 0))
    this.provisionalMailboxes = Math.max(0, this.provisionalMailboxes + (delta.provisionalMailboxes ?? 0))
    this.totalEnvelopes = Math.max(0, this.totalEnvelopes + (delta.totalEnvelopes ?? 0))
    this.totalBytes = Math.max(0, this.totalBytes + (delta.totalBytes ?? 0))
  }

  snapshot (): StorageGauges {
    return { mailboxes: this.mailboxes, unownedMailboxes: this.unownedMailboxes, provisionalMailboxes: this.provisionalMailboxes, totalEnvelopes: this.totalEnvelopes, totalBytes: this.totalBytes }
  }
}
