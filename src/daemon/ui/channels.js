// Broadcast channels in the web UI (issue #21): the list (owned and followed), creating one,
// following by link, sharing its link (copy and QR), reading posts live, posting, editing and
// deleting posts (owner and admins), mute and leave.
import { api, seg } from './api.js'
import { $, el, timeOf } from './dom.js'
import { setupChannelAdmins } from './channel-admins.js'
import { createViewReporter, reactionBar } from './channel-reactions.js'
import { channelFileBox, setupChannelUpload } from './channel-files.js'

const ROLE_WORDS = { owner: 'you own it', admin: 'you are an admin', subscriber: 'following' }
/** Posts shown when a channel opens (the newest). */
const POSTS_SHOWN = 200

/** `ctx`: `guard(fn)`, `showQr(title, text, hint)`, `closeChat()` (the channel view replaces the chat). */
export function setupChannels (ctx) {
  const state = {
    channels: [],
    /** the open channel's id */
    current: null,
    /** seq → <li> of the open channel */
    rendered: new Map(),
    /** channel id → posts arrived while it was not open */
    fresh: new Map()
  }
  const channelOf = (id) => state.channels.find((c) => c.id === id)
  const canPost = (c) => c.role === 'owner' || c.role === 'admin'
  // reactions, views and admins live in their own modules
  const views = createViewReporter(() => channelOf(state.current))
  const admins = setupChannelAdmins({ current: () => channelOf(state.current), upsert: (c) => { upsert(c) } })
  $('post-attach').addEventListener('click', () => { $('post-file').click() })
  setupChannelUpload($('post-file'), {
    channel: () => channelOf(state.current),
    onPosted: (p) => { if (state.current === p.channelId) { $('posts').querySelector('[data-empty]')?.remove(); renderPost(p); scrollDown() } },
    onError: (err) => { banner(err.message) }
  })

  function banner (text) {
    $('channel-banner').textContent = text
    $('channel-banner').hidden = text === ''
  }
  async function attempt (fn) {
    banner('')
    try { return await fn() } catch (err) { banner(err.message); return undefined }
  }

  // ------------------------------------------------------------ list

  function renderList () {
    const list = $('channel-list')
    list.replaceChildren(...state.channels.map((c) => {
      const fresh = state.fresh.get(c.id) ?? 0
      const meta = [c.private ? 'private' : 'public', ROLE_WORDS[c.role], c.muted ? 'muted' : null].filter((x) => x != null).join(' · ')
      return el('li', {},
        el('button', { type: 'button', 'aria-current': state.current === c.id ? 'true' : 'false', 'data-channel': c.id, onclick: () => { void open(c.id) } },
          el('span', {}, el('span', { class: 'name' }, c.name, el('span', { class: 'visually-hidden' }, ', channel,')), el('span', { class: 'meta' }, meta)),
          fresh > 0 ? el('span', { class: 'unread' }, String(fresh), el('span', { class: 'visually-hidden' }, ' new')) : null))
    }))
    if (state.channels.length === 0) list.append(el('li', { class: 'notice' }, 'No channels yet.'))
  }

  async function load () {
    state.channels = (await api('GET', '/v1/channels')).items
    if (state.current != null && channelOf(state.current) == null) close()
    renderList()
    if (state.current != null) renderHeader()
  }

  function upsert (channel) {
    const i = state.channels.findIndex((c) => c.id === channel.id)
    if (i >= 0) state.channels[i] = channel
    else state.channels.push(channel)
    renderList()
    if (state.current === channel.id) renderHeader()
  }

  // ------------------------------------------------------------ the open channel

  function renderHeader () {
    const c = channelOf(state.current)
    if (c == null) return
    $('channel-title').textContent = c.name
    // no post count: the chain's numbers also count edits and deletions, which are not posts
    $('channel-sub').textContent = [`${c.private ? 'Private' : 'Public'} channel`, ROLE_WORDS[c.role], c.muted ? 'muted: no live posts until unmuted' : null].filter((x) => x != null).join(' · ')
    $('channel-mute').textContent = c.muted ? 'Unmute' : 'Mute'
    $('channel-leave').hidden = c.role === 'owner'
    $('post-form').hidden = !canPost(c)
    $('post-readonly').hidden = canPost(c)
    admins.render(c)
  }

  function renderPost (post) {
    const c = channelOf(post.channelId)
    const actions = c != null && canPost(c) && !post.deleted
      ? el('span', { class: 'actions' },
        el('button', { type: 'button', class: 'quiet', 'aria-label': `Edit post ${post.seq}`, onclick: () => { edit(post) } }, 'Edit'),
        el('button', { type: 'button', class: 'quiet', 'aria-label': `Delete post ${post.seq}`, onclick: () => { void remove(post) } }, 'Delete'))
      : null
    const li = el('li', { class: `msg post${post.deleted ? ' deleted' : ''}`, 'data-seq': String(post.seq) },
      post.file != null && !post.deleted ? channelFileBox(post, { onChange: (p) => { if (state.current === p.channelId) renderPost(p) }, onError: (err) => { banner(err.message) } }) : null,
      el('div', { class: 'text' }, post.deleted ? 'This post was deleted.' : post.text),
      el('span', { class: 'info' },
        post.edited && !post.deleted ? el('span', {}, 'edited') : null,
        el('time', { datetime: new Date(post.createdAt).toISOString() }, timeOf(post.createdAt))),
      actions,
      post.deleted ? null : reactionBar(post, { onChange: (p) => { if (state.current === p.channelId) renderPost(p) }, onError: (err) => { banner(err.message) } }))
    const existing = state.rendered.get(post.seq)
    if (existing != null) existing.replaceWith(li)
    else {
      // in chain order: before the first rendered post with a higher number
      const after = [...state.rendered.entries()].filter(([seq]) => seq > post.seq).sort(([a], [b]) => a - b)[0]
      if (after != null) after[1].before(li)
      else $('posts').append(li)
    }
    state.rendered.set(post.seq, li)
    views.observe(li, post)
  }

  async function open (id) {
    const c = channelOf(id)
    if (c == null) return
    ctx.closeChat()
    state.current = id
    state.rendered.clear()
    views.reset()
    state.fresh.delete(id)
    $('empty').hidden = true
    $('channel-view').hidden = false
    $('posts').replaceChildren()
    banner('')
    renderHeader()
    renderList()
    const after = Math.max(0, c.head - POSTS_SHOWN)
    const { items } = await ctx.guard(() => api('GET', `/v1/channels/${seg(id)}/posts?after=${after}&limit=${POSTS_SHOWN}`))
    if (state.current !== id) return
    for (const post of items) renderPost(post)
    if (items.length === 0) $('posts').append(el('li', { class: 'msg notice', 'data-empty': '' }, canPost(c) ? 'No posts yet: write the first one below.' : 'No posts yet.'))
    scrollDown()
    if (canPost(c)) $('post-text').focus()
  }

  function close () {
    state.current = null
    state.rendered.clear()
    $('channel-view').hidden = true
    renderList()
  }

  function scrollDown () { const list = $('posts'); list.scrollTop = list.scrollHeight }

  async function post (event) {
    event.preventDefault()
    const box = $('post-text')
    const text = box.value.trim()
    const id = state.current
    if (text === '' || id == null) return
    box.value = ''
    const posted = await attempt(() => api('POST', `/v1/channels/${seg(id)}/posts`, { text }))
    if (posted == null) { box.value = text; return }
    if (state.current === id) { $('posts').querySelector('[data-empty]')?.remove(); renderPost(posted); scrollDown() }
    void load()
  }

  let editing = null
  function edit (p) {
    editing = p
    $('edit-post-text').value = p.text
    $('edit-post-dialog').returnValue = ''
    $('edit-post-dialog').showModal()
  }
  $('edit-post-dialog').addEventListener('close', () => {
    const p = editing
    const text = $('edit-post-text').value.trim()
    if ($('edit-post-dialog').returnValue !== 'save' || p == null || text === '' || text === p.text) return
    void attempt(() => api('PATCH', `/v1/channels/${seg(p.channelId)}/posts/${p.seq}`, { text })).then((updated) => { if (updated != null && state.current === updated.channelId) renderPost(updated) })
  })

  async function remove (p) {
    if (!confirm(`Delete post #${p.seq} for every reader of the channel?`)) return
    const done = await attempt(async () => { await api('DELETE', `/v1/channels/${seg(p.channelId)}/posts/${p.seq}`); return true })
    if (done === true && state.current === p.channelId) renderPost({ ...p, deleted: true, text: '' })
  }

  // ------------------------------------------------------------ create, follow, share, mute, leave

  $('new-channel').addEventListener('click', () => {
    $('new-channel-form').reset()
    $('new-channel-error').textContent = ''
    $('new-channel-dialog').showModal()
  })
  $('new-channel-form').addEventListener('submit', async (event) => {
    if (event.submitter?.value === 'cancel') return
    event.preventDefault()
    const name = $('new-channel-name').value.trim()
    if (name === '') { $('new-channel-error').textContent = 'Give the channel a name.'; return }
    try {
      const channel = await api('POST', '/v1/channels', { name, private: $('new-channel-private').checked })
      $('new-channel-dialog').close()
      upsert(channel)
      await open(channel.id)
    } catch (err) { $('new-channel-error').textContent = err.message }
  })

  $('follow-channel').addEventListener('click', () => {
    $('follow-form').reset()
    $('follow-error').textContent = ''
    $('follow-dialog').showModal()
  })
  $('follow-form').addEventListener('submit', async (event) => {
    if (event.submitter?.value === 'cancel') return
    event.preventDefault()
    const link = $('follow-link').value.trim()
    const note = $('follow-error')
    note.textContent = 'Following… (fetching recent posts from relays)'
    note.classList.add('pending')
    try {
      const channel = await api('POST', '/v1/channels/follow', { link })
      $('follow-dialog').close()
      upsert(channel)
      await open(channel.id)
    } catch (err) {
      const bad = err.code === 'ERR_INVALID_CHANNEL_LINK'
      note.textContent = bad && link.startsWith('parley://channel/')
        ? `This link is damaged or not a channel's (${err.message}): copy it again from the channel's owner.`
        : bad ? `This is not a channel link (${err.message}): a channel's link starts with parley://channel/.` : err.message
    } finally { note.classList.remove('pending') }
  })

  $('channel-share').addEventListener('click', () => {
    const c = channelOf(state.current)
    if (c == null) return
    void ctx.showQr(`Link to ${c.name}`, c.link, c.private
      ? 'A private channel: this link carries its key. Anyone who has it can read every post; share it only with readers.'
      : 'Anyone with this link (or who scans this code) can follow the channel.')
  })
  $('channel-mute').addEventListener('click', async () => {
    const c = channelOf(state.current)
    if (c == null) return
    const updated = await attempt(() => api('PATCH', `/v1/channels/${seg(c.id)}`, { muted: !c.muted }))
    if (updated != null) upsert(updated)
  })
  $('channel-leave').addEventListener('click', async () => {
    const c = channelOf(state.current)
    if (c == null || !confirm(`Leave ${c.name}? Its posts are forgotten on this device.`)) return
    const done = await attempt(async () => { await api('DELETE', `/v1/channels/${seg(c.id)}`); return true })
    if (done !== true) return
    state.channels = state.channels.filter((x) => x.id !== c.id)
    close()
    $('empty').hidden = false
  })
  $('post-form').addEventListener('submit', (event) => { void post(event) })
  $('post-text').addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey) { event.preventDefault(); $('post-form').requestSubmit() }
  })

  // ------------------------------------------------------------ live

  const handlers = {
    'channel-post' ({ channel, post: p }) {
      upsert(channel)
      if (state.current === channel.id) { $('posts').querySelector('[data-empty]')?.remove(); renderPost(p); scrollDown() } else {
        state.fresh.set(channel.id, (state.fresh.get(channel.id) ?? 0) + 1)
        renderList()
      }
    },
    'channel-post-updated' ({ channel, post: p }) {
      upsert(channel)
      if (state.current === channel.id && state.rendered.has(p.seq)) renderPost(p)
    }
  }

  return { load, close, handlers, isOpen: () => state.current != null }
}
