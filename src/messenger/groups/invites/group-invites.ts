import type { AbortOptions } from '@libp2p/interface'
import { randomBytes } from '@noble/hashes/utils.js'
import { equalBytes } from '@noble/ciphers/utils.js'
import { fromHex, toHex } from '../../../bytes.js'
import { codeOf, ErrorCode, ParleyError } from '../../../errors.js'
import { decodeAddress, encodeAddress } from '../../../identity/address.js'
import { RateLimiter } from '../../../net/rate-limiter.js'
import type { Conversation } from '../../../store/index.js'
import { MAX_GROUP_JOIN_REQUESTS } from '../../../store/group-repo.js'
import { Content } from '../../../wire/content.js'
import { GroupJoin, GroupOp } from '../../../wire/groups.js'
import type { Target } from '../../components.js'
import type { MessengerContext } from '../../context.js'
import { baseContent } from '../../conversations/content.js'
import type { Dispatcher } from '../../delivery/dispatcher.js'
import type { AccountResolver } from '../../directory/account-resolver.js'
import { emitEffect, emitNow } from '../../effects.js'
import { InvalidArgumentError } from '../../errors.js'
import type { ConversationId, GroupJoinRequestView, GroupJoinResult, GroupLinkView } from '../../types.js'
import { DEFAULT_GROUP_LINK_TTL_MS, GROUP_JOIN_BURST, GROUP_JOIN_INTERVAL_MS, GROUP_JOIN_REQUESTERS_TRACKED, GROUP_JOINS_PER_MINUTE } from '../constants.js'
import { NotGroupMemberError } from '../errors.js'
import type { GroupSender } from '../group-sender.js'
import type { Groups } from '../groups.js'
import { GROUP_LINK_ID_LENGTH, MAX_GROUP_LINKS, mayMake } from '../membership/index.js'
import { groupTargets } from '../group-targets.js'
import { checkLink, checkSettled, checkShared, otherAdmins } from './shared-requests.js'
import { formatGroupLink, GroupLinkExpiredError, InvalidGroupLinkError, linkIdOf, parseGroupLink } from './invite-link.js'

const JOIN_VERSION = 1
/** The rate limits' clock: monotonic (a wall clock set back must not empty a bucket). */
const monotonic = (): number => performance.now()
/** Join requests this device sent and awaits an answer to (group id → the creator's address), the oldest forgotten first. */
const MAX_OUTGOING_JOINS = 256

/**
 * Invites by link (issue #20, PROTOCOL.md §12.5). A link carries the group id, a 16-byte secret,
 * its creator's account key and its expiry; the log holds a LINK operation with the secret's
 * hash, so every member knows which links live, and an admin or the creator revokes one with
 * UNLINK. Whoever may add members may make a link. A joiner sends the secret to the creator's
 * devices over pairwise sessions (GROUP_JOIN); the creator's device checks it against the log
 * (forged: `ERR_INVALID_GROUP_LINK`, expired, revoked) and then adds the joiner at once or keeps
 * the request for approval, per the group's setting (an account removed from the group before
 * always waits for approval). Requests are bounded per requester account and group, per device
 * overall, and in number kept per group.
 */
export class GroupInvites {
  private readonly perRequester = new RateLimiter({ perSecond: 1000 / GROUP_JOIN_INTERVAL_MS, burst: GROUP_JOIN_BURST }, GROUP_JOIN_REQUESTERS_TRACKED, monotonic)
  private readonly overall = new RateLimiter({ perSecond: GROUP_JOINS_PER_MINUTE / 60, burst: GROUP_JOINS_PER_MINUTE }, 1, monotonic)
  private readonly outgoing = new Map<string, string>()

  constructor (
    private readonly ctx: MessengerContext,
    private readonly resolver: AccountResolver,
    private readonly dispatcher: Dispatcher,
    private readonly sender: GroupSender,
    private readonly groups: Groups
  ) {}

  private get me (): string { return toHex(this.ctx.components.accountRecords.accountKey) }

