import { toHex } from '../../bytes.js'
import { formatChannelLink } from '../../identity/channel/channel-id.js'
import type { StoredChannel, StoredChannelPost } from '../../store/channel-repo.js'
import { ChannelAdmins } from '../../wire/channel.js'
import { attachmentView } from '../attachments/body.js'
import type { ChannelPostView, ChannelView } from '../types.js'

export function channelView (channel: StoredChannel): ChannelView {
  return {
    id: channel.id,
    name: channel.name,
    role: channel.role,
    private: channel.secret != null,
    link: formatChannelLink({ channelKey: channel.channelKey, name: channel.name, ...(channel.secret != null ? { secret: channel.secret } : {}) }),
    head: channel.head,
    muted: channel.muted,
    admins: channel.admins != null ? ChannelAdmins.decode(channel.admins).admins.map(toHex) : []
  }
}

export function postView (channelId: string, post: StoredChannelPost): ChannelPostView {
  return {
    channelId, seq: post.seq, text: post.text, author: post.author, createdAt: post.createdAt, edited: post.edited, deleted: post.deleted,
    reactions: post.reactions ?? {}, views: post.views ?? 0, ...(post.myReaction != null ? { myReaction: post.myReaction } : {}),
    ...(post.file != null ? { file: attachmentView(post.file) } : {})
  }
}
