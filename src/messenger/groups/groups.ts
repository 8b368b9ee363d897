import type { AbortOptions, Logger } from '@libp2p/interface'
import { equalBytes } from '@noble/ciphers/utils.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { fromHex, toHex } from '../../bytes.js'
import { nativeBackend } from '../../crypto/backend-native.js'
import { InvalidSignatureError } from '../../crypto/index.js'
import { codeOf, ErrorCode } from '../../errors.js'
import { decodeAddress, encodeAddress } from '../../identity/address.js'
import type { Conversation, GroupRecord } from '../../store/index.js'
import { Content } from '../../wire/content.js'
import { GroupLogSnapshot, GroupOp, GroupPicture, SignedGroupPicture } from '../../wire/groups.js'
import type { MessengerContext } from '../context.js'
import { baseContent } from '../conversations/content.js'
import { conversationView } from '../conversations/conversation-view.js'
import type { Dispatcher } from '../delivery/dispatcher.js'
import type { AccountResolver } from '../directory/account-resolver.js'
import { InvalidArgumentError } from '../errors.js'
import type { ConversationId, GroupView } from '../types.js'
import { GroupNotFoundError, NotGroupMemberError } from './errors.js'
import type { GroupSender } from './group-sender.js'
import { groupTargets } from './group-targets.js'
import { newerPicture, openPicture, signPicture, type OpenedPicture } from './picture.js'
import {
  GroupLog, MAX_GROUP_MEMBERS, MAX_GROUP_NAME_LENGTH, MAX_GROUP_OPS, NotGroupAdminError, createOp, decodeGroupOp, groupIdOf, mayMake, nextOp, type GroupLogInit, type GroupState, type OpFields
} from './membership/index.js'

/** A group's view from its stored record. */
export function groupView (id: string, record: GroupRecord): GroupView {
  return { id, name: record.name, members: record.members.map((m) => ({ address: m.account, role: m.role })), self: record.self, timerMs: record.timerMs, joinByLink: record.linkJoin ?? 'approve', picture: pictureMeta(record.picture) }
}

function pictureMeta (bytes: Uint8Array | undefined): GroupView['picture'] {
  if (bytes == null) return null
  const p = GroupPicture.decode(SignedGroupPicture.decode(bytes).picture)
  return p.image.length === 0 ? null : { mime: p.mime, setAt: Number(p.setAt) }
}

/**
 * Groups (issue #20, PROTOCOL.md §12): creating one, membership changes as signed operations
 * of its log (each sent, with the whole log, to every member device and to those it removes),
 * applying the updates other members send, and the group views. Messages go through the
 * dispatcher like any conversation's; `GroupSender` encrypts them with sender keys.
 */
export class Groups {
  private readonly logs = new Map<string, GroupLog>()

  constructor (
    private readonly ctx: MessengerContext,
    private readonly resolver: AccountResolver,
    private readonly dispatcher: Dispatcher,
    private readonly sender: GroupSender
  ) {}

  private get init (): GroupLogInit {
    return {
      backend: nativeBackend,
      isDeviceOf: async (author, device, options) => {
        const address = encodeAddress(author)
        if (address === this.ctx.address) {
          if (equalBytes(device, this.ctx.components.signer.publicKey)) return true
          return (this.ctx.components.accountRecords.ownBody()?.devices ?? []).some((d) => equalBytes(d.deviceKey, device))
        }
        const record = await this.resolver.resolve(address, options)
        return record.body.devices.some((d) => equalBytes(d.deviceKey, device))
      }
    }
  }

  private author (): { accountKey: Uint8Array, signer: MessengerContext['components']['signer'], now: number } {
    return { accountKey: this.ctx.components.accountRecords.accountKey, signer: this.ctx.components.signer, now: this.ctx.now() }
  }

  /** Creates a group with this account as its admin and `members` (addresses) in it; tells every member. */
  async create (name: string, members: string[], options: AbortOptions = {}): Promise<GroupView> {
    checkName(name)
    const keys = accountKeys(members.filter((m) => m !== this.ctx.address))
    if (keys.length + 1 > MAX_GROUP_MEMBERS) throw new InvalidArgumentError(`A group has at most ${MAX_GROUP_MEMBERS} members`)
    const log = await GroupLog.fromCreate(this.init, await createOp(this.author(), name, keys, options), options)
    const id = toHex(log.groupId)
    return this.sender.locked(id, async () => {
      const record = await this.persist(id, log, undefined, options)
      await this.announce(id, log, [], options)
      return groupView(id, record)
    })
  }

