import type { AbortOptions } from '@libp2p/interface'
import type { Conversation } from '../../store/index.js'
import type { MessengerContext } from '../context.js'
import { VerifiedRecords } from '../directory/verified-records.js'
import { AccountDeletedError } from '../errors.js'
import { GroupNotFoundError, NotGroupMemberError } from '../groups/errors.js'

/**
 * What this device already knows makes a send pointless: refused before the message is stored
 * (a send is otherwise stored and shown at once, and the outbox finds out later): a group this
 * account is no longer a member of, or a peer whose account record kept here is a deletion
 * tombstone. `records` remembers the stored copies it verified (one signature check per copy,
 * not per send).
 */
export async function checkCanSend (ctx: MessengerContext, conversation: Conversation, options: AbortOptions = {}, records = new VerifiedRecords(1)): Promise<void> {
  const { store } = ctx.components
  if (conversation.kind === 'group') {
    const group = await store.groups.get(conversation.id, options)
    if (group == null || group.log.length === 0) throw new GroupNotFoundError()
    if (group.self !== 'member') throw new NotGroupMemberError('This account is no longer a member of the group')
    return
  }
  for (const peer of conversation.members) {
    const stored = await store.accountRecords.get(peer, options)
    if (stored == null) continue
    let deleted = false
    try {
      deleted = records.verify(peer, stored).body.deleted
    } catch (err) {
      // not this check's business: the outbox looks the account up again
      ctx.log('send')('the stored account record of a peer does not verify - %e', err)
    }
    if (deleted) throw new AccountDeletedError()
  }
}