  /** A new invite link (a LINK operation in the log); `expiresInMs` null: never expires. */
  async create (id: ConversationId, init: { expiresInMs?: number | null } = {}, options: AbortOptions = {}): Promise<GroupLinkView> {
    const ttl = init.expiresInMs === undefined ? DEFAULT_GROUP_LINK_TTL_MS : init.expiresInMs
    if (ttl !== null && (!Number.isInteger(ttl) || ttl < 60_000)) throw new InvalidArgumentError('A link lives at least a minute (or pass null: no expiry)')
    const { log } = await this.groups.current(id, options)
    if (!mayMake(log.state, this.me, GroupOp.Kind.LINK)) throw new ParleyError('Only those who may add members may make an invite link', ErrorCode.NOT_GROUP_ADMIN)
    if (log.state.links.size >= MAX_GROUP_LINKS) throw new ParleyError(`A group holds at most ${MAX_GROUP_LINKS} live invite links: revoke one`, ErrorCode.GROUP_TOO_LARGE)
    const secret = randomBytes(GROUP_LINK_ID_LENGTH)
    const linkId = linkIdOf(secret)
    const expiresAt = ttl === null ? 0 : this.ctx.now() + ttl
    const view = await this.groups.operate(id, GroupOp.Kind.LINK, { linkId, expiresAt: BigInt(expiresAt) }, options)
    const link = formatGroupLink({ groupId: log.groupId, secret, creator: this.ctx.components.accountRecords.accountKey, expiresAt, name: view.name })
    return { link, linkId: toHex(linkId), creator: this.ctx.address, expiresAt }
  }

  /** Revokes a link (an UNLINK operation): its creator or an admin. */
  async revoke (id: ConversationId, linkId: string, options: AbortOptions = {}): Promise<void> {
    const { log } = await this.groups.current(id, options)
    if (!log.state.links.has(linkId)) throw new InvalidGroupLinkError('No such live link in this group')
    if (!mayMake(log.state, this.me, GroupOp.Kind.UNLINK, linkId)) throw new ParleyError('Only an admin or the link\'s creator may revoke it', ErrorCode.NOT_GROUP_ADMIN)
    await this.groups.operate(id, GroupOp.Kind.UNLINK, { linkId: fromHex(linkId) }, options)
  }

  /** The group's live links (their secrets stay with whoever holds the link). */
  async links (id: ConversationId, options: AbortOptions = {}): Promise<Array<Omit<GroupLinkView, 'link'>>> {
    const { log } = await this.groups.current(id, options)
    return [...log.state.links].map(([linkId, l]) => ({ linkId, creator: encodeAddress(fromHex(l.creator)), expiresAt: l.expiresAt }))
  }

  /** Whether a join by link is accepted at once or waits for approval (an admin's SETTINGS operation). */
  async setJoinApproval (id: ConversationId, mode: 'approve' | 'auto', options: AbortOptions = {}): Promise<void> {
    await this.groups.operate(id, GroupOp.Kind.SETTINGS, this.groups.settingsFields((await this.groups.current(id, options)).log.state, { linkJoin: mode === 'auto' ? GroupOp.LinkJoin.AUTO : GroupOp.LinkJoin.APPROVE }), options)
  }

  /** Asks to join the group of `link` (sent to the link creator's devices); the group arrives as an update once accepted. */
  async join (link: string, options: AbortOptions = {}): Promise<GroupJoinResult> {
    const parsed = parseGroupLink(link)
    if (parsed.expiresAt > 0 && parsed.expiresAt <= this.ctx.now()) throw new GroupLinkExpiredError()
    const id = toHex(parsed.groupId)
    const creator = encodeAddress(parsed.creator)
    if (creator === this.ctx.address) throw new InvalidArgumentError('This is a link of yours')
    const existing = await this.ctx.components.store.groups.get(id, options)
    if (existing?.self === 'member' && existing.log.length > 0) return { groupId: id, name: existing.name, status: 'member' }
    const record = await this.resolver.resolve(creator, options)
    const only = record.body.devices.map((device): Target => ({ address: creator, device, sync: false }))
    const join = GroupJoin.encode({ version: JOIN_VERSION, status: GroupJoin.Status.REQUEST, linkId: linkIdOf(parsed.secret), secret: parsed.secret, code: '', account: new Uint8Array(0) })
    await this.send(stranger(id, this.ctx.now()), join, only, options)
    this.outgoing.delete(id)
    this.outgoing.set(id, creator)
    if (this.outgoing.size > MAX_OUTGOING_JOINS) this.outgoing.delete(this.outgoing.keys().next().value as string)
    return { groupId: id, name: parsed.name, status: 'requested' }
  }

