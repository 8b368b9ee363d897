import { fromHex, toHex } from '../../bytes.js'
import type { DeviceEntry } from '../../identity/account-record.js'
import { Content } from '../../wire/content.js'
import { NEW_DEVICE_SKEW_MS, RESEND_WINDOW } from '../constants.js'
import type { MessengerContext } from '../context.js'
import { baseContent } from '../conversations/content.js'
import { decodeBody } from '../conversations/message-body.js'
import type { Dispatcher } from './dispatcher.js'

/**
 * A contact's account gained devices this device did not know of (it linked one while we kept
 * sending to the devices of the record we had): the outgoing texts of the normal conversation
 * with it since each new device was added (its signed `addedAt`, less a skew allowance; at most
 * `RESEND_WINDOW`) are sealed again to that device only, with their ids, so the new device has
 * them once (receivers drop a message id they hold). Returns how many copies were queued.
 */
export async function resendToNewDevices (ctx: MessengerContext, dispatcher: Dispatcher, address: string, added: DeviceEntry[]): Promise<number> {
  if (added.length === 0 || address === ctx.address) return 0
  const { store } = ctx.components
  const id = await store.peerConversations.get(address)
  const conversation = id == null ? undefined : await store.conversations.get(id)
  if (conversation == null || conversation.kind !== 'normal') return 0
  const since = Math.min(...added.map((d) => Number(d.addedAt))) - NEW_DEVICE_SKEW_MS
  const recent = (await store.messages.latest(conversation.id, { limit: RESEND_WINDOW })).items
    .filter((m) => m.direction === 'out' && m.senderTimestamp >= since)
    .reverse()
  let queued = 0
  for (const message of recent) {
    const body = decodeBody(message.content)
    if (body.kind !== 'text' || body.text == null) continue
    const content = baseContent(conversation, Content.Kind.TEXT, ctx.now(), {
      messageId: fromHex(message.id), sentAt: BigInt(message.senderTimestamp), clock: BigInt(message.clock), text: body.text,
      ttlMs: BigInt(body.ttlMs ?? 0), ...(body.replyTo != null ? { targetId: fromHex(body.replyTo) } : {})
    })
    const only = added.filter((d) => message.senderTimestamp >= Number(d.addedAt) - NEW_DEVICE_SKEW_MS).map((device) => ({ address, device, sync: false }))
    if (only.length === 0) continue
    await dispatcher.dispatch(conversation, content, { only })
    queued += only.length
  }
  if (queued > 0) ctx.log('delivery')('sent %d recent messages again to %d new device(s) of a contact: %s', queued, added.length, added.map((d) => toHex(d.deviceKey).slice(0, 8)).join(','))
  return queued
}
