import type { AttachmentsOptions } from './attachments/attachments.js'
import type { OutboxWorkerInit } from './delivery/outbox-worker.js'
import type { ReceiveRetryPolicy } from './delivery/quarantine.js'

/** How the messenger behaves (relays, tuning); the same whatever its components are built from. */
export interface MessengerOptions {
  /** This account's relays (multiaddrs with /p2p/). When empty, up to `relayCount` are found in the DHT. */
  relays?: string[]
  relayCount?: number
  /** Outbox tuning (tests shorten timeouts). */
  outbox?: Partial<Pick<OutboxWorkerInit, 'directTimeoutMs' | 'maxAgeMs' | 'pollMs' | 'concurrency'>>
  /** Periodic mailbox drain. */
  drainIntervalMs?: number
  /** Envelopes per drained page: each page is received in one store transaction and acked after its commit. @default 200 */
  drainPageSize?: number
  /** Bounded retries of relay envelopes that fail to be received, before quarantine (tests shorten them). */
  receiveRetry?: ReceiveRetryPolicy
  /** Attachments: automatic download size, largest file accepted. */
  attachments?: AttachmentsOptions
}
