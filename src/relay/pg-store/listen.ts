import type { Logger } from '@libp2p/interface'
import pg from 'pg'
import { errorLabel } from './sql.js'

/** First wait before connecting again after the `LISTEN` connection was lost (ms); doubled per failure. */
export const LISTEN_RETRY_MIN_MS = 250
/** Longest wait between two attempts (ms). */
export const LISTEN_RETRY_MAX_MS = 5000

export interface ChannelListenerInit {
  /** node-postgres client settings (`clientConfig()`). */
  config: pg.ClientConfig
  /** The channel: a fixed identifier of this code's, never input. */
  channel: string
  onPayload: (payload: string) => void
  /** Called each time the connection is listening: `again` after it had been lost (notices sent meanwhile were missed). */
  onListening?: (again: boolean) => void
  log: Logger
}

/**
 * `LISTEN` on a connection of its own (node-postgres `Client`), kept up: when the server
 * restarts or the connection drops, the failure is logged (never an uncaught exception) and it
 * connects and listens again, waiting {@link LISTEN_RETRY_MIN_MS} doubling to
 * {@link LISTEN_RETRY_MAX_MS} between attempts, until {@link stop}.
 */
export class ChannelListener {
  private client: pg.Client | undefined
  private retry: ReturnType<typeof setTimeout> | undefined
  private delay = LISTEN_RETRY_MIN_MS
  private stopped = false
  private connectedBefore = false

  constructor (private readonly init: ChannelListenerInit) {
    if (!/^[a-z_][a-z0-9_]*$/.test(init.channel)) throw new Error('channel must be a plain identifier')
  }

  /** Whether the `LISTEN` connection is up. */
  get listening (): boolean { return this.client !== undefined }

  /** Connects and listens; rejects when the first attempt fails (the store does not open without it). */
  async start (): Promise<void> {
    this.stopped = false
    await this.connect()
  }

  async stop (): Promise<void> {
    this.stopped = true
    clearTimeout(this.retry)
    this.retry = undefined
    const client = this.client
    this.client = undefined
    await client?.end().catch((err: unknown) => { this.init.log('closing the LISTEN connection: %s', errorLabel(err)) })
  }

  private async connect (): Promise<void> {
    const client = new pg.Client(this.init.config)
    client.on('error', (err: Error) => { this.lost(client, err) })
    client.on('end', () => { this.lost(client) })
    client.on('notification', (msg) => {
      if (msg.channel === this.init.channel && msg.payload !== undefined) this.init.onPayload(msg.payload)
    })
    try {
      await client.connect()
      await client.query(`LISTEN ${this.init.channel}`)
    } catch (err) {
      await client.end().catch(() => {}) // the attempt's own socket, already failed: nothing to report twice
      throw err
    }
    if (this.stopped) { await client.end(); return }
    const again = this.connectedBefore
    this.client = client
    this.connectedBefore = true
    this.delay = LISTEN_RETRY_MIN_MS
    this.init.onListening?.(again)
  }

  private lost (client: pg.Client, err?: Error): void {
    if (this.client !== client) return
    this.client = undefined
    this.init.log.error('LISTEN connection lost (%s): listening again as soon as the database answers', err === undefined ? 'closed' : errorLabel(err))
    client.end().catch(() => {}) // already broken; ending it only releases the socket
    this.schedule()
  }

  private schedule (): void {
    if (this.stopped || this.retry !== undefined) return
    this.retry = setTimeout(() => {
      this.retry = undefined
      this.connect().then(() => {
        if (this.client === undefined) return
        this.init.log('listening on %s again (what was deposited meanwhile is replayed to subscribers)', this.init.channel)
      }, (err: unknown) => {
        this.init.log('LISTEN connection not back yet (%s)', errorLabel(err))
        this.delay = Math.min(this.delay * 2, LISTEN_RETRY_MAX_MS)
        this.schedule()
      })
    }, this.delay)
    this.retry.unref()
  }
}