  /** Join requests waiting for this account's approval. */
  async requests (id: ConversationId, options: AbortOptions = {}): Promise<GroupJoinRequestView[]> {
    const { record } = await this.groups.current(id, options)
    return (record.joinRequests ?? []).map((r) => ({ address: r.account, linkId: r.linkId, at: r.at }))
  }

  /** Approves a waiting request: the requester is added (and handed the group like any new member); another admin's approval that arrived first settles it (no second ADD). */
  async approve (id: ConversationId, address: string, options: AbortOptions = {}): Promise<void> {
    if (await this.take(id, address, options) == null) return
    await this.groups.addMembers(id, [address], options)
  }

  /** Declines a waiting request: the requester is told by the link creator's devices, the other admins' devices drop it. */
  async decline (id: ConversationId, address: string, options: AbortOptions = {}): Promise<void> {
    const request = await this.take(id, address, options)
    if (request == null) return
    const { log } = await this.groups.current(id, options)
    if (log.state.links.get(request.linkId)?.creator === this.me) await this.answer(id, address, undefined, GroupJoin.Status.DECLINED, '', options)
    await this.tellAdmins(id, GroupJoin.Status.SETTLED, address, fromHex(request.linkId), options)
  }

  /** A GROUP_JOIN received (after its receive committed): a request for a link of this account, one shared or settled by an admin, or the answer to ours. */
  async received (id: string, from: { address: string, device: Uint8Array }, join: GroupJoin, options: AbortOptions = {}): Promise<void> {
    if (join.status === GroupJoin.Status.SHARED || join.status === GroupJoin.Status.SETTLED) { await this.receivedFromAdmin(id, from.address, join, options); return }
    if (from.address === this.ctx.address) return
    if (join.status !== GroupJoin.Status.REQUEST) {
      if (this.outgoing.get(id) !== from.address) { this.ctx.log('groups')('ignored a join answer for group %s we did not ask %s', id, from.address); return }
      if (join.status !== GroupJoin.Status.PENDING) this.outgoing.delete(id)
      const status = join.status === GroupJoin.Status.PENDING ? 'pending' : join.status === GroupJoin.Status.DECLINED ? 'declined' : 'invalid'
      emitNow(this.ctx.components.events, emitEffect('group-join-answered', { groupId: id, status, ...(status === 'invalid' ? { code: join.code.slice(0, 64) } : {}) }))
      return
    }
    // bounded before anything else: per requester account and group, then per device
    if (!this.perRequester.take(`${id} ${from.address}`) || !this.overall.take('all')) { this.refuse(id, from.address, ErrorCode.RATE_LIMITED); return }
    let accept: 'now' | 'approve' | undefined
    try {
      accept = await this.sender.locked(id, async () => this.check(id, from.address, join, options))
    } catch (err) {
      const code = codeOf(err) ?? ErrorCode.INTERNAL
      this.refuse(id, from.address, code)
      if (code === ErrorCode.INVALID_GROUP_LINK || code === ErrorCode.GROUP_LINK_EXPIRED || code === ErrorCode.GROUP_LINK_REVOKED) {
        await this.answer(id, from.address, from.device, GroupJoin.Status.INVALID, code, options)
      }
      return
    }
    if (accept === 'now') await this.groups.addMembers(id, [from.address], options)
    else if (accept === 'approve') {
      emitNow(this.ctx.components.events, emitEffect('group-join-requested', { groupId: id, address: from.address }))
      await this.answer(id, from.address, from.device, GroupJoin.Status.PENDING, '', options)
      await this.tellAdmins(id, GroupJoin.Status.SHARED, from.address, join.linkId, options)
    }
  }

