import { randomBytes } from '@noble/hashes/utils.js'
import { fromHex } from '../../bytes.js'
import type { Conversation } from '../../store/index.js'
import { Content } from '../../wire/content.js'

/** A new content of `kind` in `conversation`: a fresh id, the next clock, `extra` on top. */
export function baseContent (conversation: Conversation, kind: Content.Kind, now: number, extra: Partial<Content> = {}): Content {
  return {
    version: 1,
    kind,
    messageId: randomBytes(16),
    sentAt: BigInt(now),
    clock: BigInt(conversation.clock + 1),
    ttlMs: 0n,
    secretChatId: conversation.kind === 'secret' ? fromHex(conversation.id) : new Uint8Array(0),
    syncPeer: new Uint8Array(0),
    text: '',
    targetId: new Uint8Array(0),
    emoji: '',
    ids: [],
    receipt: Content.ReceiptType.DELIVERED,
    flag: false,
    secretAction: Content.SecretAction.START,
    directOnly: false,
    groupId: conversation.kind === 'group' ? fromHex(conversation.id) : new Uint8Array(0),
    groupPayload: new Uint8Array(0),
    senderKey: new Uint8Array(0),
    ...extra
  }
}
