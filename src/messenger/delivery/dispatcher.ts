import type { AbortOptions } from '@libp2p/interface'
import { randomBytes } from '@noble/hashes/utils.js'
import parallel from 'it-parallel'
import { toHex } from '../../bytes.js'
import { ErrorCode, ParleyError } from '../../errors.js'
import type { DeviceEntry } from '../../identity/account-record.js'
import { decodeAddress } from '../../identity/address.js'
import { ENVELOPE_VERSION, Envelope } from '../../net/envelope-codec.js'
import type { Conversation, StoreTransaction } from '../../store/index.js'
import { MailboxPrekey } from '../../wire/mailbox.js'
import { SignedPrekey as WireSignedPrekey } from '../../wire/parley.js'
import { Content } from '../../wire/content.js'
import type { Target } from '../components.js'
import { DEFAULT_SEND_TIMEOUT_MS, EPHEMERAL_SEND_TIMEOUT_MS, FLAG_SECRET, PREKEY_FETCH_CONCURRENCY, PREKEY_TAKE_TIMEOUT_MS, SECRET_RELAY_CAP_MS } from '../constants.js'
import type { MessengerContext } from '../context.js'
import type { AccountResolver } from '../directory/account-resolver.js'
import { conversationTargets } from '../directory/targets.js'
import type { FetchedOneTimePrekeys } from '../sessions/e2e-sessions.js'
import { resendToNewDevices } from './new-device-catch-up.js'
import { nextOutboxOrder } from './outbox-order.js'
import { relayAddresses } from './relay-addresses.js'

export interface DispatchOptions extends AbortOptions {
  /** Written in the same transaction as the sealed copies (the message itself). */
  alsoWrite?: (tx: StoreTransaction) => Promise<void>
  /** Sent directly once, never queued (typing). */
  ephemeral?: boolean
  /** Also to my own other devices. @default true */
  includeOwn?: boolean
  /** These targets only. */
  only?: Target[]
  /** Groups: the content is already the group envelope for `only` (see `setGroupSender`). */
  group?: true
  /** Groups: the content sealed for this target, when it differs from the others' (a sender key for a device that lacks it). */
  perTarget?: (target: Target) => Content
  /** Groups: the copies carry a text (its delivery state follows their outcomes). */
  trackDelivery?: boolean
  /** My own other devices only (a read state the peer is not told of). */
  ownOnly?: boolean
}

/** Sends a content in a group conversation (encrypts it once, then dispatches the copies with `group: true`). */
export type GroupSender = (conversation: Conversation, content: Content, options: DispatchOptions) => Promise<void>

/**
 * Seals one content per recipient device and queues each envelope in the outbox, in one store
 * transaction with the message itself: when the call is aborted or fails, nothing of it is
 * written (no message, no advanced session, no outbox entry). Each envelope is encoded once;
 * the outbox keeps those bytes and both the direct and the relay copy carry them.
 */
export class Dispatcher {
  constructor (
    private readonly ctx: MessengerContext,
    private readonly resolver: AccountResolver,
    private readonly kick: () => void
  ) {
    // a contact linked a device we kept missing: what we sent it since is sealed again to that device
    resolver.setDevicesAddedHandler((address, added) => {
      void resendToNewDevices(ctx, this, address, added).catch((err: unknown) => { ctx.log('dispatch').error('could not send recent messages to a new device of a contact - %e', err) })
    })
  }

  private groupSender: GroupSender | undefined

  /** Where contents of group conversations go (the groups feature). */
  setGroupSender (sender: GroupSender): void { this.groupSender = sender }

