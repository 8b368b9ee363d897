import { toHex } from '../../bytes.js'
import { encodeAddress } from '../../identity/address.js'
import type { Conversation, StoreTransaction } from '../../store/index.js'
import { Content } from '../../wire/content.js'
import { conversationView } from '../conversations/conversation-view.js'
import { normalConversation } from '../conversations/normal-conversation.js'
import { emitEffect, type Effect } from '../effects.js'
import { applySync } from '../devices/apply-sync.js'
import { noteOwnDeviceSeen } from '../devices/device-meta.js'
import { RECEIVE_HANDLERS } from './handlers/index.js'
import { applyGroupContent, isGroupContent } from '../groups/group-receive.js'

export interface RouteInput {
  tx: StoreTransaction
  content: Content
  sender: string
  senderDevice: Uint8Array
  /** This account's address. */
  self: string
  /** This device's key (sync updates about it: unlinked). */
  myDevice?: Uint8Array
  now: number
}

/**
 * Which conversation a content belongs to: a secret chat by its id (only from the device it is
 * bound to, and not once closed; a START creates it as `incoming`), my own synced copy by its
 * peer, else the normal conversation with the sender (created on first contact). Undefined:
 * ignore the content. May return effects of its own (a new secret chat).
 */
async function findConversation ({ tx, content, sender, senderDevice, self, now }: RouteInput): Promise<{ conversation?: Conversation, effects: Effect[] }> {
  const secretId = content.secretChatId.length === 16 ? toHex(content.secretChatId) : undefined
  if (secretId != null) {
    const conversation = await tx.conversations.get(secretId)
    if (conversation == null && content.kind === Content.Kind.SECRET_CONTROL && content.secretAction === Content.SecretAction.START) {
      const created: Conversation = { id: secretId, kind: 'secret', members: [sender], lastActivity: now, unreadCount: 0, disappearingTimerMs: null, clock: 0, createdAt: now }
      await tx.conversations.put(created)
      await tx.secretChats.put(secretId, { state: 'incoming', directOnly: content.directOnly, peerDevice: toHex(senderDevice) })
      return { effects: [emitEffect('conversation-updated', { conversation: await conversationView(tx, created) })] }
    }
    if (conversation == null) return { effects: [] }
    const info = await tx.secretChats.get(secretId)
    if (info == null || info.peerDevice !== toHex(senderDevice) || info.state === 'closed') return { effects: [] }
    return { conversation, effects: [] }
  }
  if (sender === self) {
    if (content.syncPeer.length !== 32) return { effects: [] }
    return { conversation: await normalConversation(tx, encodeAddress(content.syncPeer), now), effects: [] }
  }
  return { conversation: await normalConversation(tx, sender, now), effects: [] }
}

/** Applies one decrypted content inside the receiving transaction: finds its conversation, then runs its kind's handler. */
export async function applyContent (input: RouteInput): Promise<Effect[]> {
  if (input.sender === input.self) await noteOwnDeviceSeen(input.tx, input.senderDevice, input.now)
  // sync updates belong to no conversation, and only ever come from this account's own devices
  if (input.content.kind === Content.Kind.SYNC) return input.sender === input.self && input.myDevice != null ? applySync({ ...input, myDevice: input.myDevice }) : []
  if (isGroupContent(input.content)) return applyGroupContent(input)
  const { conversation, effects } = await findConversation(input)
  if (conversation == null) return effects
  const handler = RECEIVE_HANDLERS[input.content.kind]
  if (handler == null) return effects
  return [...effects, ...await handler({
    tx: input.tx,
    content: input.content,
    conversation,
    sender: input.sender,
    senderDevice: input.senderDevice,
    fromSelf: input.sender === input.self,
    now: input.now
  })]
}

/**
 * A blocked sender's text gets the DELIVERED receipt every text gets, in the conversation that
 * already exists with it (none is created); the text itself is not stored. READ never follows.
 */
export async function blockedSenderEffects ({ tx, content, sender, self }: RouteInput): Promise<Effect[]> {
  if (content.kind !== Content.Kind.TEXT || content.messageId.length !== 16 || sender === self) return []
  const secretId = content.secretChatId.length === 16 ? toHex(content.secretChatId) : undefined
  const conversationId = secretId != null
    ? ((await tx.conversations.get(secretId))?.members[0] === sender ? secretId : undefined)
    : await tx.peerConversations.get(sender)
  return conversationId == null ? [] : [{ kind: 'delivered-receipt', conversationId, messageId: content.messageId }]
}
