/**
 * Broadcast channels in `<parley-chat>` (issue #21; docs/BROWSER.md, "Channels"): a lazy chunk
 * of the element, loaded once a channel is listed or "New channel" / "Follow" is pressed.
 *
 * - The sidebar's Channels list: owned and followed channels, public or private, muted, with a
 *   count of posts that arrived while another view was open.
 * - An open channel takes the conversation pane: its posts in order (edited and deleted marks,
 *   files by name with a Download button, reaction counts and views as the owner tallied them),
 *   a post box for the owner and admins (others read "Only the channel's owner and admins post
 *   here."), Share link (text and QR code), Mute / Unmute and Leave. New posts arrive live.
 * - "New channel" (a name, private or not) and "Follow" (paste a link; a bad link is said in words).
 */
import type { ChannelPostView, ChannelView, MessengerApi } from '../../messenger/types.js'
import type { ViewHost } from './view-kit.js'

/** Styles of the channel views, added to the element's shadow root when they load. */
const CHANNEL_STYLES = `
li.msg.post { max-width: 90%; } li.msg.post.deleted { font-style: italic; color: var(--_muted); }
li.msg.post .stats { display: flex; flex-wrap: wrap; gap: .3rem; align-items: center; font-size: .8em; margin-top: .2rem; }
.channel-sub { flex-basis: 100%; margin: 0; font-size: .85em; color: var(--_muted); }
.readonly { margin: 0; padding: .6rem .75rem; border-top: 1px solid var(--_border); color: var(--_muted); font-size: .9em; }
.post-file { display: flex; flex-wrap: wrap; gap: .4rem; align-items: center; }
aside li button .meta { display: block; font-size: .8em; color: var(--_muted); }
dialog .error.pending { color: var(--_muted); }
`

/** Posts shown when a channel opens (the newest). */
const POSTS_SHOWN = 200
const ROLE_WORDS: Record<ChannelView['role'], string> = { owner: 'you own it', admin: 'you are an admin', subscriber: 'following' }
const PREFIX = 'parley://channel/'

/** Why a link could not be followed, in words (`code` from the messenger's typed error). */
export function followFailure (link: string, err: { message?: string, code?: string }): string {
  const why = err.message ?? String(err)
  if (err.code !== 'ERR_INVALID_CHANNEL_LINK') return why
  return link.startsWith(PREFIX)
    ? `This link is damaged or not a channel's (${why}): copy it again from the channel's owner.`
    : `This is not a channel link (${why}): a channel's link starts with ${PREFIX}`
}

