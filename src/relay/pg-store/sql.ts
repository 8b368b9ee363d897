import type { Logger } from '@libp2p/interface'
import pg from 'pg'

/**
 * Queries as tagged templates over node-postgres (`pg`): every `${value}` becomes a bound
 * parameter (`$1`, `$2`, …), never text spliced into the statement, and the rows come back as an
 * array. Values go as node-postgres prepares them: `Uint8Array` as `bytea` (binary), `bigint` and
 * numbers as their decimal text, arrays as array literals (cast them: `${names}::text[]`).
 * `int8` and `numeric` columns come back as strings, `bytea` as `Buffer`.
 *
 * @example
 * ```ts
 * const rows = await sql<Array<{ id: string }>>`SELECT id FROM envelope_ids WHERE mailbox = ${mailbox}`
 * ```
 */
export interface Sql {
  <T = Array<Record<string, unknown>>>(strings: TemplateStringsArray, ...values: unknown[]): Promise<T>
  /** A statement without parameters, as given: for DDL on names this code made (partition names), never for input. */
  unsafe: <T = Array<Record<string, unknown>>>(text: string) => Promise<T>
}

/** Rows to insert with one `VALUES (…), (…)` list, each value a parameter: `INSERT INTO t (a, b) ${rows([[1, 'x'], [2, 'y']])}`. */
export class ValueRows {
  constructor (readonly rows: ReadonlyArray<readonly unknown[]>) {
    if (rows.length === 0) throw new Error('ValueRows needs at least one row')
  }
}

export const valueRows = (rows: ReadonlyArray<readonly unknown[]>): ValueRows => new ValueRows(rows)

/** The statement text and its parameters for a tagged template. */
export function toQuery (strings: TemplateStringsArray, values: unknown[]): { text: string, values: unknown[] } {
  const params: unknown[] = []
  let text = strings[0]
  values.forEach((value, i) => {
    if (value instanceof ValueRows) {
      text += 'VALUES ' + value.rows.map((row) => `(${row.map((v) => { params.push(v); return `$${params.length}` }).join(', ')})`).join(', ')
    } else {
      params.push(value)
      text += `$${params.length}`
    }
    text += strings[i + 1]
  })
  return { text, values: params }
}

interface Queryable {
  query: (text: string, values?: unknown[]) => Promise<{ rows: unknown[] }>
}

/** A {@link Sql} that runs its statements on a pool (each on whichever connection is free) or on one client. */
export function sqlOn (target: Queryable): Sql {
  const sql = async <T>(strings: TemplateStringsArray, ...values: unknown[]): Promise<T> => {
    const q = toQuery(strings, values)
    return (await target.query(q.text, q.values)).rows as T
  }
  sql.unsafe = async <T>(text: string): Promise<T> => (await target.query(text)).rows as T
  return sql
}

/** Connection settings of the relay's pool and of its `LISTEN` connection. */
export interface DatabaseOptions {
  url: string
  /** Connections at most. */
  max: number
  /** A connection attempt fails after this long (ms). */
  connectTimeoutMs: number
  /** An idle connection is closed after this long (ms). */
  idleTimeoutMs: number
  /**
   * A statement without an answer after this long fails (ms) and its connection is dropped: a
   * database that stops answering without closing the connection (a partition, a hung server)
   * makes operations fail as unavailable instead of hanging every request that waits on them.
   */
  queryTimeoutMs: number
}

/** What every connection of the relay is opened with (`application_name` shows in `pg_stat_activity`; TCP keep-alive finds a dead peer). */
export function clientConfig (options: Pick<DatabaseOptions, 'url' | 'connectTimeoutMs' | 'queryTimeoutMs'>): pg.ClientConfig {
  return { connectionString: options.url, connectionTimeoutMillis: options.connectTimeoutMs, query_timeout: options.queryTimeoutMs, application_name: 'parley-relay', keepAlive: true }
}

/**
 * The relay's connection pool (node-postgres `Pool`). An idle connection that fails (the server
 * restarted, the network dropped) is logged and replaced on the next query: node-postgres
 * reports it as the pool's `error` event, which is handled here and so never becomes an
 * uncaught exception; so is a failure of a connection a transaction holds between two
 * statements. Transactions ({@link begin}) hold one connection, and give it back destroyed when
 * they failed on a connection-level error.
 */
export class Database {
  readonly pool: pg.Pool
  /** Statements on any free connection of the pool. */
  readonly sql: Sql
  private ended = false

  constructor (options: DatabaseOptions, private readonly log: Logger) {
    this.pool = new pg.Pool({ ...clientConfig(options), max: options.max, idleTimeoutMillis: options.idleTimeoutMs })
    this.pool.on('error', (err: Error) => {
      this.log.error('idle database connection failed (%s): it is replaced at the next query', errorLabel(err))
    })
    this.sql = sqlOn(this.pool)
  }

  /** Runs `work` in one transaction on one connection: `COMMIT` when it resolves, `ROLLBACK` when it throws (then rethrown). */
  async begin<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
    const client = await this.pool.connect()
    let broken: Error | undefined
    const onError = (err: Error): void => {
      // the connection died between two statements: the next one (or COMMIT) fails with it
      broken ??= err
      this.log('database connection of a transaction failed (%s)', errorLabel(err))
    }
    client.on('error', onError)
    try {
      await client.query('BEGIN')
      const result = await work(sqlOn(client))
      await client.query('COMMIT')
      return result
    } catch (err) {
      broken ??= isConnectionLevel(err) ? err as Error : undefined
      if (broken === undefined) {
        try {
          await client.query('ROLLBACK')
        } catch (rollbackErr) {
          broken = rollbackErr as Error
        }
      }
      throw err
    } finally {
      client.removeListener('error', onError)
      // a connection in an unknown state is closed, not handed to the next caller
      client.release(broken ?? false)
    }
  }

  /** Closes the pool; connections still held after `timeoutMs` are left to close as they are released. */
  async end (timeoutMs: number): Promise<void> {
    if (this.ended) return
    this.ended = true
    let timer: ReturnType<typeof setTimeout> | undefined
    const late = new Promise<'late'>((resolve) => { timer = setTimeout(() => { resolve('late') }, timeoutMs) })
    try {
      if (await Promise.race([this.pool.end(), late]) === 'late') this.log('database pool still had connections in use after %d ms', timeoutMs)
    } finally {
      clearTimeout(timer)
    }
  }
}

/** SQLSTATE classes and client codes of a connection that is gone or not accepting (server down, restarting, refusing, unreachable). */
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', '57P01', '57P02', '57P03', '53300'])
/** node-postgres's own connection failures carry no code, only these messages. */
const UNAVAILABLE_MESSAGES = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error and is not queryable|Client was closed and is not queryable|Query read timeout)/

export function codeOf (err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code
  if (typeof code === 'string') return code
  if (err instanceof AggregateError) return err.errors.map(codeOf).find((c) => c !== '') ?? ''
  return ''
}

/** Whether `err` says the database is out of reach (rather than refusing one statement). */
export function isConnectionLevel (err: unknown): boolean {
  const code = codeOf(err)
  if (UNAVAILABLE_CODES.has(code) || code.startsWith('08')) return true
  return code === '' && err instanceof Error && UNAVAILABLE_MESSAGES.test(err.message)
}

/** A short label of a failure for logs and `/healthz`: its code, else the first words of its message (never a statement's parameters). */
export function errorLabel (err: unknown): string {
  const code = codeOf(err)
  if (code !== '') return code
  return err instanceof Error ? err.message.slice(0, 80) : 'unknown'
}
