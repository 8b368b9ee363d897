/**
 * The view types of the daemon's local API, as the CLI (and any other API client) sees them.
 * The CLI imports them from here, never from `messenger/` (the layer rules: `cli/` speaks the
 * daemon API). Today they are the messenger's own view types, re-exported.
 */
export type {
  ChannelPostView, ChannelView, ContactView, ConversationView, DeliveryState, DeviceView, GroupJoinRequestView, GroupJoinResult, GroupLinkView, GroupView, LinkRequestView, MessageView, MessengerEvents, Page, QuarantinedView, ReachabilityView, SearchResult, StatusView
} from '../messenger/types.js'
