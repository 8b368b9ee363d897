import type { Logger } from '@libp2p/interface'
import { StreamClosedError } from '../errors.js'

/** What the pool needs of a channel. */
export interface PooledChannel {
  readonly failed: boolean
  close: () => void
  whenClosed: () => Promise<void>
}

/**
 * Channels reused per key (protocol and peer, like js-waku's `StreamManager`): opened once and
 * shared by concurrent callers, forgotten when they close, re-opened on the next use after
 * they failed. `stop()` closes them all and refuses new ones until `start()`.
 *
 * @example
 * ```ts
 * const pool = new ChannelPool<EnvelopeChannel>(log)
 * const channel = await pool.get(peer.toString(), async () => new EnvelopeChannel(await dial(peer)))
 * ```
 */
export class ChannelPool<C extends PooledChannel> {
  private readonly opening = new Map<string, Promise<C>>()
  /** Channels of `opening` that are open and set up, found without an await. */
  private readonly ready = new Map<string, C>()
  private stopped = false

  constructor (private readonly log: Logger, private readonly name = 'Client') {}

  /** The channel under `key`, opened with `open` when missing or dead. */
  async get (key: string, open: () => Promise<C>): Promise<C> {
    if (this.stopped) throw new StreamClosedError(`${this.name} stopped`)
    const ready = this.ready.get(key)
    if (ready != null && !ready.failed) return ready
    this.ready.delete(key)
    const existing = this.opening.get(key)
    if (existing != null) {
      const channel = await existing.catch(() => undefined)
      if (channel != null && !channel.failed) return channel
      if (this.opening.get(key) === existing) this.opening.delete(key)
    }
    const opening = open()
    this.track(key, opening)
    return await opening
  }

  /** Keeps an already opened channel under `key` (closed by `stop()`, forgotten when it closes). */
  add (key: string, channel: C): void {
    this.track(key, Promise.resolve(channel))
  }

  private track (key: string, opening: Promise<C>): void {
    this.opening.set(key, opening)
    const forget = (): void => {
      if (this.opening.get(key) !== opening) return
      this.opening.delete(key)
      this.ready.delete(key)
    }
    opening.then((channel) => {
      if (this.opening.get(key) !== opening) return
      this.ready.set(key, channel)
      void channel.whenClosed().then(forget)
    }, (err: unknown) => {
      this.log.trace('could not open a channel to %s - %e', key, err)
      forget()
    })
  }

  start (): void {
    this.stopped = false
  }

  /** Closes every channel; requests in flight fail with {@link StreamClosedError}. */
  async stop (): Promise<void> {
    this.stopped = true
    const channels = [...this.opening.values()]
    this.opening.clear()
    this.ready.clear()
    await Promise.all(channels.map(async (opening) => {
      try {
        (await opening).close()
      } catch (err) {
        this.log.trace('a channel closed at stop had never opened - %e', err)
      }
    }))
  }
}
