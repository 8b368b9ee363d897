import type { DeliveryState, MessengerApi, MessengerEvents } from '../messenger/types.js'

/** How long `wait: true` sends wait at most. @default 60000 */
export const DEFAULT_DELIVERY_WAIT_MS = 60_000

/** Delivery states that end a wait: the message left this device for good, or failed. */
const SETTLED: ReadonlySet<DeliveryState> = new Set(['sent', 'stored', 'delivered', 'read', 'failed'])

export interface DeliveryOutcome {
  state: DeliveryState
  reason?: string
}

/**
 * Records delivery events from now on, so that an outcome reported before the message id is
 * known (the send is still resolving) is not missed. Call `until(id)` once the id is known.
 */
export function watchDeliveries (messenger: MessengerApi): { until: (messageId: string, options: { signal: AbortSignal, timeoutMs?: number }) => Promise<DeliveryOutcome | undefined>, stop: () => void } {
  const seen = new Map<string, DeliveryOutcome>()
  let waiter: { id: string, resolve: (o: DeliveryOutcome | undefined) => void } | undefined
  const listener = (evt: CustomEvent<MessengerEvents['delivery']>): void => {
    const { messageId, state, reason } = evt.detail
    if (!SETTLED.has(state)) return
    const outcome = reason !== undefined ? { state, reason } : { state }
    if (waiter?.id === messageId) waiter.resolve(outcome)
    else if (!seen.has(messageId)) seen.set(messageId, outcome)
  }
  messenger.addEventListener('delivery', listener)
  const stop = (): void => { messenger.removeEventListener('delivery', listener) }
  return {
    stop,
    until: async (messageId, { signal, timeoutMs = DEFAULT_DELIVERY_WAIT_MS }) => {
      try {
        const early = seen.get(messageId)
        if (early != null) return early
        const timeout = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)])
        return await new Promise<DeliveryOutcome | undefined>((resolve) => {
          const done = (o: DeliveryOutcome | undefined): void => { timeout.removeEventListener('abort', onAbort); resolve(o) }
          const onAbort = (): void => { done(undefined) }
          waiter = { id: messageId, resolve: done }
          if (timeout.aborted) onAbort()
          else timeout.addEventListener('abort', onAbort, { once: true })
        })
      } finally {
        stop()
      }
    }
  }
}
