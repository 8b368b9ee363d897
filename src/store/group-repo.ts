import { concatBytes as concat } from '../bytes.js'
import { InvalidRecordError } from './errors.js'
import { DOMAIN, PREFIX, conversationIdBytes } from './keys.js'
import { asStored, requireBytes, requireString, type RepoContext } from './repo-context.js'
import type { GroupRecord, StoreOptions } from './types.js'

/** Most received membership updates kept per group until the messenger applies them. */
export const MAX_PENDING_GROUP_UPDATES = 64
/** Most join requests by invite link kept per group until approved or declined. */
export const MAX_GROUP_JOIN_REQUESTS = 100

function validate (g: GroupRecord): GroupRecord {
  requireBytes('log', g.log)
  if (typeof g.name !== 'string') throw new InvalidRecordError('name must be a string')
  if (!Array.isArray(g.members) || !Array.isArray(g.distributed) || !Array.isArray(g.pending)) throw new InvalidRecordError('members, distributed and pending must be arrays')
  for (const m of g.members) {
    requireString('member', m.account)
    if (m.role !== 'admin' && m.role !== 'member') throw new InvalidRecordError('role must be admin or member')
  }
  if (g.self !== 'member' && g.self !== 'removed' && g.self !== 'left') throw new InvalidRecordError('self must be member, removed or left')
  if (g.ownChain !== null) requireBytes('ownChain', g.ownChain)
  if (g.pending.length > MAX_PENDING_GROUP_UPDATES) throw new InvalidRecordError(`at most ${MAX_PENDING_GROUP_UPDATES} pending updates`)
  if (g.picture != null) requireBytes('picture', g.picture)
  if (g.linkJoin != null && g.linkJoin !== 'approve' && g.linkJoin !== 'auto') throw new InvalidRecordError('linkJoin must be approve or auto')
  if (g.joinRequests != null) {
    if (!Array.isArray(g.joinRequests) || g.joinRequests.length > MAX_GROUP_JOIN_REQUESTS) throw new InvalidRecordError(`at most ${MAX_GROUP_JOIN_REQUESTS} join requests`)
    for (const r of g.joinRequests) { requireString('account', r.account); requireString('linkId', r.linkId) }
  }
  return g
}

/**
 * Groups by conversation id (the group id in hex): the membership log and the state computed
 * from it, this device's sending chain and the devices it was handed to, and the updates
 * received but not applied yet. Sender chains of other member devices are kept per (group,
 * device) (`/gs/`), opaque bytes of `src/crypto/sender-keys.ts`.
 *
 * @example
 * ```ts
 * await store.groups.put(conversationId, record)
 * const record = await store.groups.get(conversationId)
 * ```
 */
export class GroupRepo {
  private readonly ctx: RepoContext
  constructor (ctx: RepoContext) { this.ctx = ctx }

  async get (conversationId: string, options: StoreOptions = {}): Promise<GroupRecord | undefined> {
    options.signal?.throwIfAborted()
    const value = await this.ctx.read(concat(PREFIX.group, conversationIdBytes(conversationId)))
    return value === undefined ? undefined : value as unknown as GroupRecord
  }

  async put (conversationId: string, record: GroupRecord, options: StoreOptions = {}): Promise<void> {
    const key = concat(PREFIX.group, conversationIdBytes(conversationId))
    const value = validate({ ...record })
    await this.ctx.write(async (s) => { s.put(key, asStored(value)) }, options.signal)
  }

  private async senderKey (conversationId: string, device: string): Promise<Uint8Array> {
    return concat(PREFIX.groupSender, conversationIdBytes(conversationId), await this.ctx.skv.cipher.tag(DOMAIN.device, requireString('device', device)))
  }

  /** The chains kept of one sender device in one group (encoded SenderKeyRecord), if any. */
  async getSender (conversationId: string, device: string, options: StoreOptions = {}): Promise<Uint8Array | undefined> {
    options.signal?.throwIfAborted()
    const value = await this.ctx.read(await this.senderKey(conversationId, device)) as { r: Uint8Array } | undefined
    return value?.r
  }

  async putSender (conversationId: string, device: string, record: Uint8Array, options: StoreOptions = {}): Promise<void> {
    const key = await this.senderKey(conversationId, device)
    requireBytes('record', record)
    await this.ctx.write(async (s) => { s.put(key, { r: record }) }, options.signal)
  }

  async deleteSender (conversationId: string, device: string, options: StoreOptions = {}): Promise<void> {
    const key = await this.senderKey(conversationId, device)
    await this.ctx.write(async (s) => { s.del(key) }, options.signal)
  }
}
