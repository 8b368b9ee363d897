import type { TypedEvents } from '../events.js'
import { Content } from '../wire/content.js'
import { AccountSettings } from './account/account-settings.js'
import { Reachability } from './account/reachability.js'
import { RelayKeeper } from './account/relay-keeper.js'
import { SelfDestruct } from './account/self-destruct.js'
import { Attachments } from './attachments/attachments.js'
import { ChannelFeedback } from './channels/channel-feedback.js'
import { ChannelFiles } from './channels/channel-files.js'
import { Channels } from './channels/channels.js'
import type { MessengerComponents } from './components.js'
import { ContactBook } from './contacts/contact-book.js'
import { MessengerContext } from './context.js'
import { ConversationActions } from './conversations/conversation-actions.js'
import { Conversations } from './conversations/conversations.js'
import { ExpirySweeper } from './conversations/expiry.js'
import { Messages } from './conversations/messages.js'
import { SecretChats } from './conversations/secret-chats.js'
import { DeliveryStates } from './delivery/delivery-states.js'
import { Dispatcher } from './delivery/dispatcher.js'
import type { MailboxSync } from './delivery/mailbox-sync.js'
import { OutboxWorker } from './delivery/outbox-worker.js'
import { EnvelopeQuarantine } from './delivery/quarantine.js'
import { DeliveredReceipts } from './delivery/receipts.js'
import { AccountResolver } from './directory/account-resolver.js'
import { LinkConfirmations } from './devices/link-confirmations.js'
import { OwnDevices } from './devices/own-devices.js'
import { GroupSender } from './groups/group-sender.js'
import { Groups } from './groups/groups.js'
import { GroupInvites } from './groups/invites/group-invites.js'
import { SenderKeyRequests } from './groups/sender-key-request.js'
import type { MessengerOptions } from './messenger-options.js'
import { Inbox } from './receive/inbox.js'
import { ReceiveBatches } from './receive/receive-batches.js'
import { SessionResets } from './sessions/session-reset.js'
import type { MessengerEvents } from './types.js'

/** Every feature of one messenger, built once from its components (the composition root of the domain). */
export interface Features {
  readonly ctx: MessengerContext
  readonly resolver: AccountResolver
  readonly contacts: ContactBook
  readonly chats: Conversations
  readonly secretChats: SecretChats
  readonly messages: Messages
  readonly actions: ConversationActions
  readonly dispatcher: Dispatcher
  readonly outbox: OutboxWorker
  readonly quarantine: EnvelopeQuarantine
  readonly expiry: ExpirySweeper
  readonly inbox: Inbox
  readonly selfDestruct: SelfDestruct
  readonly account: AccountSettings
  readonly groups: Groups
  readonly groupInvites: GroupInvites
  readonly ownDevices: OwnDevices
  readonly linkRequests: LinkConfirmations
  readonly files: Attachments
  readonly reachable: Reachability
  readonly relayKeeper: RelayKeeper
  readonly channels: Channels
  readonly channelFeedback: ChannelFeedback
  readonly channelFiles: ChannelFiles
}

/** What the features need from the messenger that owns them (late-bound: they exist before it starts). */
export interface FeatureHost {
  /** The messenger's own events (features listen to what others emit). */
  readonly events: TypedEvents<MessengerEvents>
  /** The relays chosen at start (empty before). */
  relays: () => string[]
  /** The mailbox sync running since start, if any relay is configured. */
  mailbox: () => MailboxSync | undefined
  /** Another device unlinked this one: go offline and wipe. */
  wipeUnlinked: () => Promise<void>
}

/**
 * Builds the features and wires them to each other: the outbox expands through the dispatcher,
 * the inbox's follow-up effects reach groups, session resets, secret chats and own devices, and
 * attachments follow their messages (auto-download, removal on delete, expiry and wipe).
 */
