import type { AbortOptions } from '@libp2p/interface'
import { RECORD_CHANGE_PUBLISH_TIMEOUT_MS, SETTINGS_PUBLISH_TIMEOUT_MS, MAILBOX_PURGE_TIMEOUT_MS } from '../constants.js'
import type { MessengerContext } from '../context.js'
import { InvalidArgumentError } from '../errors.js'

/** This account's inactivity period, read receipts, and deleting it. */
export class AccountSettings {
  constructor (private readonly ctx: MessengerContext) {}

  async setInactivityPeriod (days: 30 | 90 | 180 | 365, options: AbortOptions = {}): Promise<void> {
    if (![30, 90, 180, 365].includes(days)) throw new InvalidArgumentError('Inactivity period must be 30, 90, 180 or 365 days')
    const { accountRecords } = this.ctx.components
    await accountRecords.sign({ inactivityDays: days }, options)
    // bounded even when the caller's signal never fires (an API client waiting): the node republishes later
    const deadline = AbortSignal.timeout(SETTINGS_PUBLISH_TIMEOUT_MS)
    await accountRecords.publish({ signal: options.signal != null ? AbortSignal.any([options.signal, deadline]) : deadline }).catch((err: unknown) => {
      options.signal?.throwIfAborted()
      this.ctx.log('account').error('could not publish the new inactivity period (the node republishes later) - %e', err)
    })
  }

  async setReadReceipts (enabled: boolean, options: AbortOptions = {}): Promise<void> {
    await this.ctx.components.store.preferences.setReadReceipts(enabled, options)
  }

  /**
   * Publishes a signed tombstone and authenticates with it at each relay, which purges this
   * account's mailbox and prekeys. The caller then stops the messenger and wipes the store.
   */
  async publishTombstone (relays: string[], options: AbortOptions = {}): Promise<void> {
    const { accountRecords, mailboxes } = this.ctx.components
    const log = this.ctx.log('account')
    const tombstone = await accountRecords.sign({ deleted: true, relays: [], fleets: [] }, options)
    await accountRecords.publishRecord(tombstone, { signal: options.signal ?? AbortSignal.timeout(RECORD_CHANGE_PUBLISH_TIMEOUT_MS) }).catch((err: unknown) => {
      log.error('could not publish the deletion tombstone - %e', err)
    })
    if (relays.length > 0) {
      await mailboxes.purge(relays, tombstone, { signal: options.signal ?? AbortSignal.timeout(MAILBOX_PURGE_TIMEOUT_MS) }).catch((err: unknown) => {
        log.error('could not purge the mailboxes - %e', err)
      })
    }
  }
}
