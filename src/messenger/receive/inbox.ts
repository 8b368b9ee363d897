import { equalBytes } from '@noble/ciphers/utils.js'
import { ReplayError } from '../../crypto/index.js'
import type { VerifiedAccountRecord } from '../../identity/account-record.js'
import { encodeAddress } from '../../identity/address.js'
import { ErrorCode, ParleyError, hasCode } from '../../errors.js'
import type { AbortOptions } from '@libp2p/interface'
import type { OpenedSealed } from '../../crypto/index.js'
import type { Envelope } from '../../net/envelope-codec.js'
import type { StoreTransaction } from '../../store/index.js'
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

/** What the receives of one mailbox drain share. */
export interface ReceiveContext {
  /** Claimed senders whose account was looked up in vain already (bounded): not looked up again. */
  unknownSenders?: { has: (address: string) => boolean, add: (address: string) => unknown }
}

/** What the inbox hands the effects of a received content to, after its transaction commits. */
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

/** An envelope whose sealed box is open and whose sender's device is listed in its account record. */
interface Checked {
  envelope: Envelope
  unsealed: OpenedSealed
  sender: string
  /** The sequence of the sender's account record held here. */
  known: bigint
}

/** What receiving one envelope leaves for after its commit. */
interface Applied {
  effects: Effect[]
  consumed?: { oneTimePrekeyId?: number, oneTimePqPrekeyId?: number }
  hint: () => void
  blocked: boolean
}

/** Effects that must run before the next envelope is opened (they change what it is read against). */
function needsFollowUp (applied: Applied): boolean {
  return applied.consumed != null || applied.effects.some((e) => e.kind !== 'emit' && e.kind !== 'delivered-receipt')
}

function isAborted (options: AbortOptions): boolean {
  return options.signal?.aborted === true
}

