import type { AbortOptions, Logger } from '@libp2p/interface'
import pg from 'pg'
import type { DbRunner } from './db.js'
import { errorLabel } from './sql.js'

/** Advisory lock key of the fleet's sweep ('parl' 'eysw'). */
export const SWEEP_LOCK = 0x7061726c65797377n

/** What {@link withSweepLock} did: ran the work (its result), or not (another member holds the lock). */
export type SweepLease<T> = { ran: true, result: T } | { ran: false }

/**
 * Runs `work` only if this process can take the fleet's sweep lock (`pg_try_advisory_lock`, on a
 * connection of its own, outside the pool, held for the work's duration): with many members on
 * one database the expiry sweep and the inactivity purge run on one of them at a time instead of
 * N times over. A member that finds the lock taken skips this round; the next interval tries
 * again, so the lock passes to another member when the holder stops or dies (PostgreSQL releases
 * a session's locks when its connection ends). The lock saves work; it is not what keeps the
 * sweep correct: every step of a sweep is its own transaction, safe beside another sweep should
 * the lock's connection drop midway.
 */
export async function withSweepLock<T> (db: DbRunner, config: pg.ClientConfig, log: Logger, work: () => Promise<T>, options: AbortOptions = {}): Promise<SweepLease<T>> {
  options.signal?.throwIfAborted()
  const client = new pg.Client(config)
  client.on('error', (err: Error) => { log('sweep lock connection failed (%s): the lock is released with it', errorLabel(err)) })
  const held = await db.run(async () => {
    try {
      await client.connect()
      const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [SWEEP_LOCK.toString()])
      return rows[0]?.ok === true
    } catch (err) {
      await end(client, log)
      throw err
    }
  })
  if (!held) {
    await end(client, log)
    return { ran: false }
  }
  try {
    return { ran: true, result: await work() }
  } finally {
    // ending the session releases its advisory locks
    await end(client, log)
  }
}

async function end (client: pg.Client, log: Logger): Promise<void> {
  await client.end().catch((err: unknown) => { log('closing the sweep lock connection: %s', errorLabel(err)) })
}
