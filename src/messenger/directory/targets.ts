import type { AbortOptions } from '@libp2p/interface'
import { equalBytes } from '@noble/ciphers/utils.js'
import { toHex } from '../../bytes.js'
import type { Conversation } from '../../store/index.js'
import type { Target } from '../components.js'
import type { MessengerContext } from '../context.js'
import { AccountDeletedError, UnknownSenderDeviceError } from '../errors.js'
import type { AccountResolver } from './account-resolver.js'

/** Recipient devices of a conversation: the peer's devices (or the one bound secret device) and my other devices. */
export async function conversationTargets (ctx: MessengerContext, resolver: AccountResolver, conversation: Conversation, includeOwn: boolean, options: AbortOptions = {}): Promise<Target[]> {
  const peer = conversation.members[0]
  const record = await resolver.resolve(peer, options)
  if (record.body.deleted) throw new AccountDeletedError()
  if (conversation.kind === 'secret') {
    const info = await ctx.components.store.secretChats.get(conversation.id)
    const device = record.body.devices.find((d) => toHex(d.deviceKey) === info?.peerDevice)
    if (device == null) throw new UnknownSenderDeviceError('The secret chat device is gone')
    return [{ address: peer, device, sync: false }]
  }
  const targets: Target[] = record.body.devices.map((device) => ({ address: peer, device, sync: false }))
  if (includeOwn) {
    const mine = ctx.components.signer.publicKey
    for (const device of ctx.components.accountRecords.ownBody()?.devices ?? []) {
      if (!equalBytes(device.deviceKey, mine)) targets.push({ address: ctx.address, device, sync: true })
    }
  }
  return targets
}