  async addMembers (id: ConversationId, members: string[], options: AbortOptions = {}): Promise<GroupView> {
    return this.change(id, GroupOp.Kind.ADD, { members: accountKeys(members) }, options)
  }

  async removeMembers (id: ConversationId, members: string[], options: AbortOptions = {}): Promise<GroupView> {
    return this.change(id, GroupOp.Kind.REMOVE, { members: accountKeys(members) }, options)
  }

  async leave (id: ConversationId, options: AbortOptions = {}): Promise<GroupView> { return this.change(id, GroupOp.Kind.LEAVE, {}, options) }

  async rename (id: ConversationId, name: string, options: AbortOptions = {}): Promise<GroupView> {
    checkName(name)
    return this.change(id, GroupOp.Kind.RENAME, { name }, options)
  }

  async promote (id: ConversationId, members: string[], options: AbortOptions = {}): Promise<GroupView> {
    return this.change(id, GroupOp.Kind.PROMOTE, { members: accountKeys(members) }, options)
  }

  async demote (id: ConversationId, members: string[], options: AbortOptions = {}): Promise<GroupView> {
    return this.change(id, GroupOp.Kind.DEMOTE, { members: accountKeys(members) }, options)
  }

  /** The disappearing timer of new messages in the group (an admin's SETTINGS operation); null turns it off. */
  async setTimer (id: ConversationId, ttlMs: number | null, options: AbortOptions = {}): Promise<GroupView> {
    const record = await this.require(id, options)
    const log = await this.load(id, record, options)
    return this.change(id, GroupOp.Kind.SETTINGS, this.settingsFields(log.state, { timerMs: BigInt(ttlMs ?? 0) }), options)
  }

  async get (id: ConversationId, options: AbortOptions = {}): Promise<GroupView> { return groupView(id, await this.require(id, options)) }

  /** The group's record and log as stored now (invite links read the state from it). */
  async current (id: ConversationId, options: AbortOptions = {}): Promise<{ record: GroupRecord, log: GroupLog }> {
    const record = await this.require(id, options)
    return { record, log: await this.load(id, record, options) }
  }

  /** One operation of this account on the group, announced like any change (invite links: LINK, UNLINK, SETTINGS). */
  async operate (id: ConversationId, kind: GroupOp.Kind, fields: OpFields, options: AbortOptions = {}): Promise<GroupView> { return this.change(id, kind, fields, options) }

  /** Sets the group's picture (whoever may rename the group; at most 16 KiB of PNG, JPEG or WebP), or removes it (null); every member is told. */
  async setPicture (id: ConversationId, image: { bytes: Uint8Array, mime: string } | null, options: AbortOptions = {}): Promise<GroupView> {
    return this.sender.locked(id, async () => {
      const record = await this.require(id, options)
      const log = await this.load(id, record, options)
      if (record.self !== 'member' || !mayMake(log.state, toHex(this.ctx.components.accountRecords.accountKey), GroupOp.Kind.RENAME)) throw new NotGroupAdminError('Only those who may rename the group may set its picture')
      const a = this.author()
      const picture = await signPicture({ groupId: log.groupId, author: a.accountKey, signer: a.signer, setAt: a.now, mime: image?.mime ?? '', image: image?.bytes ?? new Uint8Array(0) }, options)
      const saved = await this.persist(id, log, { ...record, picture }, options)
      await this.announce(id, log, [], options)
      this.ctx.emit('group-updated', { group: groupView(id, saved) })
      return groupView(id, saved)
    })
  }

  /** The group's picture, or null. */
  async picture (id: ConversationId, options: AbortOptions = {}): Promise<{ mime: string, bytes: Uint8Array, setAt: number } | null> {
    const record = await this.require(id, options)
    if (record.picture == null) return null
    const p = GroupPicture.decode(SignedGroupPicture.decode(record.picture).picture)
    return p.image.length === 0 ? null : { mime: p.mime, bytes: p.image, setAt: Number(p.setAt) }
  }

