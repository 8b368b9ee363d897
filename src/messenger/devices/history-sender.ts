import { equalBytes } from '@noble/ciphers/utils.js'
import { fromHex, toHex } from '../../bytes.js'
import type { HistoryHandlers } from '../components.js'
import type { MessengerContext } from '../context.js'
import { frameSummary } from './history-archive.js'
import type { HistoryRelay } from './history-relay.js'

/** Settings key of the history this device owes newly linked devices (until it was acknowledged or left at the relays). */
export const OWED_HISTORY_KEY = 'history-archive-owed'

/** Debts by hex device key: the period the new device asked for, and where a broken-off direct transfer stopped (conversation, message). */
type Owed = Record<string, { since: number, c?: string, m?: string } | undefined>

/**
 * The sending side of a newly linked device's history (issue #19), as the device-link service's
 * {@link HistoryHandlers}: what is owed is kept in the store from the confirmed link on (so a stop
 * or crash of this device before the history was delivered resumes it at the next start);
 * progress and the end are events (`history-progress`, `history-done`); what the direct transfer
 * did not deliver (the new device went away, asked for the relays only, or this device stopped)
 * is sealed into an archive for the account's relays by {@link HistoryRelay}. `resumeOwed` runs
 * at each start. (Functions in a closure rather than a class: the browser bundle's budget.)
 */
export function historySender (ctx: MessengerContext, relay: HistoryRelay): HistoryHandlers & { resumeOwed: () => void } {
  /** Direct transfers in flight: [messages acknowledged, total] by hex device key. */
  const direct = new Map<string, [number, number]>()
  /** Devices whose archive is being sealed and deposited (one at a time each). */
  const sealing = new Set<string>()
  /** Serialises the read-modify-writes of the owed list. */
  let writes: Promise<unknown> = Promise.resolve()
  const { store } = ctx.components

  const emit = (type: 'history-progress' | 'history-done', device: string, via: 'direct' | 'relay', received: number, total: number): void => {
    ctx.emit(type, { device, role: 'sending', via, received, total })
  }
  /** Logs a failure; what is owed stays in the store for the next start. */
  const failed = (id: string) => (err: unknown): void => { ctx.log('devices').error('the history owed to %s is kept for the next start - %e', id, err) }
  const read = async (): Promise<Owed> => {
    const v = await store.settings.get(OWED_HISTORY_KEY)
    return v != null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array) ? v as Owed : {}
  }
  /** Sets (or, with undefined, clears) what is owed to `id`. */
  const update = async (id: string, owed: Owed[string]): Promise<void> => {
    const next = writes.then(async () => {
      const all = await read()
      all[id] = owed
      await store.settings.put(OWED_HISTORY_KEY, JSON.parse(JSON.stringify(all)))
    })
    writes = next.catch(() => {})
    await next
  }
  /** Seals what is owed to `id` into an archive for the relays; the debt is cleared once it is announced. */
  const seal = (id: string): void => {
    if (sealing.has(id)) return
    sealing.add(id)
    void (async () => {
      const owed = (await read())[id]
      const deviceKey = fromHex(id)
      if (owed == null) return
      // a device unlinked since is owed nothing
      if (ctx.components.accountRecords.ownBody()?.devices.some((d) => equalBytes(d.deviceKey, deviceKey)) !== true) { await update(id, undefined); return }
      const after = owed.c != null && owed.m != null ? { conversationId: owed.c, messageId: owed.m } : undefined
      const result = await relay.resume(deviceKey, owed.since, after, { onProgress: (n, total) => { emit('history-progress', id, 'relay', n, total) } })
      await update(id, undefined)
      emit('history-done', id, 'relay', result.messages, result.total)
    })().catch(failed(id)).finally(() => { sealing.delete(id) })
  }

  return {
    owed: async (deviceKey, since) => { await update(toHex(deviceKey), { since }) },
    acked: (deviceKey, frame) => {
      const id = toHex(deviceKey)
      const { messages, total } = frameSummary(frame)
      const [received, all] = direct.get(id) ?? [0, total]
      direct.set(id, [received + messages, all])
      emit('history-progress', id, 'direct', received + messages, all)
    },
    ended: (deviceKey, since, outcome) => {
      const id = toHex(deviceKey)
      const [received, total] = direct.get(id) ?? [0, 0]
      direct.delete(id)
      if (outcome.complete) emit('history-done', id, 'direct', received, total)
      const at = outcome.lastAcked != null ? frameSummary(outcome.lastAcked).cursor : undefined
      // the rest (or, for a device that asked for the relays only, all of it) goes through the relays; sealed now, or at the next start
      void update(id, outcome.complete ? undefined : { since, c: at?.conversationId, m: at?.messageId })
        .then(() => { if (!outcome.complete && ctx.running) seal(id) }, failed(id))
    },
    resumeOwed: () => { void read().then((all) => { for (const id of Object.keys(all)) seal(id) }, failed('new devices')) }
  }
}
