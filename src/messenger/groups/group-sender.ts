import { toHex } from '../../bytes.js'
import { nativeBackend } from '../../crypto/backend-native.js'
import {
  SenderChainState, SenderKeyDistribution, createSenderChain, needsSenderKeyRotation, senderKeyDistribution, senderKeyEncrypt
} from '../../crypto/sender-keys.js'
import { KeyedMutex } from '../../mutex.js'
import type { Conversation } from '../../store/index.js'
import { Content } from '../../wire/content.js'
import type { Target } from '../components.js'
import type { MessengerContext } from '../context.js'
import { baseContent } from '../conversations/content.js'
import type { DispatchOptions, Dispatcher } from '../delivery/dispatcher.js'
import type { AccountResolver } from '../directory/account-resolver.js'
import { NotAllowedError } from '../errors.js'
import { GroupNotFoundError, NotGroupMemberError } from './errors.js'
import { groupAd } from './group-receive.js'
import { deviceHex, groupTargets } from './group-targets.js'

/**
 * The send path of group conversations (the dispatcher hands them here): the content is
 * encrypted once with this device's sender key and signed, then wrapped in a GROUP_MESSAGE
 * sealed pairwise for every member device, all in the outbox in one transaction (the outbox
 * sends them concurrently, directly or through relays). A device that lacks the current chain
 * gets it inside its copy. The chain rotates (a fresh chain for everyone) when a device that
 * held it is no longer a target (a member removed, left, or a device gone), and after 1,000
 * messages or 7 days. One send per group at a time (the chain is read, advanced and written).
 */
export class GroupSender {
  private readonly locks = new KeyedMutex()

  constructor (private readonly ctx: MessengerContext, private readonly resolver: AccountResolver, private readonly dispatcher: Dispatcher) {}

  /** The members who wrote the messages a receipt acknowledges. */
  private async authorsOf (content: Content, members: string[]): Promise<string[]> {
    const authors = new Set<string>()
    for (const mid of content.ids) {
      const sender = (await this.ctx.components.store.messages.get(toHex(mid)))?.sender
      if (sender != null && members.includes(sender)) authors.add(sender)
    }
    return [...authors]
  }

  /** Runs `fn` holding the group's lock (membership changes and sends do not interleave). */
  async locked<T> (id: string, fn: () => Promise<T>): Promise<T> { return this.locks.run(id, fn) }

  async send (conversation: Conversation, content: Content, options: DispatchOptions = {}): Promise<void> {
    await this.locks.run(conversation.id, async () => { await this.sendLocked(conversation, content, options) })
  }

  /** As `send`, the caller holding the group's lock. */
  async sendLocked (conversation: Conversation, content: Content, options: DispatchOptions = {}): Promise<void> {
    const { store, signer, accountRecords } = this.ctx.components
    const id = conversation.id
    const record = await store.groups.get(id, options)
    if (record == null || record.log.length === 0) throw new GroupNotFoundError()
    if (record.self !== 'member') throw new NotGroupMemberError('This account is no longer a member of the group')
    const admin = record.members.some((m) => m.account === this.ctx.address && m.role === 'admin')
    if (content.kind === Content.Kind.DELETE && !admin) {
      if (content.flag) throw new NotAllowedError('Only a group admin may clear a group for everyone')
      for (const mid of content.ids) {
        if ((await store.messages.get(toHex(mid), options))?.sender !== this.ctx.address) throw new NotAllowedError('Only its author or a group admin may delete a message for everyone')
      }
    }
    // receipts go to the authors of the messages they acknowledge only (not to the whole group)
    const recipients = content.kind === Content.Kind.RECEIPT ? await this.authorsOf(content, record.members.map((m) => m.account)) : record.members.map((m) => m.account)
    if (recipients.length === 0) return
    const everyone = options.only == null && content.kind !== Content.Kind.RECEIPT
    const targets = options.only ?? await groupTargets(this.ctx, this.resolver, recipients, options)
    const devices = new Set(targets.map(deviceHex))
    const now = this.ctx.now()
    let chain = record.ownChain != null ? SenderChainState.decode(record.ownChain) : undefined
    // entries are "address device": a device that held the chain and whose account left the
    // group, or (on a send to everyone) that is no longer a device of the group, forces a new chain
    let distributed = new Set(record.distributed)
    const members = new Set(record.members.map((m) => m.account))
    const gone = [...distributed].some((entry) => {
      const [address, device] = entry.split(' ')
      return !members.has(address) || (everyone && !devices.has(device))
    })
    const groupId = content.groupId
    let chainStart = record.ownChainStart ?? null
    if (chain == null || needsSenderKeyRotation(chain, now) || gone) {
      chain = await createSenderChain(nativeBackend, now)
      distributed = new Set()
      chainStart = SenderKeyDistribution.encode(senderKeyDistribution(groupId, chain))
    }
    const distribution = SenderKeyDistribution.encode(senderKeyDistribution(groupId, chain))
    const sealed = await senderKeyEncrypt(nativeBackend, groupId, chain, Content.encode(content), groupAd(accountRecords.accountKey, signer.publicKey))
    const wrapped = baseContent(conversation, Content.Kind.GROUP_MESSAGE, now, { messageId: content.messageId, groupPayload: sealed.message })
    const withKey: Content = { ...wrapped, senderKey: distribution }
    const entry = (target: Target): string => `${target.address} ${deviceHex(target)}`
    const lacking = new Set(targets.map(entry).filter((e) => !distributed.has(e)))
    const next = sealed.chain
    await this.dispatcher.dispatch(conversation, wrapped, {
      ...options,
      group: true,
      only: targets,
      trackDelivery: content.kind === Content.Kind.TEXT,
      perTarget: (target) => lacking.has(entry(target)) ? withKey : wrapped,
      alsoWrite: async (tx) => {
        await options.alsoWrite?.(tx)
        const current = await tx.groups.get(id)
        if (current == null) throw new GroupNotFoundError()
        // an ephemeral copy (typing) may never arrive: only queued copies count as handed the chain
        const handed = options.ephemeral === true ? distributed : new Set([...distributed, ...targets.map(entry)])
        await tx.groups.put(id, { ...current, ownChain: SenderChainState.encode(next), ownChainStart: chainStart, distributed: [...handed] })
      }
    })
  }
}
