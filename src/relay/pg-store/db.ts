import type { Logger } from '@libp2p/interface'
import { MailboxErrorCode } from '../../net/mailbox-codec.js'
import { RelayRefusal } from '../errors.js'
import { codeOf, errorLabel, isConnectionLevel, type Database, type Sql } from './sql.js'

export type { Sql } from './sql.js'

/** The database is out of reach (down, restarting, refusing connections): a retryable refusal, code `ERR_STORE_UNAVAILABLE`. */
export class StoreUnavailableError extends RelayRefusal {
  static override name = 'StoreUnavailableError'
  constructor (message = 'The relay\'s database is unavailable; retry shortly') { super(MailboxErrorCode.STORE_UNAVAILABLE, message) }
}

/** Conflicts between concurrent transactions: the transaction is run again. */
const CONFLICT_CODES = new Set(['40001', '40P01'])
/** Tries of a transaction that meets a conflict. */
const CONFLICT_TRIES = 5

/** Connection-level failures: the server is gone or not accepting (SQLSTATE classes 08, 57P0x, 53300, socket errors, node-postgres's lost connections). */
export const isUnavailable = isConnectionLevel

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

  constructor (private readonly database: Database, private readonly log: Logger, private readonly events: DbEvents = {}) {}

  /** Whether the last operation reached the database. */
  get ok (): boolean { return this.down === undefined }
  get error (): string | undefined { return this.down }

  async run<T>(work: (sql: Sql) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const started = performance.now()
      try {
        const result = await work(this.database.sql)
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
          const label = errorLabel(err)
          if (this.down === undefined) this.log.error('database unavailable (%s): refusing writes until it is back', label)
          this.down = label
          throw new StoreUnavailableError()
        }
        this.events.onQuery?.(ms, 'other')
        throw err
      }
    }
  }

  /** {@link run} in one transaction. */
  async tx<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
    return await this.run(async () => await this.database.begin(work))
  }
}
