import type { DbRunner, Sql } from './db.js'

export const DAY_MS = 86_400_000

/** The partition day of an expiry (days since the epoch, UTC). */
export const dayOf = (ms: number): number => Math.floor(ms / DAY_MS)

/** A day's partition of `envelopes` (the day is an integer: the name is safe to interpolate). */
export const partitionName = (day: number): string => `envelopes_d${Math.trunc(day)}`

/** Advisory lock key of partition DDL ('parl' 'eypt'). */
const PARTITION_LOCK = 0x7061726c65797074n

/**
 * The `envelopes` table's partitions, one per expiry day: created ahead of the deposits that
 * need them (under an advisory lock: several processes may ask at once), dropped by the expiry
 * sweep once their day is past.
 */
export class Partitions {
  private readonly known = new Set<number>()

  constructor (private readonly db: DbRunner) {}

  /** Reads which day partitions exist. */
  async load (): Promise<void> {
    const rows = await this.db.run(async (sql) => await sql<Array<{ name: string }>>`
      SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'envelopes'`)
    this.known.clear()
    for (const { name } of rows) {
      const day = Number(name.slice('envelopes_d'.length))
      if (Number.isInteger(day)) this.known.add(day)
    }
  }

  /** Days with a partition, oldest first. */
  days (): number[] {
    return [...this.known].sort((a, b) => a - b)
  }

  /** Makes sure each day has its partition. */
  async ensure (days: Iterable<number>): Promise<void> {
    const missing = [...new Set(days)].filter((d) => !this.known.has(d))
    if (missing.length === 0) return
    await this.db.tx(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(${PARTITION_LOCK.toString()}::bigint)`
      for (const day of missing) await tx.unsafe(`CREATE TABLE IF NOT EXISTS ${partitionName(day)} PARTITION OF envelopes FOR VALUES IN (${Math.trunc(day)})`)
    })
    for (const day of missing) this.known.add(day)
  }

  /** Drops a day's partition inside the caller's transaction (which already locked it). */
  async drop (tx: Sql, day: number): Promise<void> {
    await tx`SELECT pg_advisory_xact_lock(${PARTITION_LOCK.toString()}::bigint)`
    await tx.unsafe(`DROP TABLE IF EXISTS ${partitionName(day)}`)
  }

  /** A partition another process dropped (or this one, once committed). */
  forget (day: number): void {
    this.known.delete(day)
  }
}
