import type { Logger } from '@libp2p/interface'
import { isFleetRef } from '../../net/fleet-relays.js'
import { RELAY_REDIAL_MAX_MS, RELAY_REDIAL_MIN_MS, RELAY_REDIAL_TIMEOUT_MS } from '../constants.js'
import type { MessengerContext } from '../context.js'

interface Link {
  connected: boolean
  /** Failed re-dials since the connection dropped (the backoff's exponent). */
  failures: number
  timer?: ReturnType<typeof setTimeout>
  dialing: boolean
}

export interface RelayKeeperInit {
  /** A relay connected again after it dropped: its mailbox subscription is renewed and drained at once. */
  onReconnect: (relay: string) => void
  /** A re-dial failed: the reason shows in reachability until it connects. */
  onDialError: (relay: string, err: unknown, failures: number) => void
}

/**
 * Keeps this device connected to its configured relays. Each is tagged in the connection
 * manager (pruned last) and, when its connection drops (the relay restarted, the ping monitor or
 * the relay closed it under load), re-dialled after 1 s, then with a doubling delay (with
 * jitter, up to 30 s) for as long as the messenger runs; once it is back, `onReconnect` renews
 * the mailbox subscription and drains what was deposited meanwhile, without waiting for the
 * periodic drain.
 *
 * libp2p's own reconnect queue (peers tagged `keep-alive`) is not used: it gives up after five
 * attempts (about 30 s) and removes the tag, while a configured relay must come back however
 * long it was away; and its tags persist in the peer store, so a relay no longer configured
 * would still be dialled at every start.
 */
export class RelayKeeper {
  private readonly links = new Map<string, Link>()
  private off: (() => void) | undefined
  private running = false
  private readonly log: Logger

  constructor (private readonly ctx: MessengerContext, private readonly init: RelayKeeperInit) {
    this.log = ctx.log('relay-keeper')
  }

  /** Starts watching `relays` (fleet references are kept by their fleet's members, not here). */
  start (relays: string[]): void {
    this.stop()
    this.running = true
    const { network } = this.ctx.components
    for (const relay of relays) {
      if (isFleetRef(relay) || !network.canDial(relay)) continue
      this.links.set(relay, { connected: network.isConnected(relay), failures: 0, dialing: false })
      void network.protect(relay).catch((err: unknown) => { this.log.error('could not tag relay %s in the connection manager - %e', relay, err) })
    }
    this.off = network.onChange(() => { this.check() })
    this.check()
  }

  stop (): void {
    this.running = false
    this.off?.()
    this.off = undefined
    for (const link of this.links.values()) clearTimeout(link.timer)
    this.links.clear()
  }

  private check (): void {
    if (!this.running) return
    const { network } = this.ctx.components
    for (const [relay, link] of this.links) {
      const connected = network.isConnected(relay)
      if (connected) {
        clearTimeout(link.timer)
        link.timer = undefined
        link.failures = 0
        if (!link.connected) {
          link.connected = true
          this.log('relay %s connected again', relay)
          this.init.onReconnect(relay)
        }
      } else {
        if (link.connected) this.log('lost the connection to relay %s: re-dialling', relay)
        link.connected = false
        this.schedule(relay, link)
      }
    }
  }

  private schedule (relay: string, link: Link): void {
    if (link.timer != null || link.dialing || !this.running) return
    const base = Math.min(RELAY_REDIAL_MIN_MS * 2 ** link.failures, RELAY_REDIAL_MAX_MS)
    const delay = Math.round(base * (0.8 + Math.random() * 0.4))
    link.timer = setTimeout(() => {
      link.timer = undefined
      void this.redial(relay, link)
    }, delay)
    ;(link.timer as { unref?: () => void }).unref?.()
  }

  private async redial (relay: string, link: Link): Promise<void> {
    if (!this.running || this.links.get(relay) !== link) return
    link.dialing = true
    try {
      await this.ctx.components.network.dial(relay, { signal: AbortSignal.timeout(RELAY_REDIAL_TIMEOUT_MS) })
    } catch (err) {
      link.failures++
      this.log('re-dial %d of relay %s failed - %e', link.failures, relay, err)
      if (this.running) this.init.onDialError(relay, err, link.failures)
    } finally {
      link.dialing = false
    }
    this.check()
  }
}
