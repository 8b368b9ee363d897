import { concatBytes, toHex } from '../../bytes.js'
import { nativeBackend } from '../../crypto/backend-native.js'
import {
  UnknownSenderChainError, addSenderChain, decodeSenderKeyRecord, encodeSenderKeyRecord, senderKeyDecrypt, SenderKeyDistribution, type SenderKeyRecord
} from '../../crypto/sender-keys.js'
import { codeOf, ErrorCode, ParleyError } from '../../errors.js'
import { decodeAddress } from '../../identity/address.js'
import type { GroupRecord } from '../../store/index.js'
import { Content } from '../../wire/content.js'
import { GroupJoin } from '../../wire/groups.js'
import { MAX_IDS_PER_CONTENT } from '../constants.js'
import { emitEffect, type Effect } from '../effects.js'
import { RECEIVE_HANDLERS } from '../receive/handlers/index.js'
import type { RouteInput } from '../receive/route.js'
import { MAX_PENDING_GROUP_UPDATES } from '../../store/group-repo.js'
import { MAX_GROUP_JOIN_BYTES, MAX_GROUP_UPDATE_BYTES } from './constants.js'
import { GroupNotFoundError, NotGroupMemberError, SenderChainMissingError } from './errors.js'

/** Contents a group message may carry; anything else inside one is ignored. */
const INNER_KINDS = new Set([Content.Kind.TEXT, Content.Kind.ATTACHMENT, Content.Kind.EDIT, Content.Kind.REACTION, Content.Kind.DELETE, Content.Kind.TYPING, Content.Kind.RECEIPT])

export function isGroupContent (content: Content): boolean {
  return content.kind === Content.Kind.GROUP_UPDATE || content.kind === Content.Kind.GROUP_MESSAGE || content.kind === Content.Kind.GROUP_JOIN
}

/** The associated data of a sender's group messages: its account and device keys (proven by the pairwise session). */
export function groupAd (accountKey: Uint8Array, deviceKey: Uint8Array): Uint8Array {
  return concatBytes(accountKey, deviceKey)
}

function refused (conversationId: string, sender: string, err: unknown): Effect[] {
  return [emitEffect('group-refused', { conversationId, sender, code: codeOf(err) ?? ErrorCode.INTERNAL })]
}

/**
 * Applies a group content inside the receiving transaction (the pairwise session has opened
 * it and proven its sender). GROUP_UPDATE: kept as pending (bounded) and applied after the
 * commit by the groups feature, which may need to look up the authors' account records.
 * GROUP_MESSAGE: the sender must be a member; its sender key (when carried) is added, the
 * group message is decrypted and its inner content applied to the group conversation. A
 * message that cannot be read yet (no chain, no log) throws to be received again later; one
 * that never can (replay, forgery, a non-member, a jump past the bound) is refused with a
 * `group-refused` event and its envelope acked, the session advancing as for any content.
 */