export function buildFeatures (components: MessengerComponents, options: MessengerOptions, host: FeatureHost): Features {
  const ctx = new MessengerContext(components)
  const resolver = new AccountResolver(ctx)
  const quarantine = new EnvelopeQuarantine({ store: components.store, log: components.logger.forComponent('parley:quarantine'), now: () => ctx.now(), policy: options.receiveRetry })
  // the outbox and the dispatcher need each other: the dispatcher kicks the outbox (only ever
  // after construction), the outbox re-expands through the dispatcher
  const kick = (): void => { outbox.kick() }
  const dispatcher = new Dispatcher(ctx, resolver, kick)
  const chats = new Conversations(ctx)
  const outbox = new OutboxWorker({
    store: components.store,
    envelopes: components.envelopes,
    depositor: components.depositor,
    log: components.logger.forComponent('parley:messenger:outbox'),
    resolve: async (address, deviceHex, signal) => resolver.resolveDevice(address, deviceHex, { signal }),
    canDial: (address) => components.network.canDial(address),
    expand: async (entry, conversationId, signal) => {
      // the deferred entry goes in the sealed copies' transaction (when the dispatch writes one)
      let removed = false
      await dispatcher.dispatch(await chats.require(conversationId), Content.decode(entry.envelope), { signal, alsoWrite: async (tx) => { removed = await tx.outbox.delete(entry.id) } })
      return removed || undefined
    },
    ...options.outbox
  })
  const ownDevices = new OwnDevices(ctx, dispatcher)
  const contacts = new ContactBook(ctx, resolver)
  const expiry = new ExpirySweeper(ctx)
  const secretChats = new SecretChats(ctx, chats, resolver, dispatcher, async (address, opts) => contacts.add(address, {}, opts))
  const messages = new Messages(ctx, chats, secretChats, dispatcher, expiry, kick)
  const actions = new ConversationActions(ctx, chats, dispatcher, expiry)
  const resets = new SessionResets(ctx, chats, resolver, dispatcher)
  const states = new DeliveryStates(ctx, resets)
  outbox.addEventListener('outcome', (evt) => { void states.onOutcome(evt.detail) })
  const receipts = new DeliveredReceipts(ctx, chats, dispatcher)
  const groupSender = new GroupSender(ctx, resolver, dispatcher)
  dispatcher.setGroupSender(async (conversation, content, opts) => { await groupSender.send(conversation, content, opts) })
  const groups = new Groups(ctx, resolver, dispatcher, groupSender)
  const senderKeys = new SenderKeyRequests(ctx, resolver, dispatcher, groupSender)
  const groupInvites = new GroupInvites(ctx, resolver, dispatcher, groupSender, groups)
  const inbox = new Inbox(ctx, resolver, {
    deliveredReceipt: (conversationId, messageId) => { receipts.queue(conversationId, messageId) },
    followUp: async (effect) => effect.kind === 'group-join' ? groupInvites.received(effect.conversationId, effect.from, effect.join) : effect.kind === 'sender-key-request' ? senderKeys.answer(effect.peer) : effect.kind === 'group-update' ? groups.applyPending(effect.conversationId) : effect.kind === 'resend-undelivered' ? resets.resendUndelivered(effect.conversation) : secretChats.wipe(effect.conversation),
    requestSessionReset: async (sender) => resets.request(sender),
    senderChainMissing: async (peer) => senderKeys.missing(peer),
    ownDevices: async (effect) => { if (effect.kind === 'adopt-own-record') await ownDevices.adoptRecord(effect.record); else void host.wipeUnlinked() },
    afterReceive: () => { expiry.schedule() }
  })
  // envelopes pushed directly that arrive together are stored in one transaction (#22)
  const direct = new ReceiveBatches(inbox, components.logger.forComponent('parley:messenger:receive'), 'direct')
  components.envelopes.setHandler(async (envelope) => { await direct.receive(envelope) })
  const reachable = new Reachability(ctx, host.relays)
  const relayKeeper = new RelayKeeper(ctx, {
    onReconnect: (relay) => { host.mailbox()?.reconnected(relay) },
    onDialError: (relay, err, failures) => { reachable.relayFailed(relay, err, failures) }
  })
  const files = new Attachments(ctx, chats, secretChats, dispatcher, resolver, components.attachments, options.attachments, host.relays)
  host.events.addEventListener('message', (evt) => { files.autoDownload(evt.detail.message) })
  host.events.addEventListener('messages-deleted', (evt) => {
    void files.forget(evt.detail.ids, { atRelays: evt.detail.everywhere }).catch((err: unknown) => { ctx.log('attachments').error('could not remove attachment files - %e', err) })
  })
  host.events.addEventListener('wiped', () => {
    void files.wipe().catch((err: unknown) => { ctx.log('attachments').error('could not wipe attachment files - %e', err) })
  })
  const channels = new Channels(ctx, host.relays)
  return {
    ctx,
    resolver,
    contacts,
    chats,
    secretChats,
    messages,
    actions,
    dispatcher,
    outbox,
    quarantine,
    expiry,
    inbox,
    selfDestruct: new SelfDestruct(ctx),
    account: new AccountSettings(ctx),
    groups,
    groupInvites,
    ownDevices,
    linkRequests: new LinkConfirmations(ctx),
    files,
    reachable,
    relayKeeper,
    channels,
    channelFeedback: new ChannelFeedback(ctx, channels),
    channelFiles: new ChannelFiles(ctx, channels, components.attachments, host.relays)
  }
}
