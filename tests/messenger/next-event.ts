import type { Messenger } from '../../src/messenger/messenger.js'
import type { MessengerEvents } from '../../src/messenger/types.js'

/** Waits for the first event of `type` matching `filter`. */
export async function nextEvent<K extends keyof MessengerEvents & string> (
  messenger: Messenger, type: K, filter: (detail: MessengerEvents[K]) => boolean = () => true, timeoutMs = 20_000
): Promise<MessengerEvents[K]> {
  return messenger.next(type, { filter, signal: AbortSignal.timeout(timeoutMs) })
}