  /**
   * A request the link creator shared with this admin (kept, `group-join-requested`), or one an
   * admin declined (dropped, `group-join-settled`; the creator's devices answer the joiner).
   * Bounded by the device's overall join limit; a forged one is refused with its typed error.
   */
  private async receivedFromAdmin (id: string, from: string, join: GroupJoin, options: AbortOptions): Promise<void> {
    if (!this.overall.take('all')) { this.refuse(id, from, ErrorCode.RATE_LIMITED); return }
    const sender = toHex(decodeAddress(from))
    try {
      if (join.status === GroupJoin.Status.SHARED) {
        const kept = await this.sender.locked(id, async () => {
          const { record, log } = await this.groups.current(id, options)
          const requester = checkShared(log.state, record, this.me, sender, join, this.ctx.now())
          if (requester == null) return undefined
          const requests = record.joinRequests ?? []
          if (requests.length >= MAX_GROUP_JOIN_REQUESTS) throw new ParleyError(`${MAX_GROUP_JOIN_REQUESTS} join requests already wait`, ErrorCode.RATE_LIMITED)
          await this.ctx.components.store.groups.put(id, { ...record, joinRequests: [...requests, { account: requester, linkId: toHex(join.linkId), at: this.ctx.now() }] }, options)
          return requester
        })
        if (kept != null) emitNow(this.ctx.components.events, emitEffect('group-join-requested', { groupId: id, address: kept }))
        return
      }
      const settled = await this.sender.locked(id, async () => {
        const { record, log } = await this.groups.current(id, options)
        const requester = checkSettled(log.state, sender, join)
        const request = (record.joinRequests ?? []).find((r) => r.account === requester)
        if (request == null) return undefined
        await this.ctx.components.store.groups.put(id, { ...record, joinRequests: (record.joinRequests ?? []).filter((r) => r !== request) }, options)
        return { requester, mine: log.state.links.get(request.linkId)?.creator === this.me }
      })
      if (settled == null) return
      emitNow(this.ctx.components.events, emitEffect('group-join-settled', { groupId: id, address: settled.requester, outcome: 'declined' }))
      // the joiner hears only from the link's creator: its devices answer for the admin who declined
      if (settled.mine && from !== this.ctx.address) await this.answer(id, settled.requester, undefined, GroupJoin.Status.DECLINED, '', options)
    } catch (err) {
      options.signal?.throwIfAborted()
      this.refuse(id, from, codeOf(err) ?? ErrorCode.INTERNAL)
    }
  }

  /** Tells the other admins' devices (and, for a decline, this account's other devices and the link creator's) about a waiting request. */
  private async tellAdmins (id: string, status: GroupJoin.Status, requester: string, linkId: Uint8Array, options: AbortOptions): Promise<void> {
    try {
      const { log } = await this.groups.current(id, options)
      const creator = log.state.links.get(toHex(linkId))?.creator
      const accounts = otherAdmins(log.state, this.me)
      if (status === GroupJoin.Status.SETTLED && creator != null && creator !== this.me) accounts.push(encodeAddress(fromHex(creator)))
      const targets = (await groupTargets(this.ctx, this.resolver, [...new Set(accounts)], options))
        .filter((t) => status === GroupJoin.Status.SETTLED || t.address !== this.ctx.address)
      const conversation = await this.ctx.components.store.conversations.get(id, options)
      if (conversation == null) return
      const payload = GroupJoin.encode({ version: JOIN_VERSION, status, linkId, secret: new Uint8Array(0), code: '', account: decodeAddress(requester) })
      await this.send(conversation, payload, targets, options)
    } catch (err) {
      options.signal?.throwIfAborted()
      this.ctx.log('groups')('could not tell the admins of group %s about the join request of %s - %e', id, requester, err)
    }
  }