export async function applyGroupContent (input: RouteInput): Promise<Effect[]> {
  const { tx, content, sender, senderDevice } = input
  if (content.groupId.length !== 16) return []
  const id = toHex(content.groupId)
  if (content.kind === Content.Kind.GROUP_JOIN) return joinEffects(input, id)
  const record = await tx.groups.get(id)
  if (content.kind === Content.Kind.GROUP_UPDATE) {
    if (content.groupPayload.length === 0 || content.groupPayload.length > MAX_GROUP_UPDATE_BYTES) return refused(id, sender, Object.assign(new Error('oversized update'), { code: ErrorCode.GROUP_TOO_LARGE }))
    const base: GroupRecord = record ?? { log: new Uint8Array(0), name: '', members: [], timerMs: 0, self: 'member', ownChain: null, distributed: [], pending: [] }
    const pending = [...base.pending, { payload: content.groupPayload, sender, senderDevice }].slice(-MAX_PENDING_GROUP_UPDATES)
    await tx.groups.put(id, { ...base, pending })
    return [{ kind: 'group-update', conversationId: id }]
  }
  if (record == null || record.log.length === 0) throw new GroupNotFoundError('A message of a group whose log has not arrived yet')
  if (record.self !== 'member') return []
  if (sender !== input.self && !record.members.some((m) => m.account === sender)) {
    // a membership update waiting to be applied may add the sender: receive it again later
    if (record.pending.length > 0) throw new NotGroupMemberError('The sender is not (yet) a member of this group')
    return refused(id, sender, new NotGroupMemberError())
  }
  const conversation = await tx.conversations.get(id)
  if (conversation == null) throw new GroupNotFoundError()
  const deviceHex = toHex(senderDevice)
  const stored = await tx.groups.getSender(id, deviceHex)
  let senderRecord = stored != null ? decodeSenderKeyRecord(stored) : { chains: [] }
  // no payload: a sender-key re-request (flag) or its answer (sender_key only), PROTOCOL.md §12.2
  if (content.groupPayload.length === 0) return senderKeyExchange(input, id, senderRecord)
  let inner: Content
  try {
    senderRecord = withDistribution(senderRecord, content.senderKey, id)
    const opened = await senderKeyDecrypt(nativeBackend, content.groupId, senderRecord, content.groupPayload, groupAd(decodeAddress(sender), senderDevice))
    senderRecord = opened.record
    inner = Content.decode(opened.plaintext, { limits: { ids: MAX_IDS_PER_CONTENT } })
  } catch (err) {
    if (err instanceof UnknownSenderChainError) throw new SenderChainMissingError({ conversationId: id, address: sender, device: senderDevice }, { cause: err })
    return refused(id, sender, err)
  }
  await tx.groups.putSender(id, deviceHex, encodeSenderKeyRecord(senderRecord))
  if (toHex(inner.groupId) !== id || !INNER_KINDS.has(inner.kind)) return []
  const isAdmin = record.members.some((m) => m.account === sender && m.role === 'admin')
  if (inner.kind === Content.Kind.DELETE && !isAdmin) {
    // a member deletes only its own messages for everyone; only admins clear or delete others'
    if (inner.flag) return []
    const own: Uint8Array[] = []
    for (const mid of inner.ids) if ((await tx.messages.get(toHex(mid)))?.sender === sender) own.push(mid)
    inner = { ...inner, ids: own }
  }
  // receipts: recorded per member (the message's status is the best of them: "read by 12" counts them)
  return RECEIVE_HANDLERS[inner.kind]({ tx, content: inner, conversation, sender, senderDevice, fromSelf: sender === input.self, now: input.now })
}

/** `record` with the chain of `senderKey` (a SenderKeyDistribution of this group) added, when there is one and it is new. */
function withDistribution (record: SenderKeyRecord, senderKey: Uint8Array, id: string): SenderKeyRecord {
  if (senderKey.length === 0) return record
  const distribution = SenderKeyDistribution.decode(senderKey)
  return toHex(distribution.groupId) === id ? addSenderChain(record, distribution) : record
}

/**
 * A GROUP_MESSAGE without payload from a member device: `flag` set asks this device for its
 * sending chain (answered after the commit by `SenderKeyRequests`, throttled); else its
 * `sender_key` hands this device the sender's chain (a chain already held is never rewound).
 */
async function senderKeyExchange ({ tx, content, sender, senderDevice }: RouteInput, id: string, senderRecord: SenderKeyRecord): Promise<Effect[]> {
  if (content.flag) {
    if (content.senderKey.length > 0) return refused(id, sender, new ParleyError('A sender key request carries no key', ErrorCode.MALFORMED_MESSAGE))
    return [{ kind: 'sender-key-request', peer: { conversationId: id, address: sender, device: senderDevice } }]
  }
  if (content.senderKey.length === 0) return refused(id, sender, new ParleyError('A group message without payload or key', ErrorCode.MALFORMED_MESSAGE))
  try {
    await tx.groups.putSender(id, toHex(senderDevice), encodeSenderKeyRecord(withDistribution(senderRecord, content.senderKey, id)))
  } catch (err) {
    return refused(id, sender, err)
  }
  return []
}

/**
 * GROUP_JOIN (a join request by invite link, or the answer to one): decoded within its bound and
 * handed to the invites feature after the commit, which checks the link against the log. Nothing
 * is stored here: a request from a stranger writes nothing in the receive transaction. One from
 * this account's own device is a request shared or settled by it (the invites feature ignores the rest).
 */
function joinEffects ({ content, sender, senderDevice }: RouteInput, id: string): Effect[] {
  if (content.groupPayload.length === 0 || content.groupPayload.length > MAX_GROUP_JOIN_BYTES) return refused(id, sender, new ParleyError('A group join of the wrong size', ErrorCode.MALFORMED_MESSAGE))
  let join: GroupJoin
  try {
    join = GroupJoin.decode(content.groupPayload)
  } catch (err) {
    return refused(id, sender, new ParleyError('An undecodable group join', ErrorCode.MALFORMED_MESSAGE, { cause: err }))
  }
  return [{ kind: 'group-join', conversationId: id, from: { address: sender, device: senderDevice }, join }]
}