function sizeWords (bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`
}

export class ChannelViews {
  #channels: ChannelView[] = []
  /** The open channel's id (it has the conversation pane). */
  open: string | undefined
  /** The open channel's posts by number. */
  readonly #posts = new Map<number, ChannelPostView>()
  /** Posts arrived per channel while it was not open. */
  readonly #fresh = new Map<string, number>()

  constructor (private readonly host: ViewHost, private readonly ui: { list: HTMLUListElement, main: HTMLElement }) {
    host.root.append(host.kit.h('style', {}, CHANNEL_STYLES))
  }

  #canPost (c: ChannelView): boolean { return c.role === 'owner' || c.role === 'admin' }
  #current (): ChannelView | undefined { return this.#channels.find((c) => c.id === this.open) }

  /** Lists the channels again and renders the list (and the open channel's header). */
  async list (): Promise<void> {
    const m = this.host.messenger()
    if (m == null) return
    this.#channels = await m.channels()
    if (this.open != null && this.#current() == null) { this.close(); this.host.rerender() }
    this.#renderList()
    if (this.open != null) this.#render()
  }

  #upsert (channel: ChannelView): void {
    const i = this.#channels.findIndex((c) => c.id === channel.id)
    if (i >= 0) this.#channels[i] = channel
    else this.#channels.push(channel)
    this.#renderList()
  }

  #renderList (): void {
    const { h, fill } = this.host.kit
    if (this.#channels.length === 0) { fill(this.ui.list, h('li', { class: 'empty' }, 'No channels yet')); return }
    fill(this.ui.list, ...this.#channels.map((c) => {
      const fresh = this.#fresh.get(c.id) ?? 0
      const meta = [c.private ? 'private' : 'public', ROLE_WORDS[c.role], c.muted ? 'muted' : ''].filter((w) => w !== '').join(' · ')
      return h('li', {}, h('button', { type: 'button', part: 'channel-item', 'data-channel': c.id, 'aria-current': c.id === this.open ? 'true' : false, onclick: () => { void this.show(c.id) } },
        h('span', {}, c.name, h('span', { class: 'visually-hidden' }, ', channel,'), h('span', { class: 'meta' }, meta)),
        fresh > 0 ? h('span', { class: 'badge', 'aria-label': `${fresh} new` }, fresh) : null))
    }))
  }

  /** Opens a channel in the conversation pane with its newest posts. */
  async show (id: string): Promise<void> {
    const m = this.host.messenger()
    const c = this.#channels.find((k) => k.id === id)
    if (m == null || c == null) return
    try {
      const posts = await m.channelPosts(id, { after: Math.max(0, c.head - POSTS_SHOWN), limit: POSTS_SHOWN })
      this.open = id
      this.#posts.clear()
      for (const p of posts) this.#posts.set(p.seq, p)
      this.#fresh.delete(id)
      this.#renderList()
      this.#render()
      ;(this.host.root.getElementById('post-text') as HTMLTextAreaElement | null)?.focus()
    } catch (err) { this.host.fail(err) }
  }

  /** The pane goes back to the chats (a conversation was opened, or the channel left). */
  close (): void {
    this.open = undefined
    this.#posts.clear()
    this.#renderList()
  }

  /** A post arrived or changed (`channel-post`, `channel-post-updated`). */
  post (channel: ChannelView, post: ChannelPostView, isNew: boolean): void {
    this.#upsert(channel)
    if (this.open !== channel.id) {
      if (isNew) { this.#fresh.set(channel.id, (this.#fresh.get(channel.id) ?? 0) + 1); this.#renderList() }
      return
    }
    this.#posts.set(post.seq, post)
    this.#render()
  }

  #render (): void {
    const c = this.#current()
    if (c == null) return
    const { h, fill } = this.host.kit
    const root = this.host.root
    const focusedId = root.activeElement?.id
    const draft = (root.getElementById('post-text') as HTMLTextAreaElement | null)?.value ?? ''
    const sub = [`${c.private ? 'Private' : 'Public'} channel`, ROLE_WORDS[c.role], c.muted ? 'muted: no live posts until unmuted' : ''].filter((w) => w !== '').join(' · ')
    const posts = [...this.#posts.values()].sort((a, b) => a.seq - b.seq)
    const list = h('ol', { class: 'messages', part: 'channel-posts', 'aria-label': `Posts in ${c.name}`, tabindex: 0 },
      ...(posts.length === 0 ? [h('li', { class: 'line' }, this.#canPost(c) ? 'No posts yet: write the first one below.' : 'No posts yet.')] : posts.map((p) => this.#renderPost(p))))
    const input = h('textarea', { id: 'post-text', rows: 2, maxlength: 4000, placeholder: 'Write a post', part: 'input' })
    input.value = draft
    const box = this.#canPost(c)
      ? h('form', { class: 'composer', part: 'post-form', onsubmit: (evt: Event) => { evt.preventDefault(); void this.#post(c, input) } },
        h('label', { for: 'post-text', class: 'visually-hidden' }, `Post to ${c.name}`), input,
        h('button', { type: 'submit', class: 'primary', part: 'button' }, 'Post'))
      : h('p', { class: 'readonly', part: 'post-readonly' }, 'Only the channel\'s owner and admins post here.')
    fill(this.ui.main,
      h('div', { class: 'conv-head', part: 'conversation-header' },
        h('h2', {}, c.name),
        h('button', { id: 'channel-share', type: 'button', class: 'secondary small', part: 'button', 'aria-haspopup': 'dialog', onclick: () => { void this.#share(c) } }, 'Share link'),
        h('button', { id: 'channel-mute', type: 'button', class: 'secondary small', part: 'button', 'aria-pressed': c.muted ? 'true' : 'false', onclick: () => { void this.#mute(c) } }, c.muted ? 'Unmute' : 'Mute'),
        c.role === 'owner' ? null : h('button', { id: 'channel-leave', type: 'button', class: 'secondary small', part: 'button', onclick: () => { void this.#leave(c) } }, 'Leave'),
        h('p', { class: 'channel-sub' }, sub)),
      list, box)
    list.scrollTop = list.scrollHeight
    if (focusedId != null && focusedId !== '') (root.getElementById(focusedId) as HTMLElement | null)?.focus()
  }

  #renderPost (p: ChannelPostView): HTMLLIElement {
    const { h, formatTime } = this.host.kit
    const reactions = Object.entries(p.reactions).filter(([, n]) => n > 0)
    return h('li', { class: `msg post${p.deleted ? ' deleted' : ''}`, 'data-seq': String(p.seq) },
      p.file != null && !p.deleted ? this.#renderFile(p) : null,
      p.deleted ? 'This post was deleted.' : p.text,
      h('span', { class: 'stats' },
        ...reactions.map(([emoji, n]) => h('span', { class: 'reaction', 'aria-label': `${emoji} ${n}` }, `${emoji} ${n}`)),
        p.views > 0 ? h('span', {}, `${p.views} ${p.views === 1 ? 'view' : 'views'}`) : null,
        p.edited && !p.deleted ? h('span', { class: 'edited' }, 'edited') : null,
        h('time', { datetime: new Date(p.createdAt).toISOString() }, formatTime(p.createdAt))))
  }

  #renderFile (p: ChannelPostView): HTMLElement | null {
    const { h } = this.host.kit
    const file = p.file
    const m = this.host.messenger()
    if (file == null) return null
    const canSave = typeof m?.downloadChannelFile === 'function' && typeof m.readChannelFile === 'function'
    return h('span', { class: 'post-file' },
      h('span', {}, `📎 ${file.name} (${sizeWords(file.size)})`),
      canSave ? h('button', { type: 'button', class: 'secondary small', part: 'button', 'aria-label': `Download ${file.name}`, onclick: () => { void this.#download(p) } }, 'Download') : null)
  }

  /** Fetches the file (when not yet here) and hands it to the browser as a download. */
  async #download (p: ChannelPostView): Promise<void> {
    const m = this.host.messenger()
    if (m?.downloadChannelFile == null || m.readChannelFile == null || p.file == null) return
    try {
      if (p.file.state !== 'complete') await m.downloadChannelFile(p.channelId, p.seq)
      const parts: Uint8Array[] = []
      for await (const chunk of m.readChannelFile(p.channelId, p.seq)) parts.push(chunk)
      const url = URL.createObjectURL(new Blob(parts as BlobPart[], { type: p.file.mime }))
      const a = this.host.kit.h('a', { href: url, download: p.file.name, hidden: true })
      this.host.root.append(a)
      a.click()
      a.remove()
      setTimeout(() => { URL.revokeObjectURL(url) }, 60_000)
    } catch (err) { this.host.fail(err) }
  }

  async #act <T> (fn: (m: MessengerApi) => Promise<T>): Promise<T | undefined> {
    const m = this.host.messenger()
    if (m == null) return undefined
    try { return await fn(m) } catch (err) { this.host.fail(err); return undefined }
  }

  async #post (c: ChannelView, input: HTMLTextAreaElement): Promise<void> {
    const text = input.value.trim()
    if (text === '') return
    input.value = ''
    const posted = await this.#act(async (m) => await m.post(c.id, text))
    if (posted == null) { input.value = text; return }
    if (this.open === c.id) { this.#posts.set(posted.seq, posted); this.#render() }
    await this.#act(async () => { await this.list() })
  }

  async #share (c: ChannelView): Promise<void> {
    await this.#act(async () => {
      await this.host.kit.showQr(this.host.root, {
        title: `Link to ${c.name}`,
        text: c.link,
        hint: c.private
          ? 'A private channel: this link carries its key. Anyone who has it can read every post; share it only with readers.'
          : 'Anyone with this link (or who scans this code) can follow the channel.',
        alt: `QR code of the link to ${c.name}`
      })
    })
  }

  async #mute (c: ChannelView): Promise<void> {
    const updated = await this.#act(async (m) => await m.muteChannel(c.id, !c.muted))
    if (updated == null) return
    this.#upsert(updated)
    this.#render()
  }

  async #leave (c: ChannelView): Promise<void> {
    const sure = await this.host.kit.confirmAction(this.host.root, { title: `Leave ${c.name}?`, body: 'Its posts are forgotten on this device. You can follow it again with its link.', confirmLabel: 'Leave' })
    if (!sure) return
    const done = await this.#act(async (m) => { await m.unsubscribe(c.id); return true })
    if (done !== true) return
    this.#channels = this.#channels.filter((k) => k.id !== c.id)
    if (this.open === c.id) this.close()
    this.#renderList()
    this.host.rerender()
  }

  /** A dialog with one form; `submit` returns an error text to show, or undefined once done. */
  async #dialog (part: string, title: string, fields: HTMLElement[], action: string, submit: (note: HTMLElement) => Promise<string | undefined>): Promise<void> {
    const { h } = this.host.kit
    const note = h('p', { class: 'error', role: 'alert', id: `${part}-error` })
    const dialog = h('dialog', { part: `dialog ${part}`, 'aria-labelledby': `${part}-title` })
    const form = h('form', {
      method: 'dialog',
      onsubmit: (evt: SubmitEvent) => {
        if ((evt.submitter as HTMLButtonElement | null)?.value === 'cancel') return
        evt.preventDefault()
        void submit(note).then((error) => { if (error == null) dialog.close('done'); else note.textContent = error })
      }
    },
    h('h2', { id: `${part}-title` }, title), ...fields, note,
    h('div', { class: 'dialog-actions' },
      h('button', { value: 'cancel', class: 'secondary', part: 'button', formnovalidate: true }, 'Cancel'),
      h('button', { value: 'ok', class: 'primary', part: 'button' }, action)))
    dialog.append(form)
    await this.host.kit.showDialog(this.host.root, dialog)
  }

  /** "New channel": a name and whether it is private; opens the new channel. */
  async showCreate (): Promise<void> {
    const { h } = this.host.kit
    const name = h('input', { id: 'channel-name', required: true, maxlength: 100, autocomplete: 'off', part: 'input', autofocus: true })
    const priv = h('input', { id: 'channel-private', type: 'checkbox' })
    let made: string | undefined
    await this.#dialog('channel-dialog', 'New channel', [
      h('label', { for: 'channel-name' }, 'Name'), name,
      h('label', { class: 'inline', for: 'channel-private' }, priv, 'Private: only people with its link can read it')
    ], 'Create', async () => {
      const m = this.host.messenger()
      if (name.value.trim() === '') return 'Give the channel a name.'
      if (m == null) return 'Not started'
      try {
        const channel = await m.createChannel(name.value.trim(), { private: priv.checked })
        this.#upsert(channel)
        made = channel.id
        return undefined
      } catch (err) { return (err as Error).message }
    })
    // opened once the dialog is closed (and the focus back): the post box takes it
    if (made != null) await this.show(made)
  }

  /** "Follow": a pasted link; catches up from relays, then opens the channel. */
  async showFollow (): Promise<void> {
    const { h } = this.host.kit
    const link = h('input', { id: 'follow-link', required: true, autocomplete: 'off', spellcheck: 'false', placeholder: `${PREFIX}…`, part: 'input', autofocus: true })
    let made: string | undefined
    await this.#dialog('follow-dialog', 'Follow a channel', [h('label', { for: 'follow-link' }, 'Channel link'), link], 'Follow', async (note) => {
      const m = this.host.messenger()
      const text = link.value.trim()
      if (m == null) return 'Not started'
      note.textContent = 'Following… (fetching recent posts from relays)'
      note.classList.add('pending')
      try {
        const channel = await m.subscribe(text)
        this.#upsert(channel)
        made = channel.id
        return undefined
      } catch (err) {
        return followFailure(text, err as { message?: string, code?: string })
      } finally { note.classList.remove('pending') }
    })
    if (made != null) await this.show(made)
  }
}
