import type { AbortOptions, Logger } from '@libp2p/interface'
import type { MessengerComponents } from './components.js'
import { Mutex } from '../mutex.js'
import type { MessengerEvents } from './types.js'
import type { Attachment } from '../wire/content.js'

/**
 * What every feature of the messenger shares: its components, the one lock that serialises
 * session read-modify-writes, the running state and the shutdown signal. Built once by the
 * façade; features take it instead of reaching into each other.
 */
export class MessengerContext {
  readonly components: MessengerComponents
  /** Serialises every read-modify-write of ratchet sessions (sending and receiving touch the same state). */
  readonly lock = new Mutex()
  private shutdownController = new AbortController()
  private isRunning = false
  private readonly startHooks: Array<() => void> = []
  /** Issue #19: where a history archive another device of this account left at the relays goes (set by the own-devices feature). */
  historyArchives: ((from: Uint8Array, archive: Attachment) => Promise<void>) | undefined

  constructor (components: MessengerComponents) {
    this.components = components
  }

  /** This account's address. */
  get address (): string {
    return this.components.accountRecords.address
  }

  get running (): boolean {
    return this.isRunning
  }

  /** Aborts when the messenger stops. */
  get shutdown (): AbortSignal {
    return this.shutdownController.signal
  }

  started (): void {
    this.isRunning = true
    this.shutdownController = new AbortController()
    for (const hook of this.startHooks) queueMicrotask(hook)
  }

  /** Runs `hook` (soon after) each time the messenger starts: work a feature resumes, such as an interrupted download. */
  onStarted (hook: () => void): void {
    this.startHooks.push(hook)
  }

  stopped (): void {
    this.isRunning = false
    this.shutdownController.abort()
  }

  now (): number {
    return this.components.clock.now()
  }

  emit<K extends keyof MessengerEvents & string> (type: K, detail: MessengerEvents[K]): void {
    this.components.events.emit(type, detail)
  }

  log (name: string): Logger {
    return this.components.logger.forComponent(`parley:messenger:${name}`)
  }

  /**
   * The signal of one operation: the caller's own (never capped), else a default deadline;
   * combined with the shutdown signal. (`AbortSignal.any` is native in Node 24 and every
   * browser Parley supports; `@libp2p/utils` 7 no longer ships `anySignal`.)
   */
  signal (options: AbortOptions, defaultTimeoutMs: number): AbortSignal {
    return AbortSignal.any([options.signal ?? AbortSignal.timeout(defaultTimeoutMs), this.shutdown])
  }
}