  async dispatch (conversation: Conversation, content: Content, options: DispatchOptions = {}): Promise<void> {
    if (conversation.kind === 'group' && options.group !== true) {
      if (this.groupSender == null) throw new ParleyError('Group conversations are not wired to a group sender', ErrorCode.INTERNAL)
      await this.groupSender(conversation, content, options)
      return
    }
    const { store, sessions, envelopes } = this.ctx.components
    const signal = this.ctx.signal(options, DEFAULT_SEND_TIMEOUT_MS)
    let targets = options.only ?? await conversationTargets(this.ctx, this.resolver, conversation, options.includeOwn ?? true, { signal })
    if (options.ownOnly === true) targets = targets.filter((t) => t.sync)
    if (targets.length === 0 && options.alsoWrite == null) return
    const secret = conversation.kind === 'secret'
    const info = secret ? await store.secretChats.get(conversation.id) : undefined
    const now = this.ctx.now()
    // receivers holding an older copy of this account's record look it up again (PROTOCOL.md, sync)
    const senderRecordSeq = this.ctx.components.accountRecords.ownBody()?.sequence ?? 0n
    const ttl = Number(content.ttlMs)
    const expiresAt = secret
      ? now + Math.min(ttl > 0 ? Math.max(ttl, SECRET_RELAY_CAP_MS) : SECRET_RELAY_CAP_MS, SECRET_RELAY_CAP_MS)
      : (ttl > 0 && content.kind === Content.Kind.TEXT ? Number(content.sentAt) + ttl : 0)
    const direct: Array<{ device: DeviceEntry, bytes: Uint8Array }> = []
    // devices we have no session with yet: a one-time prekey from their relays makes the handshake stronger
    const oneTime = new Map<string, FetchedOneTimePrekeys>()
    // fetched a few at a time: a group's first message reaches many new devices (never one round trip after another)
    const fresh: Target[] = []
    for (const target of targets) if (!(await sessions.has(target.device.deviceKey))) fresh.push(target)
    const fetches = parallel(fresh.map((target) => async () => ({ target, prekeys: await this.fetchOneTimePrekeys(target.address, target.device, signal) })), { concurrency: PREKEY_FETCH_CONCURRENCY })
    for await (const { target, prekeys } of fetches) oneTime.set(toHex(target.device.deviceKey), prekeys)
    signal.throwIfAborted()
    await this.ctx.lock.run(async () => store.transaction(async (tx) => {
      await options.alsoWrite?.(tx)
      for (const target of targets) {
        signal.throwIfAborted()
        const body = options.perTarget?.(target) ?? (target.sync && conversation.kind !== 'group' ? { ...content, syncPeer: decodeAddress(conversation.members[0]) } : content)
        const sealed = await sessions.seal(target.device, Content.encode({ ...body, senderRecordSeq }), oneTime.get(toHex(target.device.deviceKey)), tx)
        await sealed.commit(tx)
        const envelope: Envelope = {
          version: ENVELOPE_VERSION,
          id: randomBytes(16),
          recipientDevice: target.device.deviceKey,
          payload: sealed.payload,
          createdAt: BigInt(now),
          expiresAt: BigInt(expiresAt),
          flags: secret ? FLAG_SECRET : 0
        }
        const bytes = Envelope.encode(envelope)
        if (options.ephemeral === true) {
          direct.push({ device: target.device, bytes })
          continue
        }
        await tx.outbox.put({
          id: toHex(envelope.id),
          envelope: bytes,
          targets: [],
          target: { kind: 'sealed', address: target.address, deviceKey: toHex(target.device.deviceKey), directOnly: info?.directOnly === true },
          attempts: 0,
          nextAttemptAt: now,
          createdAt: now,
          order: nextOutboxOrder(),
          messageId: (content.kind === Content.Kind.TEXT || options.trackDelivery === true) && !target.sync ? toHex(content.messageId) : null,
          lastError: null
        })
      }
    }, { signal }))
    for (const { device, bytes } of direct) {
      void envelopes.send(device, bytes, { signal: AbortSignal.timeout(EPHEMERAL_SEND_TIMEOUT_MS) }).catch((err: unknown) => {
        this.ctx.log('dispatch').trace('an ephemeral content was not delivered - %e', err)
      })
    }
    this.kick()
  }

  /** One-time prekeys of a device from its account's relays (best effort, anonymous, 3 s). */
  private async fetchOneTimePrekeys (address: string, device: DeviceEntry, signal: AbortSignal): Promise<FetchedOneTimePrekeys> {
    try {
      const record = await this.resolver.resolve(address, { signal })
      const relays = relayAddresses(record.body.relays, undefined, record.body.fleets, (a) => this.ctx.components.network.canDial(a))
      if (relays.length === 0) return {}
      const handed = await this.ctx.components.depositor.takePrekey(relays, device.deviceKey, { signal: AbortSignal.any([signal, AbortSignal.timeout(PREKEY_TAKE_TIMEOUT_MS)]) })
      const out: FetchedOneTimePrekeys = {}
      for (const p of handed) {
        if (p.kind === MailboxPrekey.Kind.X25519 && !p.lastResort && p.blob.length === 32) out.oneTimePrekey = { id: p.id, publicKey: p.blob }
        if (p.kind === MailboxPrekey.Kind.ML_KEM && !p.lastResort) {
          const signed = WireSignedPrekey.decode(p.blob)
          out.oneTimePqPrekey = { id: signed.id, publicKey: signed.publicKey, signature: signed.signature, createdAt: Number(signed.createdAt) }
        }
      }
      return out
    } catch (err) {
      this.ctx.log('dispatch').trace('no one-time prekeys for a device, the signed ones will do - %e', err)
      return {}
    }
  }
}
