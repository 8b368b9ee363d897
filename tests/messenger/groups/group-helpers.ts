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
  const dispatcher = (m as unknown as { dispatcher: { dispatch: (...args: unknown[]) => Promise<void> } }).dispatcher
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