  /** The newest of the stored picture and those received that verify and whose author may rename the group now (refusals logged); undefined: no change. */
  private async newestPicture (log: GroupLog, stored: Uint8Array | undefined, received: Uint8Array[], options: AbortOptions): Promise<Uint8Array | undefined> {
    let best: OpenedPicture | undefined = stored != null ? await openPicture(nativeBackend, stored, log.groupId).catch(() => undefined) : undefined
    let changed = false
    for (const bytes of received) {
      try {
        const p = await openPicture(nativeBackend, bytes, log.groupId)
        if (!newerPicture(p, best)) continue
        if (!mayMake(log.state, p.author, GroupOp.Kind.RENAME)) throw new NotGroupAdminError('The picture\'s author may not rename the group')
        if (!await this.init.isDeviceOf(fromHex(p.author), p.device, options)) throw new InvalidSignatureError('Group picture signed by a device that is not its author\'s')
        best = p
        changed = true
      } catch (err) {
        options.signal?.throwIfAborted()
        this.ctx.log('groups')('refused a group picture - %e', err)
      }
    }
    return changed ? best?.bytes : undefined
  }

  /** SETTINGS fields that keep the state's settings but for `overrides`. */
  settingsFields (s: GroupState, overrides: OpFields): OpFields {
    return {
      timerMs: BigInt(s.timerMs),
      addBy: s.addBy === 'members' ? GroupOp.Who.MEMBERS : GroupOp.Who.ADMINS,
      renameBy: s.renameBy === 'members' ? GroupOp.Who.MEMBERS : GroupOp.Who.ADMINS,
      linkJoin: s.linkJoin === 'auto' ? GroupOp.LinkJoin.AUTO : GroupOp.LinkJoin.APPROVE,
      ...overrides
    }
  }

  /** How many members a message of mine was delivered to and read by ("read by 12"), from their receipts. */
  async receipts (id: ConversationId, messageId: string, options: AbortOptions = {}): Promise<{ delivered: number, read: number }> {
    await this.require(id, options)
    const receipts = await this.ctx.components.store.receipts.get(messageId, options)
    const states = Object.values(receipts?.targets ?? {}).map((t) => t.state)
    return { delivered: states.filter((s) => s === 'delivered' || s === 'read').length, read: states.filter((s) => s === 'read').length }
  }

  /** Every group this device knows (newest activity first). */
  async list (options: AbortOptions = {}): Promise<GroupView[]> {
    const out: GroupView[] = []
    let cursor: string | undefined
    do {
      const page = await this.ctx.components.store.conversations.byActivity({ ...options, limit: 500, ...(cursor != null ? { cursor } : {}) })
      for (const c of page.items) {
        if (c.kind !== 'group') continue
        const record = await this.ctx.components.store.groups.get(c.id, options)
        if (record != null && record.log.length > 0) out.push(groupView(c.id, record))
      }
      cursor = page.cursor
    } while (cursor != null)
    return out
  }

