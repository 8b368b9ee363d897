import type { NodeMessenger as Messenger } from '../../../src/node/messenger.js'
import type { Content } from '../../../src/wire/content.js'
import { Content as ContentCodec } from '../../../src/wire/content.js'
import { decodeSenderKeyRecord, type SenderKeyRecord } from '../../../src/crypto/sender-keys.js'
import { toHex } from '../../../src/bytes.js'
import type { GroupView } from '../../../src/messenger/types.js'
import { nextEvent } from '../helpers.js'

/** Every GROUP_MESSAGE content `m` hands its dispatcher (what is sealed pairwise for each member device). */
export function captureGroupMessages (m: Messenger): Content[] {
  const captured: Content[] = []
  const dispatcher = (m as unknown as { f: { dispatcher: { dispatch: (...args: unknown[]) => Promise<void> } } }).f.dispatcher
  const original = dispatcher.dispatch.bind(dispatcher)
  dispatcher.dispatch = async (...args: unknown[]) => {
    const content = args[1] as Content
    if (content.kind === ContentCodec.Kind.GROUP_MESSAGE) captured.push(content)
    await original(...args)
  }
  return captured
}

/** What `m` keeps of `sender`'s device chains in group `id`. */
export async function senderRecordOf (m: Messenger, id: string, sender: Messenger): Promise<SenderKeyRecord> {
  const bytes = await m.store.groups.getSender(id, toHex(sender.node.signer.publicKey))
  return bytes == null ? { chains: [] } : decodeSenderKeyRecord(bytes)
}

/** Resolves when `m` sees group `id` in a state that `accept`s. */
export async function groupState (m: Messenger, id: string, accept: (g: GroupView) => boolean, timeoutMs = 30_000): Promise<GroupView> {
  const waiting = nextEvent(m, 'group-updated', (d) => d.group.id === id && accept(d.group), timeoutMs)
  const now = await m.group(id).catch(() => undefined)
  if (now != null && accept(now)) { waiting.catch(() => {}); return now }
  return (await waiting).group
}

interface Internals {
  requireConversation: (id: string) => Promise<import('../../../src/store/index.js').Conversation>
  baseContent: (c: import('../../../src/store/index.js').Conversation, kind: Content.Kind, extra?: Partial<Content>) => Content
  dispatch: (c: import('../../../src/store/index.js').Conversation, content: Content, options: Record<string, unknown>) => Promise<void>
  resolveAccount: (address: string) => Promise<import('../../../src/identity/account-record.js').VerifiedAccountRecord>
}

/** Sends `extra` as a raw group content of `kind` from `from` to `to`'s devices only, bypassing the group checks of the send path (forgeries). */
export async function sendRawGroupContent (from: Messenger, to: Messenger, id: string, kind: Content.Kind, extra: Partial<Content>): Promise<void> {
  const internals = from as unknown as Internals
  const conversation = await internals.requireConversation(id)
  const record = await internals.resolveAccount(to.address)
  const only = record.body.devices.map((device) => ({ address: to.address, device, sync: false }))
  await internals.dispatch(conversation, internals.baseContent(conversation, kind, extra), { group: true, only })
}

/** A fresh content of `kind` in `from`'s conversation `id` (for inner contents of forged group messages). */
export async function contentOf (from: Messenger, id: string, kind: Content.Kind, extra: Partial<Content> = {}): Promise<Content> {
  const internals = from as unknown as Internals
  return internals.baseContent(await internals.requireConversation(id), kind, extra)
}