/**
 * Receiving envelopes: peek at the sealed sender → verify its device against its account
 * record → open the session → apply the content and commit, session state and effects in one
 * store transaction. A drained page of envelopes shares one transaction ({@link receivePage}).
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
    let applied: Applied | undefined
    try {
      // the sealed box names the sender: check its device against its account record (maybe a
      // network lookup) before taking the session lock, so a slow DHT never stalls other messages
      const checked = await this.check(envelope, await this.ctx.components.sessions.peekSender(envelope.payload), context)
      await this.ctx.lock.run(async () => {
        applied = await this.ctx.components.store.transaction(async (tx) => this.apply(checked, tx))
        await this.consume(applied)
      })
    } catch (err) {
      const failure = this.failed(err, via)
      if (failure === undefined) return
      throw failure
    }
    if (applied !== undefined) await this.finish(applied)
  }

  /**
   * The envelopes of one drained page, in order, in one store transaction: each is opened
   * with the session state the ones before it left (read through the transaction), its
   * content applied as one part of the transaction, and the whole committed once. An envelope
   * that fails (undecryptable, malformed, hostile, a handler refusing it) leaves nothing of
   * itself and does not roll back the others. The page is split after an envelope whose
   * effects must run before the next one is opened (a consumed one-time prekey, follow-up
   * work such as a group update): its part commits, those effects run, then the rest follows.
   *
   * Resolves, per envelope, `undefined` when it was received (or was a replay, dropped
   * quietly) and may be acked, or its typed error (when the commit fails or `options.signal`
   * aborts it, that error for every envelope not committed). Never rejects. Nothing is acked
   * here: the caller acks after this resolves, i.e. after the commit. `via` as for {@link receive}
   * (envelopes that arrived directly together are received as one page too).
   */
  async receivePage (envelopes: Envelope[], context: ReceiveContext = {}, options: AbortOptions = {}, via: 'direct' | 'relay' = 'relay'): Promise<Array<unknown | undefined>> {
    const { sessions, store } = this.ctx.components
    const outcomes: Array<unknown | undefined> = new Array(envelopes.length).fill(undefined)
    const unsealed: Array<OpenedSealed | undefined> = new Array(envelopes.length)
    for (let i = 0; i < envelopes.length; i++) {
      try {
        unsealed[i] = await sessions.peekSender(envelopes[i].payload)
      } catch (err) {
        outcomes[i] = this.failed(err, via)
      }
    }
    let next = 0
    const checked: Array<Checked | undefined> = new Array(envelopes.length)
    let recheck = true
    while (next < envelopes.length) {
      if (options.signal != null && isAborted(options)) {
        for (let i = next; i < envelopes.length; i++) if (outcomes[i] === undefined) outcomes[i] = options.signal.reason
        return outcomes
      }
      // the senders' devices checked against their records (outside the lock: maybe a lookup);
      // again for the rest of the page only after this account's own record changed
      const records = new Map<string, VerifiedAccountRecord>()
      for (let i = next; i < envelopes.length; i++) {
        const box = unsealed[i]
        if (box === undefined || (!recheck && checked[i] !== undefined)) continue
        try {
          checked[i] = await this.check(envelopes[i], box, context, records)
        } catch (err) {
          unsealed[i] = undefined
          outcomes[i] = this.failed(err, via)
        }
      }
      const segment: Array<{ index: number, applied: Applied }> = []
      const from = next
      try {
        await this.ctx.lock.run(async () => {
          await store.transaction(async (_tx, part) => {
            while (next < envelopes.length) {
              const i = next++
              const one = checked[i]
              if (one === undefined) continue
              try {
                const applied = await part(async (tx) => this.apply(one, tx))
                segment.push({ index: i, applied })
                if (needsFollowUp(applied)) break
              } catch (err) {
                unsealed[i] = undefined
                outcomes[i] = this.failed(err, via)
              }
            }
          }, options)
          for (const { applied } of segment) await this.consume(applied)
        })
      } catch (err) {
        // the commit failed (or was aborted): nothing of this segment is stored, none of it or
        // of what follows it is acked (the relay delivers them again)
        if (!isAborted(options)) this.ctx.log('receive').error('%d received envelope(s) were not committed - %e', envelopes.length - from, err)
        for (let i = from; i < envelopes.length; i++) if (outcomes[i] === undefined) outcomes[i] = err
        return outcomes
      }
      for (const { applied } of segment) await this.finish(applied)
      recheck = segment.some(({ applied }) => applied.effects.some((e) => e.kind === 'adopt-own-record' || e.kind === 'device-unlinked'))
    }
    return outcomes
  }

  /**
   * The sender's device, as the sealed box names it, checked against its account record.
   * `records` remembers the records resolved for the envelopes of one page (one resolve per
   * sender and page instead of one per envelope; a device it does not list is resolved afresh).
   */
  private async check (envelope: Envelope, unsealed: OpenedSealed, context: ReceiveContext, records?: Map<string, VerifiedAccountRecord>): Promise<Checked> {
    const claimed = unsealed.sender
    const sender = encodeAddress(claimed.accountKey)
    const isListed = (r: VerifiedAccountRecord): boolean => r.body.devices.some((d) => equalBytes(d.deviceKey, claimed.deviceKey) && equalBytes(d.identityDhKey, claimed.identityDhKey))
    // a device we do not know yet may have just been linked: ask the DHT once more
    let record = records?.get(sender) ?? await this.resolveSender(sender, context)
    if (!isListed(record) && !isListed(record = await this.resolveSender(sender, context, true))) throw new UnknownSenderDeviceError()
    records?.set(sender, record)
    return { envelope, unsealed, sender, known: record.body.sequence }
  }

  /**
   * Opens one checked envelope with its session read through `tx` and applies its content into
   * `tx` (under the session lock). The sealed box is opened once: its layer holds no state.
   */
  private async apply ({ envelope, unsealed, sender, known }: Checked, tx: StoreTransaction): Promise<Applied> {
    const log = this.ctx.log('receive')
    const opened = await this.ctx.components.sessions.open(envelope.payload, unsealed, tx)
    if (!equalBytes(opened.senderDeviceKey, unsealed.sender.deviceKey)) throw new UnknownSenderDeviceError()
    const contact = await tx.contacts.get(sender)
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
    await opened.commit(tx)
    const input = { tx, content, sender, senderDevice: opened.senderDeviceKey, self: this.ctx.address, myDevice: this.ctx.components.signer.publicKey, now }
    const effects = blocked ? await blockedSenderEffects(input) : await applyContent(input)
    return { effects, consumed: opened.consumed, blocked, hint: () => { this.hints.note(sender, content.senderRecordSeq ?? 0n, known) } }
  }

  /** After the commit, under the session lock: one-time prekeys the handshake used are deleted. */
  private async consume (applied: Applied): Promise<void> {
    if (applied.consumed != null) await this.ctx.components.prekeys.consume(applied.consumed)
    if (applied.blocked) this.ctx.log('receive').trace('dropped the content of a blocked sender')
  }

  /** After the commit: effects, the record hint, the after-receive hook. */
  private async finish (applied: Applied): Promise<void> {
    await this.run(applied.effects)
    applied.hint()
    this.effects.afterReceive()
  }

  /**
   * What a failed receive becomes: undefined for a replay (dropped quietly), else the error,
   * after asking for what it needs (a sender chain, a session reset).
   */
  private failed (err: unknown, via: 'direct' | 'relay'): unknown {
    const log = this.ctx.log('receive')
    if (err instanceof ReplayError) return undefined
    if (err instanceof SenderChainMissingError) {
      void this.effects.senderChainMissing?.(err.peer).catch((askErr: unknown) => { log('could not ask for a sender chain - %e', askErr) })
    }
    // a direct sender reads ERR_SESSION_RESET in its ack and starts the new session itself;
    // starting one from this side too would cross the two handshakes and lose the next message
    if (err instanceof SessionResetNeededError && err.sender != null && via === 'relay') {
      void this.effects.requestSessionReset(err.sender).catch((resetErr: unknown) => { log('could not ask for a session reset - %e', resetErr) })
    }
    return err
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