  /**
   * Applies the membership updates received for a group (after their receive committed): each
   * operation of each update is added to the log (refusals logged: forged, non-admin…); the new
   * state is stored and announced with `group-updated`. A log this account is not in creates
   * nothing.
   */
  async applyPending (id: string, options: AbortOptions = {}): Promise<void> {
    await this.sender.locked(id, async () => {
      const { store } = this.ctx.components
      const record = await store.groups.get(id, options)
      if (record == null || record.pending.length === 0) return
      const log = record.log.length > 0 ? await this.load(id, record, options) : await this.founded(id, record.pending.map((p) => p.payload), options)
      if (log == null) {
        await store.groups.put(id, { ...record, pending: [] }, options)
        return
      }
      const refusals: Array<{ conversationId: string, sender: string, code: string }> = []
      const membersBefore = new Set(record.members.map((m) => m.account))
      const received = new Map<string, Set<string>>()
      const pictures: Uint8Array[] = []
      for (const p of record.pending) {
        const picture = snapshotPicture(p.payload)
        if (picture != null) pictures.push(picture)
        const ops = snapshotOps(p.payload, this.ctx.log('groups'))
        const seen = received.get(p.sender) ?? new Set<string>()
        for (const bytes of ops) seen.add(toHex(sha256(bytes)))
        received.set(p.sender, seen)
        for (const bytes of ops) {
          await log.add(bytes, options).catch((err: unknown) => {
            this.ctx.log('groups')('refused a membership operation from %s - %e', p.sender, err)
            refusals.push({ conversationId: id, sender: p.sender, code: codeOf(err) ?? ErrorCode.INTERNAL })
          })
        }
      }
      const me = toHex(this.ctx.components.accountRecords.accountKey)
      if (record.log.length === 0 && !log.state.members.has(me)) {
        await store.groups.put(id, { ...record, pending: [] }, options)
        return
      }
      const picture = await this.newestPicture(log, record.picture, pictures, options)
      const saved = await this.persist(id, log, picture != null ? { ...record, picture } : record, options)
      for (const refusal of refusals) this.ctx.emit('group-refused', refusal)
      this.ctx.emit('group-updated', { group: groupView(id, saved) })
      // anti-entropy: a sender whose log lacked operations this one holds (it changed the group
      // concurrently) gets them back, and so do the members its update added (they only have its
      // view): every device ends with every operation, so every device computes the same state
      const behind = [...received].filter(([sender, seen]) => sender !== this.ctx.address && log.hashes().some((h) => !seen.has(h))).map(([sender]) => sender)
      if (behind.length > 0 && saved.self === 'member') {
        const newcomers = saved.members.map((m) => m.account).filter((a) => !membersBefore.has(a) && a !== this.ctx.address)
        await this.announce(id, log, [...behind, ...newcomers], options, true)
      }
    })
  }

  /** A log founded by the CREATE among the updates' operations, if one founds this group. */
  private async founded (id: string, payloads: Uint8Array[], options: AbortOptions): Promise<GroupLog | undefined> {
    for (const payload of payloads) {
      for (const bytes of snapshotOps(payload, this.ctx.log('groups'))) {
        if (toHex(groupIdOf(bytes)) !== id) continue
        try {
          if ((await decodeGroupOp(nativeBackend, bytes)).op.kind === GroupOp.Kind.CREATE) return await GroupLog.fromCreate(this.init, bytes, options)
        } catch (err) {
          this.ctx.log('groups')('refused a group CREATE operation - %e', err)
        }
      }
    }
    return undefined
  }

  private async require (id: string, options: AbortOptions): Promise<GroupRecord> {
    const record = await this.ctx.components.store.groups.get(id, options)
    if (record == null || record.log.length === 0) throw new GroupNotFoundError()
    return record
  }

  /** The group's log (cached; rebuilt from the stored snapshot, every operation checked again). */
  private async load (id: string, record: GroupRecord, options: AbortOptions): Promise<GroupLog> {
    const cached = this.logs.get(id)
    if (cached != null && cached.size === GroupLogSnapshot.decode(record.log, { limits: { ops: MAX_GROUP_OPS } }).ops.length) return cached
    const log = await GroupLog.fromSnapshot(this.init, fromHex(id), record.log, { ...options, stored: true })
    this.logs.set(id, log)
    return log
  }

  private async change (id: ConversationId, kind: GroupOp.Kind, fields: OpFields, options: AbortOptions): Promise<GroupView> {
    return this.sender.locked(id, async () => {
      const record = await this.require(id, options)
      if (record.self !== 'member') throw new NotGroupMemberError('This account is no longer a member of the group')
      const log = await this.load(id, record, options)
      const before = record.members.map((m) => m.account)
      await log.add(await nextOp(log, kind, this.author(), fields, options), options)
      const saved = await this.persist(id, log, record, options, kind === GroupOp.Kind.LEAVE)
      // members who were removed (or who left) learn it too
      await this.announce(id, log, before, options)
      this.ctx.emit('group-updated', { group: groupView(id, saved) })
      return groupView(id, saved)
    })
  }