  /** Checks a request against the log (under the group lock); keeps it when it waits for approval. */
  private async check (id: string, address: string, join: GroupJoin, options: AbortOptions): Promise<'now' | 'approve' | undefined> {
    const { record, log } = await this.groups.current(id, options)
    if (record.self !== 'member') throw new NotGroupMemberError()
    const requester = toHex(decodeAddress(address))
    if (log.state.members.has(requester)) return undefined
    if (join.secret.length !== GROUP_LINK_ID_LENGTH || !equalBytes(linkIdOf(join.secret), join.linkId)) throw new InvalidGroupLinkError('The secret does not match the link')
    const linkId = toHex(join.linkId)
    checkLink(log.state, linkId, this.me, this.ctx.now())
    if (log.state.linkJoin === 'auto' && !log.everRemoved(requester)) return 'now'
    const others = (record.joinRequests ?? []).filter((r) => r.account !== address)
    if (others.length >= MAX_GROUP_JOIN_REQUESTS) throw new ParleyError(`${MAX_GROUP_JOIN_REQUESTS} join requests already wait`, ErrorCode.RATE_LIMITED)
    await this.ctx.components.store.groups.put(id, { ...record, joinRequests: [...others, { account: address, linkId, at: this.ctx.now() }] }, options)
    return 'approve'
  }

  /** Takes a waiting request out of the record; undefined when its account is a member already (approved elsewhere). */
  private async take (id: string, address: string, options: AbortOptions): Promise<{ linkId: string } | undefined> {
    return this.sender.locked(id, async () => {
      const { record, log } = await this.groups.current(id, options)
      const requests = record.joinRequests ?? []
      const request = requests.find((r) => r.account === address)
      if (request == null) {
        if (log.state.members.has(toHex(decodeAddress(address)))) return undefined
        throw new InvalidArgumentError('No join request from this account')
      }
      await this.ctx.components.store.groups.put(id, { ...record, joinRequests: requests.filter((r) => r !== request) }, options)
      return request
    })
  }

  /** Answers a requester (the device that asked, or every device of the account). */
  private async answer (id: string, address: string, device: Uint8Array | undefined, status: GroupJoin.Status, code: string, options: AbortOptions): Promise<void> {
    try {
      const devices = (await this.resolver.resolve(address, options)).body.devices.filter((d) => device == null || equalBytes(d.deviceKey, device))
      const conversation = await this.ctx.components.store.conversations.get(id, options) ?? stranger(id, this.ctx.now())
      await this.send(conversation, GroupJoin.encode({ version: JOIN_VERSION, status, linkId: new Uint8Array(0), secret: new Uint8Array(0), code, account: new Uint8Array(0) }), devices.map((d) => ({ address, device: d, sync: false })), options)
    } catch (err) {
      options.signal?.throwIfAborted()
      this.ctx.log('groups')('could not answer a join request of %s - %e', address, err)
    }
  }

  private async send (conversation: Conversation, payload: Uint8Array, only: Target[], options: AbortOptions): Promise<void> {
    if (only.length === 0) return
    const content = baseContent(conversation, Content.Kind.GROUP_JOIN, this.ctx.now(), { groupPayload: payload })
    await this.dispatcher.dispatch(conversation, content, { ...options, group: true, only })
  }

  private refuse (id: string, sender: string, code: string): void {
    this.ctx.log('groups')('join request of %s for group %s refused: %s', sender, id, code)
    emitNow(this.ctx.components.events, emitEffect('group-refused', { conversationId: id, sender, code }))
  }
}

/** A group conversation this device does not hold (a joiner's): only for sealing a GROUP_JOIN, never stored. */
function stranger (id: string, now: number): Conversation {
  return { id, kind: 'group', members: [], lastActivity: now, unreadCount: 0, disappearingTimerMs: null, clock: 0, createdAt: now }
}
