import { equalBytes } from '@noble/ciphers/utils.js'
import { ReplayError } from '../../crypto/index.js'
import type { VerifiedAccountRecord } from '../../identity/account-record.js'
import { encodeAddress } from '../../identity/address.js'
import { ErrorCode, ParleyError, hasCode } from '../../errors.js'
import type { Envelope } from '../../net/envelope-codec.js'
import { Content } from '../../wire/content.js'
import { MAX_IDS_PER_CONTENT } from '../constants.js'
import type { MessengerContext } from '../context.js'
import { baseContent } from '../conversations/content.js'
import type { AccountResolver } from '../directory/account-resolver.js'
import { RecordHints } from '../directory/record-hints.js'
import { emitNow, type Effect } from '../effects.js'
import { SessionResetNeededError, UnknownSenderDeviceError } from '../errors.js'
import { applyContent, blockedSenderEffects } from './route.js'
import { SenderChainMissingError } from '../groups/errors.js'

/** What the inbox hands the effects of a received content to, after its transaction commits. */
/** What the receives of one mailbox drain share. */
export interface ReceiveContext {
  /** Claimed senders whose account was looked up in vain already (bounded): not looked up again. */
  unknownSenders?: { has: (address: string) => boolean, add: (address: string) => unknown }
}

export interface InboxEffects {
  deliveredReceipt: (conversationId: string, messageId: Uint8Array) => void
  /** Follow-up work (re-send after a session reset, wipe a closed secret chat); runs after the events. */
  followUp: (effect: Extract<Effect, { kind: 'resend-undelivered' | 'wipe-secret-chat' | 'group-update' | 'sender-key-request' | 'group-join' }>) => Promise<void>
  /** Groups: a message's sender chain is missing here (ask its device for it). */
  senderChainMissing?: (peer: SenderChainMissingError['peer']) => Promise<void>
  requestSessionReset: (sender: { accountKey: Uint8Array, deviceKey: Uint8Array }) => Promise<void>
  /** Sync follow-ups from another device of this account: adopt its newer record, or this device was unlinked. */
  ownDevices?: (effect: Extract<Effect, { kind: 'adopt-own-record' | 'device-unlinked' }>) => Promise<void>
  afterReceive: () => void
}

/**
 * Receiving one envelope: peek at the sealed sender → verify its device against its account
 * record → open the session → apply the content and commit, session state and effects in one
 * store transaction.
 */
export class Inbox {
  private readonly hints: RecordHints

  constructor (private readonly ctx: MessengerContext, private readonly resolver: AccountResolver, private readonly effects: InboxEffects) {
    this.hints = new RecordHints(ctx, resolver)
  }

