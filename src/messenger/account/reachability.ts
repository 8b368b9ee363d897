import { repeatingTask, type RepeatingTask } from '@libp2p/utils'
import { REACHABILITY_CHECK_MS } from '../constants.js'
import type { MessengerContext } from '../context.js'
import type { ReachabilityView } from '../types.js'
import type { BrowserReach } from './relay-entries.js'

/**
 * This device's reachability from live state — relays connected, a relay reservation held (when
 * the device needs one: browsers), peers connected, a usable DHT — with the reasons in words when
 * it is not `online`. Emits `reachability` when the view changes: looked at on connection and
 * own-address events, and every few seconds for what has no event (the DHT routing table).
 */
export class Reachability {
  private readonly relayErrors = new Map<string, string>()
  private readonly redials = new Map<string, number>()
  private browsers: BrowserReach = { reachable: false, reason: 'not started' }
  private last = ''
  private off: (() => void) | undefined
  private check: RepeatingTask | undefined

  constructor (private readonly ctx: MessengerContext, private readonly relays: () => string[]) {}

  /** A relay could not be reached: the reason shows until it connects (with the failed re-dials so far, when it is a re-dial). */
  relayFailed (relay: string, err: unknown, redials?: number): void {
    this.relayErrors.set(relay, err instanceof Error ? err.message : String(err))
    if (redials != null) this.redials.set(relay, redials)
    else this.redials.delete(relay)
    this.update()
  }

  /** Whether browsers can deliver to this account (from the relay entries just signed). */
  setBrowsers (browsers: BrowserReach): void {
    this.browsers = browsers
    this.update()
  }

  start (): void {
    this.off?.()
    this.off = this.ctx.components.network.onChange(() => { this.update() })
    this.check?.stop()
    this.check = repeatingTask(() => { this.update() }, REACHABILITY_CHECK_MS)
    this.check.start()
    this.update()
  }

  stop (): void {
    this.off?.()
    this.off = undefined
    this.check?.stop()
    this.check = undefined
  }

  view (): ReachabilityView {
    const { network } = this.ctx.components
    const reasons: string[] = []
    const relays = this.relays().map((address) => {
      const connected = network.isConnected(address)
      if (connected) {
        this.relayErrors.delete(address)
        this.redials.delete(address)
      }
      const error = this.relayErrors.get(address)
      const redials = this.redials.get(address)
      if (!connected) reasons.push(`relay unreachable: ${error ?? 'not connected'} (${address})${redials != null ? `, re-dialled ${redials} time${redials === 1 ? '' : 's'} so far` : ''}`)
      return { address, connected, ...(error != null ? { error } : {}), ...(redials != null ? { redials } : {}) }
    })
    const peers = network.peerCount()
    const dhtPeers = network.dhtTableSize()
    const reservations = network.reservations()
    const needsReservation = network.reachableOnlyViaRelays
    if (needsReservation && relays.length === 0) reasons.push('no relay configured: other devices cannot reach this one')
    if (needsReservation && reservations === 0) reasons.push('no relay reservation: other devices cannot reach this one (messages for it wait at its relays)')
    if (peers === 0) reasons.push('no peers connected')
    else if (dhtPeers === 0) reasons.push('DHT unusable: no DHT peers, so contacts cannot be looked up')
    const state = peers === 0 ? 'offline' : reasons.length > 0 ? 'degraded' : 'online'
    return { state, reasons, peers, dhtPeers, reservations, needsReservation, relays, browsers: { ...this.browsers } }
  }

  private update (): void {
    if (!this.ctx.running) return
    const view = this.view()
    const key = JSON.stringify(view)
    if (key === this.last) return
    this.last = key
    this.ctx.emit('reachability', { reachability: view })
  }
}
