// Reactions and view counts on channel posts (issue #21, PROTOCOL.md §13.5). The counts are the
// owner's last tally (a signed post); a reader's own reaction is sealed to the owner, so relays do
// not learn who reacted, and shows here at once. Views are reported once a post has been on screen.
import { api, seg } from './api.js'
import { el } from './dom.js'

/** The reactions offered in the picker (any single emoji is accepted by the API). */
export const REACTIONS = ['👍', '❤️', '🔥', '🎉', '😂', '😮', '😢']
/** How long seen posts are gathered before one report (one sealed box for many posts). */
const VIEW_BATCH_MS = 1500

/**
 * The bar under a post: each reaction with its count (pressed when it is yours), a picker for
 * another one, and the views. `onChange(post)` gets the post after the user's reaction.
 */
export function reactionBar (post, { onChange, onError }) {
  const react = async (emoji) => {
    try {
      const path = `/v1/channels/${seg(post.channelId)}/posts/${post.seq}/reaction`
      onChange(emoji === post.myReaction ? await api('DELETE', path) : await api('PUT', path, { emoji }))
    } catch (err) { onError(err) }
  }
  const counts = { ...post.reactions }
  // yours shows at once, before the owner's next tally counts it
  if (post.myReaction != null && counts[post.myReaction] == null) counts[post.myReaction] = 0
  const chips = Object.entries(counts).map(([emoji, n]) => {
    const mine = emoji === post.myReaction
    return el('button', {
      type: 'button',
      class: `reaction${mine ? ' mine' : ''}`,
      'aria-pressed': mine ? 'true' : 'false',
      'aria-label': `${emoji} ${n}${mine ? ', your reaction (press to withdraw)' : ''}`,
      title: mine ? 'Your reaction: counted with the owner\'s next tally (while the owner\'s device is online)' : `React with ${emoji}`,
      onclick: () => { void react(emoji) }
    }, `${emoji} ${n > 0 ? n : ''}`.trim())
  })
  const picker = el('details', { class: 'reaction-picker' },
    el('summary', { 'aria-label': `React to post ${post.seq}` }, '☺+'),
    el('span', { class: 'choices' }, ...REACTIONS.map((emoji) => el('button', {
      type: 'button',
      'aria-label': `React with ${emoji}`,
      onclick: (event) => { event.target.closest('details').open = false; void react(emoji) }
    }, emoji))))
  const views = post.views > 0 ? el('span', { class: 'views', title: 'Views reported by readers, counted by the owner\'s device without learning who (the counts change while it is online)' }, `${post.views} ${post.views === 1 ? 'view' : 'views'}`) : null
  return el('div', { class: 'reactions', role: 'group', 'aria-label': `Reactions to post ${post.seq}` }, ...chips, picker, views)
}

/**
 * Reports the posts a follower has had on screen, once each (the daemon remembers what it
 * reported). `channel()` is the open channel; owners and admins report nothing.
 */
export function createViewReporter (channel) {
  const pending = new Map() // channel id → Set of seq
  let timer = null
  const observer = typeof IntersectionObserver === 'function'
    ? new IntersectionObserver((entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue
        const { channelId, seq } = entry.target.dataset
        observer.unobserve(entry.target)
        const seen = pending.get(channelId) ?? new Set()
        seen.add(Number(seq))
        pending.set(channelId, seen)
      }
      timer ??= setTimeout(flush, VIEW_BATCH_MS)
    })
    : null
  async function flush () {
    timer = null
    const batches = [...pending]
    pending.clear()
    for (const [channelId, seqs] of batches) {
      // best effort: a failed report is tried again when the channel is opened next
      await api('POST', `/v1/channels/${seg(channelId)}/viewed`, { seqs: [...seqs] }).catch(() => {})
    }
  }
  return {
    /** Watches a rendered post (`li`) until it has been visible once. */
    observe (li, post) {
      const c = channel()
      if (observer == null || c == null || c.role !== 'subscriber' || post.deleted) return
      li.dataset.channelId = post.channelId
      observer.observe(li)
    },
    /** Stops watching everything (the channel was closed). */
    reset () { observer?.disconnect() }
  }
}
