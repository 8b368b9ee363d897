import type { Logger } from '@libp2p/interface'
import type { MailboxStoreLimits } from '../mailbox-store/types.js'
import type { DbRunner, Sql } from './db.js'
import type { Partitions } from './partitions.js'
import type { FleetShares } from './shares.js'
import type { FleetTotals } from './totals.js'

/** What the PostgreSQL store's parts share. */
export interface PgParts {
  readonly db: DbRunner
  readonly limits: MailboxStoreLimits
  readonly shares: FleetShares
  readonly totals: FleetTotals
  readonly partitions: Partitions
  readonly log: Logger
}

/** One `mailboxes` row, numbers as numbers. */
export interface MailboxRow {
  mailbox: string
  owned: boolean
  provisional: boolean
  count: number
  bytes: number
  prekeys: number
  prekeyBytes: number
  prekeyTag: number | null
  creator: number | null
  since: number | null
  ownedAt: number | null
  budgetTokens: number | null
  budgetAt: number | null
}

interface RawRow {
  mailbox: string
  owned: boolean
  provisional: boolean
  count: number
  bytes: string
  prekeys: number
  prekey_bytes: string
  prekey_tag: string | null
  creator: string | null
  since: string | null
  owned_at: string | null
  budget_tokens: number | null
  budget_at: string | null
}

const num = (v: string | null): number | null => v === null ? null : Number(v)

function toRow (r: RawRow): MailboxRow {
  return {
    mailbox: r.mailbox,
    owned: r.owned,
    provisional: r.provisional,
    count: r.count,
    bytes: Number(r.bytes),
    prekeys: r.prekeys,
    prekeyBytes: Number(r.prekey_bytes),
    prekeyTag: num(r.prekey_tag),
    creator: num(r.creator),
    since: num(r.since),
    ownedAt: num(r.owned_at),
    budgetTokens: r.budget_tokens,
    budgetAt: num(r.budget_at)
  }
}

/** Locks the rows of these mailboxes (sorted: a fixed order across processes) and reads them; absent ones are absent. */
export async function lockMailboxes (tx: Sql, mailboxes: string[]): Promise<Map<string, MailboxRow>> {
  const sorted = [...new Set(mailboxes)].sort()
  const rows = await tx<RawRow[]>`SELECT mailbox, owned, provisional, count, bytes, prekeys, prekey_bytes, prekey_tag, creator, since, owned_at, budget_tokens, budget_at
    FROM mailboxes WHERE mailbox = ANY(${sorted}::text[]) ORDER BY mailbox FOR UPDATE`
  return new Map(rows.map((r) => [r.mailbox, toRow(r)]))
}

/** Reads one mailbox's row without locking it. */
export async function readMailbox (sql: Sql, mailbox: string): Promise<MailboxRow | undefined> {
  const [row] = await sql<RawRow[]>`SELECT mailbox, owned, provisional, count, bytes, prekeys, prekey_bytes, prekey_tag, creator, since, owned_at, budget_tokens, budget_at
    FROM mailboxes WHERE mailbox = ${mailbox}`
  return row == null ? undefined : toRow(row)
}

/** A mailbox row that holds nothing and no owner: forgotten (as the LevelDB store forgets an emptied unowned mailbox). */
export const isEmptyUnowned = (row: Pick<MailboxRow, 'owned' | 'count' | 'prekeys'>): boolean => !row.owned && row.count === 0 && row.prekeys === 0
