import type { AbortOptions, ComponentLogger, Libp2p, Logger } from '@libp2p/interface'
import { MailboxClient } from './mailbox-client.js'
import { DepositorBusyError, DepositorStoppedError } from './errors.js'

/** A throwaway libp2p identity and the mailbox client that speaks through it. */
export interface DepositorIdentity {
  readonly node: Libp2p
  readonly client: MailboxClient
}

export interface DepositorIdentitiesInit {
  /** Creates (does not start) a libp2p node with a fresh random key. */
  createNode: () => Promise<Libp2p>
  logger: ComponentLogger
  /** Throwaway nodes alive at once (kept per recipient device, or one-shot). @default 16 */
  maxAlive?: number
  /** Callers waiting for a free slot before new ones are refused with `ERR_DEPOSITOR_BUSY`. @default 256 */
  maxWaiting?: number
  /** A recipient device's identity unused this long is stopped. @default 30000 */
  idleMs?: number
  /** …and never serves deposits after this long… @default 300000 (5 min) */
  lifetimeMs?: number
  /** …or after this many uses. @default 100 */
  usesPerIdentity?: number
}

/** A running (or starting) throwaway identity holding one of the `maxAlive` slots. */
interface LiveIdentity {
  readonly ready: Promise<DepositorIdentity>
  /** Its node is being (or has been) stopped. */
  closed: boolean
}

/** An identity kept for one recipient device. */
interface KeptIdentity extends LiveIdentity {
  readonly recipient: string
  readonly created: number
  uses: number
  leases: number
  lastUsed: number
  /** No new leases: stopped once the last one ends. */
  retired: boolean
  idleTimer?: ReturnType<typeof setTimeout>
}

/**
 * Throwaway libp2p identities for anonymous relay requests (sealed-sender deposits, prekey
 * takes). Each recipient device gets its own identity, reused only for that device within a
 * short window (`idleMs`, `lifetimeMs`, `usesPerIdentity`), so a relay cannot link one sender's
 * deposits across recipients, nor its copies to its own devices with the rest; one-shot
 * identities serve a single operation. At most `maxAlive` nodes run at once: an idle kept
 * identity is stopped to make room, else the caller waits (bounded).
 *
 * @example
 * ```ts
 * const identities = new DepositorIdentities({ createNode: async () => createEphemeralNode(), logger: node.logger })
 * await identities.withRecipient(deviceHex, async ({ client }) => client.deposit(relay, envelope))
 * await identities.withOneShot(async ({ client }) => client.takePrekey(relay, deviceKey))
 * await identities.stop()
 * ```
 */
export class DepositorIdentities {
  private readonly init: Required<Omit<DepositorIdentitiesInit, 'logger'>>
  private readonly log: Logger
  private readonly kept = new Map<string, KeptIdentity>()
  private readonly live = new Set<LiveIdentity>()
  private alive = 0
  private readonly waiting: Array<() => void> = []
  private readonly stopping = new Set<Promise<void>>()
  private stopped = false

  constructor (init: DepositorIdentitiesInit) {
    this.log = init.logger.forComponent('parley:depositor')
    this.init = {
      createNode: init.createNode,
      maxAlive: init.maxAlive ?? 16,
      maxWaiting: init.maxWaiting ?? 256,
      idleMs: init.idleMs ?? 30_000,
      lifetimeMs: init.lifetimeMs ?? 5 * 60_000,
      usesPerIdentity: init.usesPerIdentity ?? 100
    }
  }

  /** Throwaway nodes running now (kept and one-shot). */
  get aliveCount (): number {
    return this.alive
  }

  /** Runs `op` over the identity kept for `recipient` (a device key in hex), opening one if needed. */
  async withRecipient<T> (recipient: string, op: (identity: DepositorIdentity) => Promise<T>, options: AbortOptions = {}): Promise<T> {
    const kept = await this.lease(recipient, options)
    try {
      return await op(await kept.ready)
    } finally {
      this.release(kept)
    }
  }

  /** Runs `op` over a brand-new identity, stopped as soon as `op` ends. */
  async withOneShot<T> (op: (identity: DepositorIdentity) => Promise<T>, options: AbortOptions = {}): Promise<T> {
    await this.takeSlot(options)
    const identity: LiveIdentity = { ready: this.startNode(), closed: false }
    this.live.add(identity)
    try {
      return await op(await identity.ready)
    } finally {
      this.close(identity)
    }
  }

  /**
   * Stops every identity, in use or not (calls in flight fail); callers waiting for a slot, or
   * arriving before it resolves, fail with `ERR_DEPOSITOR_STOPPED`. Later calls open new ones.
   */
  async stop (): Promise<void> {
    this.stopped = true
    for (const wake of this.waiting.splice(0)) wake()
    for (const kept of this.kept.values()) { kept.retired = true; clearTimeout(kept.idleTimer) }
    this.kept.clear()
    for (const identity of this.live) this.close(identity)
    while (this.stopping.size > 0) await Promise.all([...this.stopping])
    this.stopped = false
  }

