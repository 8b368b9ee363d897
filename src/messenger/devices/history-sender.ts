import { equalBytes } from '@noble/ciphers/utils.js'
import { fromHex, toHex } from '../../bytes.js'
import { ErrorCode, hasCode } from '../../errors.js'
import type { HistoryHandlers } from '../components.js'
import type { MessengerContext } from '../context.js'
import type { HistoryProgressView } from '../types.js'
import { frameSummary, type HistoryCursor } from './history-archive.js'
import type { HistoryRelay } from './history-relay.js'

/** Settings key of the history this device owes newly linked devices (until it was acknowledged or left at the relays). */
export const OWED_HISTORY_KEY = 'history-archive-owed'

/** One debt: the period the new device asked for, and where a broken-off direct transfer stopped. */
interface Owed { since: number, after?: HistoryCursor }

/**
 * The sending side of a newly linked device's history (issue #19), as the device-link service's
 * {@link HistoryHandlers}: what is owed is kept in the store from the confirmed link on (so a stop
 * or crash of this device before the history was delivered resumes it at the next start);
 * progress and the end of the direct transfer are events (`history-progress`, `history-done`);
 * what the direct transfer did not deliver (the new device went away, asked for the relays only,
 * or this device stopped) is sealed into an archive for the account's relays by {@link HistoryRelay}.
 */
export class HistorySender implements HistoryHandlers {
  /** Direct transfers in flight: messages acknowledged, of the total (hex device key). */
  private readonly direct = new Map<string, { received: number, total: number }>()
  /** Archives being sealed and deposited (hex device key): one at a time per device. */
  private readonly sealing = new Map<string, Promise<void>>()
  /** Serialises the read-modify-writes of the owed list. */
  private owedWrites: Promise<unknown> = Promise.resolve()

  constructor (private readonly ctx: MessengerContext, private readonly relay: HistoryRelay) {}

  async owed (deviceKey: Uint8Array, since: number): Promise<void> {
    await this.updateOwed((all) => { all[toHex(deviceKey)] = { since } })
  }

  acked (deviceKey: Uint8Array, frame: Uint8Array): void {
    const id = toHex(deviceKey)
    try {
      const summary = frameSummary(frame)
      const state = this.direct.get(id) ?? { received: 0, total: summary.total }
      state.received += summary.messages
      this.direct.set(id, state)
      this.ctx.emit('history-progress', this.view(id, 'direct', state.received, state.total))
    } catch (err) {
      // our own frame: a decode failure is a bug, said; the transfer goes on
      this.ctx.log('devices').error('could not count a history frame the new device stored - %e', err)
    }
  }

  ended (deviceKey: Uint8Array, since: number, outcome: { complete: boolean, lastAcked?: Uint8Array }): void {
    const id = toHex(deviceKey)
    const state = this.direct.get(id) ?? { received: 0, total: 0 }
    this.direct.delete(id)
    if (outcome.complete) {
      this.ctx.emit('history-done', this.view(id, 'direct', state.received, state.total))
      void this.updateOwed((all) => { delete all[id] }).catch((err: unknown) => { this.ctx.log('devices').error('could not clear the history owed to %s - %e', id, err) })
      return
    }
    const after = outcome.lastAcked != null ? frameSummary(outcome.lastAcked).cursor : undefined
    void this.updateOwed((all) => { all[id] = { since, ...(after != null ? { after } : {}) } })
      .then(() => { if (this.ctx.running) this.seal(id) })
      .catch((err: unknown) => { this.ctx.log('devices').error('could not keep the history owed to %s - %e', id, err) })
  }

  /** At start: what an earlier run owed and had not delivered goes through the relays now. */
  resumeOwed (): void {
    void this.readOwed().then((all) => { for (const id of Object.keys(all)) this.seal(id) }).catch((err: unknown) => {
      this.ctx.log('devices').error('could not read the history owed to new devices - %e', err)
    })
  }

  /** Seals what is owed to `id` into an archive for the relays; the debt is cleared once it is announced. */
  private seal (id: string): void {
    if (this.sealing.has(id)) return
    const job = (async () => {
      const owed = (await this.readOwed())[id]
      if (owed == null) return
      const deviceKey = fromHex(id)
      if (!(this.ctx.components.accountRecords.ownBody()?.devices ?? []).some((d) => equalBytes(d.deviceKey, deviceKey))) {
        // unlinked since (or never added): nothing is owed to it any more
        await this.updateOwed((all) => { delete all[id] })
        return
      }
      const result = await this.relay.resume(deviceKey, owed.since, owed.after, {
        onProgress: (messages, total) => { this.ctx.emit('history-progress', this.view(id, 'relay', messages, total)) }
      })
      await this.updateOwed((all) => { delete all[id] })
      this.ctx.emit('history-done', this.view(id, 'relay', result.messages, result.total))
    })().catch((err: unknown) => {
      // kept as owed: the next start tries again
      if (!hasCode(err, ErrorCode.ABORTED) && this.ctx.running) this.ctx.log('devices').error('could not leave the history for %s at the relays (tried again at the next start) - %e', id, err)
      else this.ctx.log('devices')('leaving the history for %s at the relays was interrupted (resumed at the next start) - %e', id, err)
    }).finally(() => { this.sealing.delete(id) })
    this.sealing.set(id, job)
  }

  private view (device: string, via: 'direct' | 'relay', received: number, total: number): HistoryProgressView {
    return { device, role: 'sending', via, received, total }
  }

  private async readOwed (): Promise<Record<string, Owed>> {
    return decodeOwed(await this.ctx.components.store.settings.get(OWED_HISTORY_KEY))
  }

  private async updateOwed (change: (all: Record<string, Owed>) => void): Promise<void> {
    const next = this.owedWrites.then(async () => {
      const all = await this.readOwed()
      change(all)
      const { settings } = this.ctx.components.store
      if (Object.keys(all).length === 0) await settings.delete(OWED_HISTORY_KEY)
      else await settings.put(OWED_HISTORY_KEY, encodeOwed(all))
    })
    this.owedWrites = next.catch(() => {})
    await next
  }
}

function encodeOwed (all: Record<string, Owed>): Record<string, string> {
  return Object.fromEntries(Object.entries(all).map(([id, o]) => [id, JSON.stringify(o)]))
}

/** The owed list as stored; entries that do not parse are dropped (logged by no one: they are our own writes). */
function decodeOwed (value: unknown): Record<string, Owed> {
  if (value == null || typeof value !== 'object' || value instanceof Uint8Array || Array.isArray(value)) return {}
  const out: Record<string, Owed> = {}
  for (const [id, text] of Object.entries(value as Record<string, unknown>)) {
    if (!/^[0-9a-f]{64}$/.test(id) || typeof text !== 'string') continue
    try {
      const o = JSON.parse(text) as { since?: unknown, after?: { conversationId?: unknown, messageId?: unknown } }
      if (typeof o.since !== 'number') continue
      const after = typeof o.after?.conversationId === 'string' && typeof o.after.messageId === 'string' ? { conversationId: o.after.conversationId, messageId: o.after.messageId } : undefined
      out[id] = { since: o.since, ...(after != null ? { after } : {}) }
    } catch {
      continue
    }
  }
  return out
}
