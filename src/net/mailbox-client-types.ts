// The shapes of the mailbox client's calls and results (src/net/mailbox-client.ts).
import type { Signer } from '../crypto/index.js'
import type { ParleyError } from '../errors.js'
import type { Envelope } from './envelope-codec.js'
import type { MailboxPrekey } from './mailbox-codec.js'
import type { RelayTarget } from './relay-target.js'

/**
 * What proves mailbox ownership: the device's Ed25519 key (preferably a {@link Signer}, so the
 * secret never leaves `device/`) and the account's signed record listing it.
 */
export interface MailboxOwnerCredentials {
  device: Signer | { secretKey: Uint8Array, publicKey: Uint8Array }
  /** SignedAccountRecord bytes; the relay checks it lists `device.publicKey`. */
  accountRecord: Uint8Array
}

export interface DepositReceipt {
  /** True when the relay already held an envelope with this id. */
  duplicate: boolean
}

/** Outcome at one relay of a fan-out; never thrown. */
export type RelayOutcome<T> =
  | { relay: RelayTarget, ok: true, value: T }
  | { relay: RelayTarget, ok: false, error: ParleyError }

export interface FetchedPage {
  envelopes: Envelope[]
  /** Pass back to get the next page. */
  cursor: Uint8Array
  more: boolean
}

export interface HandedPrekey {
  id: number
  kind: MailboxPrekey.Kind
  blob: Uint8Array
  /** True for the last-resort key (the one-time pool of this kind was empty). */
  lastResort: boolean
}

export interface PrekeyUpload {
  oneTime: MailboxPrekey[]
  /** At most one per kind. */
  lastResort?: MailboxPrekey[]
  /** Drop one-time keys held before. @default false */
  replace?: boolean
}

/** How {@link MailboxClient.drain} acks. */
export interface DrainOptions {
  /** Envelopes per fetched page (the relay caps it). */
  pageSize?: number
  /** Handled envelopes acked together at most. @default 20 */
  ackBatch?: number
  /** Longest a handled envelope waits for its ack while the ones after it are handled. @default 1000 */
  ackIntervalMs?: number
}

export interface MailboxSubscription {
  /** Ends the subscription (closes its stream). */
  close: () => void
  /** Resolves when the subscription ends (closed, relay gone, or signal). */
  readonly closed: Promise<void>
}

export interface MailboxClientInit {
  /** Requests pipelined on one stream. @default 64 */
  maxInFlight?: number
  /** Default per-call time limit when the caller gives no signal. @default 15000 */
  requestTimeoutMs?: number
  /** Time allowed to dial and open a stream. @default 10000 */
  dialTimeoutMs?: number
  /** Largest response frame accepted. @default MAX_MAILBOX_RESPONSE_BYTES */
  maxResponseBytes?: number
}