  private async lease (recipient: string, options: AbortOptions): Promise<KeptIdentity> {
    while (true) {
      const current = this.kept.get(recipient)
      if (current != null && !current.retired && this.usable(current)) {
        clearTimeout(current.idleTimer)
        current.leases++
        current.uses++
        current.lastUsed = Date.now()
        return current
      }
      if (current != null) this.retireWhenFree(current)
      await this.takeSlot(options)
      // another caller may have opened one for this recipient while we waited
      if (this.kept.has(recipient)) { this.freeSlot(); continue }
      const now = Date.now()
      const fresh: KeptIdentity = { recipient, ready: this.startNode(), closed: false, created: now, uses: 1, leases: 1, lastUsed: now, retired: false }
      this.live.add(fresh)
      fresh.ready.catch(() => { this.retireWhenFree(fresh) })
      this.kept.set(recipient, fresh)
      return fresh
    }
  }

  private usable (kept: KeptIdentity): boolean {
    return kept.uses < this.init.usesPerIdentity && Date.now() - kept.created < this.init.lifetimeMs
  }

  private release (kept: KeptIdentity): void {
    kept.leases--
    if (kept.leases > 0) return
    // someone waits for a slot: make room now rather than after the idle time
    if (kept.retired || this.stopped || !this.usable(kept) || this.waiting.length > 0) { this.retire(kept); return }
    kept.idleTimer = setTimeout(() => { this.retire(kept) }, this.init.idleMs)
    ;(kept.idleTimer as { unref?: () => void }).unref?.()
  }

  /** No new leases for `kept`; stopped now if nobody holds it. */
  private retireWhenFree (kept: KeptIdentity): void {
    kept.retired = true
    if (this.kept.get(kept.recipient) === kept) this.kept.delete(kept.recipient)
    if (kept.leases === 0) this.retire(kept)
  }

  private retire (kept: KeptIdentity): void {
    clearTimeout(kept.idleTimer)
    if (this.kept.get(kept.recipient) === kept) this.kept.delete(kept.recipient)
    kept.retired = true
    this.close(kept)
  }

  /** Waits for (and takes) one of the `maxAlive` slots. */
  private async takeSlot (options: AbortOptions): Promise<void> {
    while (true) {
      if (this.stopped) throw new DepositorStoppedError()
      options.signal?.throwIfAborted()
      if (this.alive < this.init.maxAlive) { this.alive++; return }
      if (this.waiting.length >= this.init.maxWaiting) throw new DepositorBusyError()
      // an idle identity stopped now frees its slot (and wakes a waiter) once its node is down
      this.evictIdle()
      await new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          const at = this.waiting.indexOf(wake)
          if (at >= 0) this.waiting.splice(at, 1)
          const reason: unknown = options.signal?.reason
          reject(reason instanceof Error ? reason : new DOMException('Aborted', 'AbortError'))
        }
        const wake = (): void => { options.signal?.removeEventListener('abort', onAbort); resolve() }
        this.waiting.push(wake)
        options.signal?.addEventListener('abort', onAbort, { once: true })
      })
    }
  }

  private freeSlot (): void {
    this.alive--
    this.waiting.shift()?.()
  }

  /** Stops the least recently used kept identity nobody holds, if any. */
  private evictIdle (): void {
    let oldest: KeptIdentity | undefined
    for (const kept of this.kept.values()) {
      if (kept.leases === 0 && (oldest == null || kept.lastUsed < oldest.lastUsed)) oldest = kept
    }
    if (oldest != null) this.retire(oldest)
  }

  private async startNode (): Promise<DepositorIdentity> {
    let node: Libp2p | undefined
    try {
      node = await this.init.createNode()
      await node.start()
      return { node, client: new MailboxClient(node) }
    } catch (err) {
      this.log.error('could not start a throwaway identity - %e', err)
      try { await node?.stop() } catch (stopErr) { this.log('and could not stop it - %e', stopErr) }
      throw err
    }
  }

  /** Stops an identity (once it has started) and frees its slot when it is down; once. */
  private close (identity: LiveIdentity): void {
    if (identity.closed) return
    identity.closed = true
    const closing = (async () => {
      try {
        const { node, client } = await identity.ready
        await client.stop()
        await node.stop()
      } catch (err) {
        this.log('throwaway identity stopped with an error - %e', err)
      }
    })()
    this.stopping.add(closing)
    // never rejects: the body catches and logs
    void closing.finally(() => {
      this.stopping.delete(closing)
      this.live.delete(identity)
      this.freeSlot()
    })
  }
}