  /**
   * One envelope, from a direct stream or a relay. Replays are dropped quietly; other failures
   * throw typed errors. `via` says where it came from: a direct sender learns of a lost session
   * from its ack.
   */
  async receive (envelope: Envelope, via: 'direct' | 'relay' = 'relay', context: ReceiveContext = {}): Promise<void> {
    const { sessions, store, prekeys } = this.ctx.components
    const log = this.ctx.log('receive')
    let effects: Effect[] = []
    let hint: (() => void) | undefined
    try {
      // the sealed box names the sender: check its device against its account record (maybe a
      // network lookup) before taking the session lock, so a slow DHT never stalls other messages
      const unsealed = await sessions.peekSender(envelope.payload)
      const claimed = unsealed.sender
      const sender = encodeAddress(claimed.accountKey)
      const isListed = (r: VerifiedAccountRecord): boolean => r.body.devices.some((d) => equalBytes(d.deviceKey, claimed.deviceKey) && equalBytes(d.identityDhKey, claimed.identityDhKey))
      // a device we do not know yet may have just been linked: ask the DHT once more
      let record = await this.resolveSender(sender, context)
      if (!isListed(record) && !isListed(record = await this.resolveSender(sender, context, true))) throw new UnknownSenderDeviceError()
      const known = record.body.sequence
      await this.ctx.lock.run(async () => {
        // the sealed box is opened once: its layer holds no state, the session is read under the lock
        const opened = await sessions.open(envelope.payload, unsealed)
        if (!equalBytes(opened.senderDeviceKey, claimed.deviceKey)) throw new UnknownSenderDeviceError()
        const contact = await store.contacts.get(sender)
        const now = this.ctx.now()
        let content: Content
        try {
          content = Content.decode(opened.plaintext, { limits: { ids: MAX_IDS_PER_CONTENT } })
        } catch (err) {
          log.trace('undecodable content, kept as unsupported - %e', err)
          content = baseContent({ id: '', kind: 'normal', members: [sender], lastActivity: 0, unreadCount: 0, disappearingTimerMs: null, clock: 0, createdAt: 0 }, Content.Kind.UNKNOWN, now)
        }
        // a blocked sender's envelope advances the session and is acked and receipted like any
        // other (it must not learn it is blocked), but nothing of it is stored or shown (PROTOCOL.md §7)
        const blocked = contact?.blocked === true
        await store.transaction(async (tx) => {
          await opened.commit(tx)
          const input = { tx, content, sender, senderDevice: opened.senderDeviceKey, self: this.ctx.address, myDevice: this.ctx.components.signer.publicKey, now }
          effects = blocked ? await blockedSenderEffects(input) : await applyContent(input)
        })
        hint = () => { this.hints.note(sender, content.senderRecordSeq ?? 0n, known) }
        if (opened.consumed != null) await prekeys.consume(opened.consumed)
        if (blocked) log.trace('dropped the content of a blocked sender')
      })
    } catch (err) {
      if (err instanceof ReplayError) return
      if (err instanceof SenderChainMissingError) {
        void this.effects.senderChainMissing?.(err.peer).catch((askErr: unknown) => { log('could not ask for a sender chain - %e', askErr) })
      }
      // a direct sender reads ERR_SESSION_RESET in its ack and starts the new session itself;
      // starting one from this side too would cross the two handshakes and lose the next message
      if (err instanceof SessionResetNeededError && err.sender != null && via === 'relay') {
        void this.effects.requestSessionReset(err.sender).catch((resetErr: unknown) => { log('could not ask for a session reset - %e', resetErr) })
      }
      throw err
    }
    await this.run(effects)
    hint?.()
    this.effects.afterReceive()
  }

  /**
   * The claimed sender's account record; a sender this drain already looked up in vain fails at
   * once (`ERR_ACCOUNT_NOT_FOUND`), so forged envelopes naming it cost one lookup, not one each.
   */
  private async resolveSender (sender: string, context: ReceiveContext, fresh = false): Promise<VerifiedAccountRecord> {
    if (context.unknownSenders?.has(sender) === true) {
      throw new ParleyError(`No account record found for ${sender} (looked up in vain earlier in this drain)`, ErrorCode.ACCOUNT_NOT_FOUND)
    }
    try {
      return await this.resolver.resolve(sender, { fresh })
    } catch (err) {
      if (hasCode(err, ErrorCode.ACCOUNT_NOT_FOUND)) context.unknownSenders?.add(sender)
      throw err
    }
  }

  /** Runs the effects of a committed receive: events and receipts first, then follow-up work. */
  private async run (effects: Effect[]): Promise<void> {
    for (const effect of effects) {
      if (effect.kind === 'emit') emitNow(this.ctx.components.events, effect)
      else if (effect.kind === 'delivered-receipt') this.effects.deliveredReceipt(effect.conversationId, effect.messageId)
    }
    for (const effect of effects) {
      if (effect.kind === 'history-archive') {
        await (this.ctx.historyArchives?.(effect.from, effect.archive) ?? Promise.resolve()).catch((err: unknown) => { this.ctx.log('receive').error('a history archive was refused - %e', err) })
        continue
      }
      if (effect.kind === 'adopt-own-record' || effect.kind === 'device-unlinked') {
        await this.effects.ownDevices?.(effect).catch((err: unknown) => { this.ctx.log('receive').error('follow-up %s failed - %e', effect.kind, err) })
        continue
      }
      if (effect.kind !== 'resend-undelivered' && effect.kind !== 'wipe-secret-chat' && effect.kind !== 'group-update' && effect.kind !== 'sender-key-request' && effect.kind !== 'group-join') continue
      await this.effects.followUp(effect).catch((err: unknown) => { this.ctx.log('receive').error('follow-up %s failed - %e', effect.kind, err) })
    }
  }
}