  /** Stores the log, its state and the group's conversation in one transaction. */
  private async persist (id: string, log: GroupLog, previous: GroupRecord | undefined, options: AbortOptions, leaving = false): Promise<GroupRecord> {
    const state = log.state
    this.logs.set(id, log)
    const me = toHex(this.ctx.components.accountRecords.accountKey)
    const members = [...state.members.entries()].map(([hex, role]) => ({ account: encodeAddress(fromHex(hex)), role }))
    const self: GroupRecord['self'] = state.members.has(me) ? 'member' : (leaving || previous?.self === 'left' ? 'left' : 'removed')
    const record: GroupRecord = {
      log: log.snapshot(), name: state.name, members, timerMs: state.timerMs, self, linkJoin: state.linkJoin,
      ownChain: previous?.ownChain ?? null, distributed: previous?.distributed ?? [], pending: []
    }
    if (previous?.picture != null) record.picture = previous.picture
    // join requests by link of accounts that are members now are done
    const joinRequests = previous?.joinRequests?.filter((r) => !members.some((m) => m.account === r.account))
    if (joinRequests != null && joinRequests.length > 0) record.joinRequests = joinRequests
    const now = this.ctx.now()
    await this.ctx.components.store.transaction(async (tx) => {
      await tx.groups.put(id, record)
      const existing = await tx.conversations.get(id)
      const others = members.map((m) => m.account).filter((a) => a !== this.ctx.address)
      const timer = state.timerMs > 0 ? state.timerMs : null
      const conversation: Conversation = existing != null
        ? { ...existing, members: others, disappearingTimerMs: timer }
        : { id, kind: 'group', members: others, lastActivity: now, unreadCount: 0, disappearingTimerMs: timer, clock: 0, createdAt: now }
      await tx.conversations.put(conversation)
    }, options)
    const conversation = await this.ctx.components.store.conversations.get(id, options)
    if (conversation != null) this.ctx.emit('conversation-updated', { conversation: await conversationView(this.ctx.components.store, conversation) })
    for (const r of previous?.joinRequests ?? []) if (members.some((m) => m.account === r.account)) this.ctx.emit('group-join-settled', { groupId: id, address: r.account, outcome: 'approved' })
    return record
  }

  /** Sends the whole log to every member device and to `alsoTo` (e.g. members just removed); `only`: to `alsoTo` alone. */
  private async announce (id: string, log: GroupLog, alsoTo: string[], options: AbortOptions, only = false): Promise<void> {
    const conversation = await this.ctx.components.store.conversations.get(id, options)
    if (conversation == null) throw new GroupNotFoundError()
    const everyone = only ? [] : [...log.state.members.keys()].map((hex) => encodeAddress(fromHex(hex)))
    const members = [...new Set([...everyone, ...alsoTo])]
    const targets = await groupTargets(this.ctx, this.resolver, members, options)
    if (targets.length === 0) return
    const picture = (await this.ctx.components.store.groups.get(id, options))?.picture
    const content = baseContent(conversation, Content.Kind.GROUP_UPDATE, this.ctx.now(), { groupPayload: log.snapshot(picture) })
    await this.dispatcher.dispatch(conversation, content, { ...options, group: true, only: targets })
  }
}

function snapshotPicture (payload: Uint8Array): Uint8Array | undefined {
  try {
    const picture = GroupLogSnapshot.decode(payload, { limits: { ops: MAX_GROUP_OPS } }).picture
    return picture.length > 0 ? picture : undefined
  } catch {
    return undefined // snapshotOps logs the undecodable update
  }
}

function snapshotOps (payload: Uint8Array, log: Logger): Uint8Array[] {
  try {
    return GroupLogSnapshot.decode(payload, { limits: { ops: MAX_GROUP_OPS } }).ops
  } catch (err) {
    log('refused an undecodable membership update - %e', err)
    return []
  }
}

function checkName (name: string): void {
  if (name.trim() === '' || name.length > MAX_GROUP_NAME_LENGTH) throw new InvalidArgumentError(`A group name has 1 to ${MAX_GROUP_NAME_LENGTH} characters`)
}

function accountKeys (addresses: string[]): Uint8Array[] {
  if (addresses.length === 0) throw new InvalidArgumentError('Name at least one member')
  return [...new Set(addresses)].map((a) => decodeAddress(a))
}
