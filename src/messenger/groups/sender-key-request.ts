import type { AbortOptions } from '@libp2p/interface'
import { equalBytes } from '@noble/ciphers/utils.js'
import { toHex } from '../../bytes.js'
import { SenderChainState } from '../../crypto/sender-keys.js'
import { ErrorCode } from '../../errors.js'
import type { DeviceEntry } from '../../identity/account-record.js'
import { Content } from '../../wire/content.js'
import type { Target } from '../components.js'
import type { MessengerContext } from '../context.js'
import { baseContent } from '../conversations/content.js'
import type { Dispatcher } from '../delivery/dispatcher.js'
import type { AccountResolver } from '../directory/account-resolver.js'
import { emitEffect, emitNow } from '../effects.js'
import { SENDER_KEY_REQUEST_INTERVAL_MS, SENDER_KEY_REQUESTS_TRACKED } from './constants.js'
import type { GroupSender } from './group-sender.js'

/** A device whose chain this device lacks (or which lacks this device's chain), in one group. */
export interface SenderKeyPeer {
  conversationId: string
  address: string
  device: Uint8Array
}

/**
 * Times of the last request (or answer) per key, at most `max` keys (the oldest go first), so
 * that neither side sends more than one per key per {@link SENDER_KEY_REQUEST_INTERVAL_MS}.
 */
class RecentKeys {
  private readonly seen = new Map<string, number>()
  constructor (private readonly max: number) {}

  /** True (and noted) when `key` was not used in the last interval. */
  take (key: string, now: number): boolean {
    const last = this.seen.get(key)
    if (last != null && now - last < SENDER_KEY_REQUEST_INTERVAL_MS) return false
    this.seen.delete(key)
    this.seen.set(key, now)
    for (const oldest of this.seen.keys()) {
      if (this.seen.size <= this.max) break
      this.seen.delete(oldest)
    }
    return true
  }
}

/**
 * Sender-key re-requests (PROTOCOL.md §12.2): a group message whose sender chain this device
 * lacks (its distribution lost, or expired while this device was offline) makes this device ask
 * the sending device, over their pairwise session, for its current chain — a GROUP_MESSAGE with
 * `flag` set and no payload, at most once per sender device per group per minute. The sender
 * answers a current member device only (the receive path refuses other requesters), at most once
 * per requester device per chain per minute, with a GROUP_MESSAGE carrying no payload and the
 * `sender_key` of its current chain *from the chain's start*, so the message that failed (and
 * any other of that chain) can be read when it is received again.
 */
export class SenderKeyRequests {
  private readonly asked = new RecentKeys(SENDER_KEY_REQUESTS_TRACKED)
  private readonly answered = new RecentKeys(SENDER_KEY_REQUESTS_TRACKED)

  constructor (
    private readonly ctx: MessengerContext,
    private readonly resolver: AccountResolver,
    private readonly dispatcher: Dispatcher,
    private readonly sender: GroupSender
  ) {}

  /** A message of `peer` failed with an unknown chain: ask its device for the chain (throttled). */
  async missing (peer: SenderKeyPeer, options: AbortOptions = {}): Promise<void> {
    if (!this.asked.take(`${peer.conversationId} ${toHex(peer.device)}`, this.ctx.now())) return
    const { store } = this.ctx.components
    const conversation = await store.conversations.get(peer.conversationId, options)
    if (conversation?.kind !== 'group') return
    const target = await this.target(peer, options)
    if (target == null) return
    this.ctx.log('groups')('asking a device of %s for its sender chain in group %s', peer.address, peer.conversationId)
    const request = baseContent(conversation, Content.Kind.GROUP_MESSAGE, this.ctx.now(), { flag: true })
    await this.dispatcher.dispatch(conversation, request, { ...options, group: true, only: [target] })
  }

  /**
   * A member device asked for this device's chain (the receive path checked it is a current
   * member device): sends it the current chain from its start, once per chain per minute.
   */
  async answer (peer: SenderKeyPeer, options: AbortOptions = {}): Promise<void> {
    const log = this.ctx.log('groups')
    await this.sender.locked(peer.conversationId, async () => {
      const { store } = this.ctx.components
      const record = await store.groups.get(peer.conversationId, options)
      const conversation = await store.conversations.get(peer.conversationId, options)
      if (record == null || conversation == null || record.self !== 'member') return
      // membership may have changed since the request was received: checked again under the lock
      if (peer.address !== this.ctx.address && !record.members.some((m) => m.account === peer.address)) {
        this.refuse(peer, ErrorCode.NOT_GROUP_MEMBER)
        return
      }
      if (record.ownChain == null || record.ownChainStart == null) {
        log('no sender chain to hand %s in group %s (none sent yet)', peer.address, peer.conversationId)
        return
      }
      const chainId = SenderChainState.decode(record.ownChain).chainId
      if (!this.answered.take(`${peer.conversationId} ${toHex(peer.device)} ${chainId}`, this.ctx.now())) {
        this.refuse(peer, ErrorCode.RATE_LIMITED)
        return
      }
      const target = await this.target(peer, options)
      if (target == null) return
      const answer = baseContent(conversation, Content.Kind.GROUP_MESSAGE, this.ctx.now(), { senderKey: record.ownChainStart })
      await this.dispatcher.dispatch(conversation, answer, { ...options, group: true, only: [target] })
    })
  }

  private refuse (peer: SenderKeyPeer, code: string): void {
    this.ctx.log('groups')('sender key request of %s in group %s refused: %s', peer.address, peer.conversationId, code)
    emitNow(this.ctx.components.events, emitEffect('group-refused', { conversationId: peer.conversationId, sender: peer.address, code }))
  }

  /** The peer's device as a send target (its account record looked up), or undefined when it is no longer listed. */
  private async target (peer: SenderKeyPeer, options: AbortOptions): Promise<Target | undefined> {
    const own = peer.address === this.ctx.address
    const devices: DeviceEntry[] = own
      ? this.ctx.components.accountRecords.ownBody()?.devices ?? []
      : (await this.resolver.resolve(peer.address, options)).body.devices
    const device = devices.find((d) => equalBytes(d.deviceKey, peer.device))
    if (device == null) {
      this.ctx.log('groups')('device of %s no longer listed: no sender key request or answer', peer.address)
      return undefined
    }
    return { address: peer.address, device, sync: own }
  }
}
