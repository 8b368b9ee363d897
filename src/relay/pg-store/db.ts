import type { Logger } from '@libp2p/interface'
import type postgres from 'postgres'
import { MailboxErrorCode } from '../../net/mailbox-codec.js'
import { RelayRefusal } from '../errors.js'

/** The connection pool. */
export type Pool = postgres.Sql
/** What queries are run on: the pool or a transaction (the template call and `unsafe` they share). */
export type Sql = postgres.TransactionSql

/** The database is out of reach (down, restarting, refusing connections): a retryable refusal, code `ERR_STORE_UNAVAILABLE`. */
export class StoreUnavailableError extends RelayRefusal {
  static override name = 'StoreUnavailableError'
  constructor (message = 'The relay\'s database is unavailable; retry shortly') { super(MailboxErrorCode.STORE_UNAVAILABLE, message) }
}

/** Connection-level failures: the server is gone or not accepting (SQLSTATE classes 08, 57P0x, 53300, and the client's own codes). */
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT', '57P01', '57P02', '57P03', '53300'])
/** Conflicts between concurrent transactions: the transaction is run again. */
const CONFLICT_CODES = new Set(['40001', '40P01'])
/** Tries of a transaction that meets a conflict. */
const CONFLICT_TRIES = 5

function codeOf (err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : ''
}

export function isUnavailable (err: unknown): boolean {
  const code = codeOf(err)
  return UNAVAILABLE_CODES.has(code) || code.startsWith('08')
}

/** What the store reports about its database (metrics). */
export interface DbEvents {
  /** A database operation ended: its duration in ms, and the failure kind (`unavailable`, `conflict`, `other`) if it failed. */
  onQuery?: (ms: number, failure?: 'unavailable' | 'conflict' | 'other') => void
}

/**
 * Runs database work for the store: times it, retries a transaction on a serialisation failure
 * or deadlock, and turns a lost connection into {@link StoreUnavailableError} (marking the
 * database down until an operation succeeds again). Other failures propagate as they are.
 */
export class DbRunner {
  private down: string | undefined

  constructor (private readonly pool: Pool, private readonly log: Logger, private readonly events: DbEvents = {}) {}

  /** Whether the last operation reached the database. */
  get ok (): boolean { return this.down === undefined }
  get error (): string | undefined { return this.down }

  async run<T>(work: (sql: Sql) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const started = performance.now()
      try {
        const result = await work(this.pool as unknown as Sql)
        this.events.onQuery?.(performance.now() - started)
        if (this.down !== undefined) { this.log('database reachable again'); this.down = undefined }
        return result
      } catch (err) {
        const ms = performance.now() - started
        if (CONFLICT_CODES.has(codeOf(err)) && attempt < CONFLICT_TRIES) {
          this.events.onQuery?.(ms, 'conflict')
          continue
        }
        if (isUnavailable(err)) {
          this.events.onQuery?.(ms, 'unavailable')
          if (this.down === undefined) this.log.error('database unavailable (%s): refusing writes until it is back', codeOf(err))
          this.down = codeOf(err)
          throw new StoreUnavailableError()
        }
        this.events.onQuery?.(ms, 'other')
        throw err
      }
    }
  }

  /** {@link run} in one transaction. */
  async tx<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
    return await this.run(async () => await this.pool.begin(async (tx) => await work(tx)) as T)
  }
}
