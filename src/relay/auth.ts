import type { AbortOptions } from '@libp2p/interface'
import { equalBytes } from '@noble/ciphers/utils.js'
import { randomBytes } from '@noble/hashes/utils.js'
import { verifyAccountRecord } from '../identity/account-record.js'
import { CHALLENGE_NONCE_BYTES, MailboxErrorCode, verifyMailboxAuth, type MailboxRequest, type MailboxResponse } from '../net/mailbox-codec.js'
import { BoundedSet } from '../net/bounded-set.js'
import { CHALLENGE_TTL_MS, USED_NONCE_MEMORY } from './constants.js'
import { AuthFailedError, AuthReplayError, QuotaExceededError, RelayRefusal } from './errors.js'
import type { MailboxOwner, MailboxStorage } from './mailbox-store/index.js'
import { toHex as hex } from '../bytes.js'

/** A challenge issued on one stream and not yet answered. */
export interface PendingChallenge {
  nonce: Uint8Array
  timestamp: bigint
}

/** How a proof is checked beyond the challenge and the record. */
export interface VerifyOptions extends AbortOptions {
  /** Share tag of the stream's address: a first login counts in its owned-mailbox share. */
  creator?: number
  /** Runs (and may throw a refusal) before a first login makes the mailbox owned. */
  admitNewMailbox?: () => Promise<void>
}

export interface AuthenticatedOwner {
  /** Hex device key: the mailbox id. */
  mailbox: string
  deviceKey: Uint8Array
  owner: MailboxOwner
}

/**
 * Mailbox ownership proofs: issues single-use challenges (random nonce + relay PeerId +
 * timestamp, domain-separated in the signed message), checks the device key's signature,
 * refuses replays, and checks the owner's signed account record at first auth.
 *
 * @example
 * ```ts
 * const auth = new MailboxAuthenticator(relayPeerIdBytes, store)
 * const pending = auth.challenge()          // sent to the client; kept by the stream
 * const owner = await auth.verify(pending, request.authenticate)
 * ```
 */
export class MailboxAuthenticator {
  private readonly used = new BoundedSet<string>(USED_NONCE_MEMORY)

  constructor (
    private readonly relayPeerId: Uint8Array,
    private readonly store: MailboxStorage,
    private readonly now: () => number = Date.now
  ) {}

  /** A fresh challenge (the caller keeps it as the stream's only pending one). */
  challenge (): PendingChallenge & { response: MailboxResponse.Challenge } {
    const nonce = randomBytes(CHALLENGE_NONCE_BYTES)
    const timestamp = BigInt(this.now())
    return { nonce, timestamp, response: { nonce, relayPeerId: this.relayPeerId, timestamp } }
  }

  /**
   * Checks a proof against the stream's pending challenge (consumed either way) and the
   * account record; records the auth time. Throws {@link AuthReplayError}, {@link AuthFailedError}
   * or a RelayRefusal with the record's problem.
   */
  async verify (pending: PendingChallenge | undefined, auth: MailboxRequest.Authenticate, options: VerifyOptions = {}): Promise<AuthenticatedOwner> {
    const nonceKey = hex(auth.nonce)
    if (this.used.has(nonceKey)) throw new AuthReplayError()
    if (pending == null || auth.nonce.length !== CHALLENGE_NONCE_BYTES || !equalBytes(pending.nonce, auth.nonce) || pending.timestamp !== auth.timestamp) {
      throw new AuthFailedError('The proof does not answer this stream\'s challenge')
    }
    this.used.add(nonceKey)
    if (this.now() - Number(pending.timestamp) > CHALLENGE_TTL_MS) throw new AuthFailedError('Challenge expired')
    if (!verifyMailboxAuth(auth, this.relayPeerId)) throw new AuthFailedError('Bad signature')

    const mailbox = hex(auth.deviceKey)
    let owner = await this.store.getOwner(mailbox, options)
    const now = this.now()
    if (auth.accountRecord.length > 0) {
      let record
      try {
        record = verifyAccountRecord(auth.accountRecord, { now })
      } catch (err) {
        throw new RelayRefusal(MailboxErrorCode.RECORD_INVALID, `Account record refused: ${(err as Error).message}`)
      }
      const body = record.body
      if (!body.devices.some((d) => equalBytes(d.deviceKey, auth.deviceKey))) {
        throw new RelayRefusal(MailboxErrorCode.DEVICE_NOT_IN_RECORD, 'The account record does not list this device key')
      }
      if (body.deleted) {
        await this.store.purgeMailbox(mailbox, options)
        throw new RelayRefusal(MailboxErrorCode.ACCOUNT_DELETED, 'The account was deleted; its mailbox is purged')
      }
      if (owner == null || body.sequence >= owner.recordSequence) {
        owner = { accountKey: body.accountKey, inactivityDays: body.inactivityDays, lastAuthAt: 0n, recordSequence: body.sequence }
      }
    }
    if (owner == null) throw new RelayRefusal(MailboxErrorCode.RECORD_REQUIRED, 'First authentication must present the signed account record')
    owner = { ...owner, lastAuthAt: BigInt(now) }
    const known = (await this.store.mailboxState(mailbox, options)).owned
    if (!known) await options.admitNewMailbox?.()
    try {
      await this.store.setOwner(mailbox, owner, { signal: options.signal, creator: options.creator })
    } catch (err) {
      // a known owner logging in while the store takes no writes (a full disk) still reads what
      // it holds; its login time is recorded at its next login
      if (!(known && isStorageOutage(err))) throw err
    }
    return { mailbox, deviceKey: auth.deviceKey, owner }
  }
}

/** A refusal because the store takes no writes for now (not a quota): retryable. */
function isStorageOutage (err: unknown): boolean {
  return err instanceof RelayRefusal && !(err instanceof QuotaExceededError) &&
    (err.code === MailboxErrorCode.STORAGE_FULL || err.code === MailboxErrorCode.STORE_UNAVAILABLE)
}
