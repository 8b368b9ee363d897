/**
 * <parley-chat>'s channels (issue #21 item 5) from a user's side, in real Chromium with real
 * clicks and keys, and an axe-core audit of the channel pane and its dialogs. The messenger is
 * an in-memory stand-in that records calls (channels between real nodes and a relay keeping
 * history run in tests/browser/channels.browser.test.ts and tests/messenger/channels/); the
 * library entry is mocked so only the element (and its lazy channel chunk) loads.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { userEvent } from 'vitest/browser'
import axe from 'axe-core'
import type { ChannelPostView, ChannelView, ConversationView, MessengerApi, MessengerEvents } from '../../src/messenger/types.js'
import { TypedEvents } from '../../src/events.js'

vi.mock('../../src/browser/index.js', () => ({ createParley: vi.fn(async () => { throw new Error('not in this test') }) }))
await import('../../src/browser/element/parley-chat.js')
type ParleyChatElement = import('../../src/browser/element/parley-chat.js').ParleyChatElement

const ME = '37ErprkQxNFnvLyaE5x4VCJzK2odNpheURogW4xDqYQrJGswMg'
const BOB = '4kbiFMz7TyW92XA85cmmkrkXDg9MKpHq85kVoJ6XsBSHfxr5oX'
const LAKE = 'a'.repeat(32)
const CLUB = 'b'.repeat(32)
const NEWS = 'e'.repeat(32)
const CONV = 'c'.repeat(32)
const LINK = (id: string): string => `parley://channel/${id.slice(0, 8)}KEY`
const GOOD_LINK = 'parley://channel/NEWSKEY'

type Fake = MessengerApi & TypedEvents<MessengerEvents> & { calls: string[], chans: ChannelView[], posts: Map<string, ChannelPostView[]> }

function channel (id: string, name: string, init: Partial<ChannelView> = {}): ChannelView {
  return { id, name, role: 'owner', private: false, link: LINK(id), head: 0, muted: false, admins: [], ...init }
}

function post (channelId: string, seq: number, text: string, init: Partial<ChannelPostView> = {}): ChannelPostView {
  return { channelId, seq, text, author: 'ab'.repeat(32), createdAt: Date.now() - (10 - seq) * 60_000, edited: false, deleted: false, reactions: {}, views: 0, ...init }
}

function fakeMessenger (init: { channels?: boolean } = {}): Fake {
  const events = new TypedEvents<MessengerEvents>()
  const calls: string[] = []
  const chans: ChannelView[] = init.channels === false
    ? []
    : [channel(LAKE, 'Lake news', { head: 3 }), channel(CLUB, 'Climbing club', { role: 'subscriber', private: true, head: 1 })]
  const posts = new Map<string, ChannelPostView[]>([
    // out of order: the view sorts by number
    [LAKE, [
      post(LAKE, 3, 'Swimming season opens Saturday', { reactions: { '👍': 3, '🎉': 1 }, views: 12 }),
      post(LAKE, 1, 'Parking is free on weekends', { edited: true }),
      post(LAKE, 2, '', { deleted: true }),
      post(LAKE, 4, 'The map', { file: { name: 'lake-map.pdf', size: 2048, mime: 'application/pdf', sha256: '00'.repeat(32), state: 'complete' } })
    ]],
    [CLUB, [post(CLUB, 1, 'Gym closed on Monday')]]
  ])
  const conversation: ConversationView = { id: CONV, kind: 'normal', peer: BOB, title: 'Bob', lastActivity: 5, unreadCount: 0, disappearingTimerMs: null }
  const find = (id: string): ChannelView => {
    const c = chans.find((k) => k.id === id)
    if (c == null) throw Object.assign(new Error('No such channel'), { code: 'ERR_CHANNEL_NOT_FOUND' })
    return c
  }
  const api: Partial<MessengerApi> = {
    address: ME,
    inviteLink: () => `parley:${ME}`,
    reachability: () => ({ state: 'online', reasons: [], peers: 1, dhtPeers: 1, reservations: 1, needsReservation: true, relays: [], browsers: { reachable: true } }),
    listContacts: async () => [{ address: BOB, name: 'Bob', verification: 'verified', blocked: false, addedAt: 1 }],
    conversations: async () => ({ items: [{ ...conversation }] }),
    getConversation: async () => ({ ...conversation }),
    conversationWith: async () => ({ ...conversation }),
    messages: async () => ({ items: [] }),
    markRead: async () => {},
    channels: async () => chans.map((c) => ({ ...c })),
    channelPosts: async (id, query) => {
      calls.push(`channelPosts ${id} after=${query?.after ?? 0}`)
      return (posts.get(id) ?? []).map((p) => ({ ...p }))
    },
    post: async (id, text) => {
      calls.push(`post ${id} ${text}`)
      const c = find(id)
      if (c.role === 'subscriber') throw Object.assign(new Error('Only the owner and admins post'), { code: 'ERR_CHANNEL_READ_ONLY' })
      c.head++
      const p = post(id, c.head + 1, text)
      posts.get(id)?.push(p)
      return { ...p }
    },
    createChannel: async (name, opts) => {
      calls.push(`createChannel ${name} private=${String(opts?.private ?? false)}`)
      const c = channel('d'.repeat(32), name, { private: opts?.private ?? false })
      chans.push(c); posts.set(c.id, [])
      return { ...c }
    },
    subscribe: async (link) => {
      calls.push(`subscribe ${link}`)
      if (link !== GOOD_LINK) throw Object.assign(new Error('Invalid channel link'), { code: 'ERR_INVALID_CHANNEL_LINK' })
      const c = channel(NEWS, 'Town news', { role: 'subscriber', head: 1 })
      chans.push(c); posts.set(NEWS, [post(NEWS, 1, 'Road works on Main St')])
      return { ...c }
    },
    unsubscribe: async (id) => { calls.push(`unsubscribe ${id}`); chans.splice(chans.indexOf(find(id)), 1) },
    muteChannel: async (id, muted) => { calls.push(`muteChannel ${id} ${String(muted)}`); const c = find(id); c.muted = muted; return { ...c } },
    downloadChannelFile: async (id, seq) => { calls.push(`downloadChannelFile ${id} ${seq}`); return post(id, seq, '') },
    readChannelFile: async function * (id, seq) { calls.push(`readChannelFile ${id} ${seq}`); yield new TextEncoder().encode('%PDF') }
  }
  return Object.assign(events, api, { calls, chans, posts }) as unknown as Fake
}

const shown: ParleyChatElement[] = []

async function mount (fake: Fake): Promise<{ el: ParleyChatElement, root: ShadowRoot }> {
  const el = document.createElement('parley-chat')
  el.style.height = '640px'
  document.body.append(el)
  shown.push(el)
  el.messenger = fake
  const root = el.shadowRoot as ShadowRoot
  await vi.waitFor(() => { expect(root.querySelector('[data-conversation]')).not.toBeNull() })
  return { el, root }
}

const text = (root: ParentNode, selector: string): string => root.querySelector(selector)?.textContent ?? ''
const button = (root: ParentNode, name: string | RegExp): HTMLButtonElement => {
  const found = [...root.querySelectorAll('button')].find((b) => typeof name === 'string' ? (b.getAttribute('aria-label') ?? b.textContent) === name : name.test(b.getAttribute('aria-label') ?? b.textContent ?? ''))
  if (found == null) throw new Error(`no button ${String(name)}`)
  return found
}
const dialog = (root: ShadowRoot): HTMLDialogElement | null => [...root.querySelectorAll('dialog[open]')].at(-1) as HTMLDialogElement | undefined ?? null
const postTexts = (root: ShadowRoot): string[] => [...root.querySelectorAll('[part~="channel-posts"] li')].map((li) => li.getAttribute('data-seq') ?? li.textContent ?? '')

async function audit (el: Element): Promise<string[]> {
  const result = await axe.run(el, { resultTypes: ['violations'] })
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)
}

async function openChannel (root: ShadowRoot, id: string): Promise<void> {
  await vi.waitFor(() => { expect(root.querySelector(`[data-channel="${id}"]`)).not.toBeNull() })
  await userEvent.click(root.querySelector(`[data-channel="${id}"]`) as HTMLElement)
  await vi.waitFor(() => { expect(root.querySelector('[part~="channel-posts"]')).not.toBeNull() })
}

afterEach(() => {
  for (const el of shown.splice(0)) el.remove()
})

describe('<parley-chat> channels', () => {
  it('lists owned and followed channels; the owner reads posts in order (marks, file, reactions, views) and posts', async () => {
    const fake = fakeMessenger()
    const { el, root } = await mount(fake)
    await vi.waitFor(() => { expect(root.querySelectorAll('[part~="channel-item"]')).toHaveLength(2) })
    expect(text(root, `[data-channel="${LAKE}"] .meta`)).toBe('public · you own it')
    expect(text(root, `[data-channel="${CLUB}"] .meta`)).toBe('private · following')

    await openChannel(root, LAKE)
    expect(text(root, 'main h2')).toBe('Lake news')
    expect(text(root, '.channel-sub')).toBe('Public channel · you own it')
    expect(root.querySelector(`[data-channel="${LAKE}"]`)?.getAttribute('aria-current')).toBe('true')
    expect(postTexts(root)).toEqual(['1', '2', '3', '4'])
    const li = (seq: number): Element => root.querySelector(`[data-seq="${seq}"]`) as Element
    expect(li(1).textContent).toContain('Parking is free on weekends')
    expect(text(li(1), '.edited')).toBe('edited')
    expect(li(2).textContent).toContain('This post was deleted.')
    expect(li(2).classList.contains('deleted')).toBe(true)
    expect([...li(3).querySelectorAll('.reaction')].map((r) => r.textContent)).toEqual(['👍 3', '🎉 1'])
    expect(li(3).textContent).toContain('12 views')
    expect(li(4).textContent).toContain('lake-map.pdf (2.0 KB)')
    expect(root.querySelector('[part~="post-readonly"]')).toBeNull()
    // Leave is for followers: the owner has none
    expect(root.querySelector('#channel-leave')).toBeNull()
    expect(await audit(el)).toEqual([])

    // the file: fetched (already complete: only read) and handed to the browser
    await userEvent.click(button(root, 'Download lake-map.pdf'))
    await vi.waitFor(() => { expect(fake.calls).toContain(`readChannelFile ${LAKE} 4`) })
    expect(fake.calls).not.toContain(`downloadChannelFile ${LAKE} 4`)

    // the owner posts: the post is appended
    await userEvent.type(root.querySelector('#post-text') as HTMLTextAreaElement, 'Lifeguards from 10:00')
    await userEvent.click(button(root, 'Post'))
    await vi.waitFor(() => { expect(fake.calls).toContain(`post ${LAKE} Lifeguards from 10:00`) })
    await vi.waitFor(() => { expect(postTexts(root)).toEqual(['1', '2', '3', '4', '5']) })
    expect(text(root, '[data-seq="5"]')).toContain('Lifeguards from 10:00')
    expect((root.querySelector('#post-text') as HTMLTextAreaElement).value).toBe('')

    // opening a chat gives the pane back to it
    await userEvent.click(root.querySelector(`[data-conversation="${CONV}"]`) as HTMLElement)
    await vi.waitFor(() => { expect(root.querySelector('[part~="channel-posts"]')).toBeNull() })
    expect(root.querySelector('#compose')).not.toBeNull()
    expect(root.querySelector(`[data-channel="${LAKE}"]`)?.getAttribute('aria-current')).toBeNull()
  })

  it('a follower sees no post box, shares the link (text and QR), mutes and leaves', async () => {
    const fake = fakeMessenger()
    const { el, root } = await mount(fake)
    await openChannel(root, CLUB)
    expect(root.querySelector('#post-text')).toBeNull()
    expect(text(root, '[part~="post-readonly"]')).toBe('Only the channel\'s owner and admins post here.')
    expect(text(root, '.channel-sub')).toBe('Private channel · following')

    await userEvent.click(button(root, 'Share link'))
    await vi.waitFor(() => { expect(root.querySelector('dialog[open] img.qr')).not.toBeNull() })
    expect((dialog(root)?.querySelector('img.qr') as HTMLImageElement).src.startsWith('data:image/svg+xml')).toBe(true)
    expect((root.querySelector('#qr-text') as HTMLInputElement).value).toBe(LINK(CLUB))
    expect(text(dialog(root) as HTMLElement, '.hint')).toContain('this link carries its key')
    expect(await audit(el)).toEqual([])
    await userEvent.click(button(dialog(root) as HTMLElement, 'Close'))
    await vi.waitFor(() => { expect(dialog(root)).toBeNull() })

    await userEvent.click(button(root, 'Mute'))
    await vi.waitFor(() => { expect(fake.calls).toContain(`muteChannel ${CLUB} true`) })
    await vi.waitFor(() => { expect(text(root, '#channel-mute')).toBe('Unmute') })
    expect(text(root, '.channel-sub')).toContain('muted: no live posts until unmuted')
    expect(text(root, `[data-channel="${CLUB}"] .meta`)).toBe('private · following · muted')

    await userEvent.click(button(root, 'Leave'))
    await vi.waitFor(() => { expect(root.querySelector('dialog[open] #confirm-title')).not.toBeNull() })
    await userEvent.click(button(dialog(root) as HTMLElement, 'Leave'))
    await vi.waitFor(() => { expect(fake.calls).toContain(`unsubscribe ${CLUB}`) })
    await vi.waitFor(() => { expect(root.querySelector('[part~="channel-posts"]')).toBeNull() })
    expect(root.querySelector(`[data-channel="${CLUB}"]`)).toBeNull()
  })

  it('follows by link: a bad link and a damaged one are said in words, a good one opens the channel', async () => {
    const fake = fakeMessenger({ channels: false })
    const { el, root } = await mount(fake)
    expect(text(root, '[part~="channel-list"]')).toBe('No channels yet')
    await userEvent.click(button(root, 'Follow'))
    await vi.waitFor(() => { expect(root.querySelector('dialog[open] #follow-link')).not.toBeNull() })
    expect(await audit(el)).toEqual([])
    const input = root.querySelector('#follow-link') as HTMLInputElement
    await userEvent.type(input, 'https://example.com/not-a-channel')
    await userEvent.click(button(dialog(root) as HTMLElement, 'Follow'))
    await vi.waitFor(() => { expect(text(root, '#follow-dialog-error')).toContain('This is not a channel link') })
    expect(text(root, '#follow-dialog-error')).toContain('starts with parley://channel/')
    await userEvent.clear(input)
    await userEvent.type(input, 'parley://channel/broken')
    await userEvent.click(button(dialog(root) as HTMLElement, 'Follow'))
    await vi.waitFor(() => { expect(text(root, '#follow-dialog-error')).toContain('This link is damaged or not a channel\'s') })
    expect(dialog(root)).not.toBeNull()

    await userEvent.clear(input)
    await userEvent.type(input, GOOD_LINK)
    await userEvent.click(button(dialog(root) as HTMLElement, 'Follow'))
    await vi.waitFor(() => { expect(fake.calls).toContain(`subscribe ${GOOD_LINK}`) })
    await vi.waitFor(() => { expect(text(root, 'main h2')).toBe('Town news') })
    expect(dialog(root)).toBeNull()
    expect(text(root, '[data-seq="1"]')).toContain('Road works on Main St')
    expect(root.querySelectorAll('[part~="channel-item"]')).toHaveLength(1)
  })

  it('creates a private channel from "New channel" and opens it', async () => {
    const fake = fakeMessenger({ channels: false })
    const { el, root } = await mount(fake)
    await userEvent.click(button(root, 'New channel'))
    await vi.waitFor(() => { expect(root.querySelector('dialog[open] #channel-name')).not.toBeNull() })
    expect(await audit(el)).toEqual([])
    await userEvent.type(root.querySelector('#channel-name') as HTMLInputElement, 'Board games')
    await userEvent.click(root.querySelector('#channel-private') as HTMLInputElement)
    await userEvent.click(button(dialog(root) as HTMLElement, 'Create'))
    await vi.waitFor(() => { expect(fake.calls).toContain('createChannel Board games private=true') })
    await vi.waitFor(() => { expect(text(root, 'main h2')).toBe('Board games') })
    expect(text(root, '.channel-sub')).toBe('Private channel · you own it')
    expect(text(root, '[part~="channel-posts"]')).toBe('No posts yet: write the first one below.')
    expect(root.querySelector('#post-text')).not.toBeNull()
  })

  it('live: a new post in the open channel is appended; in another channel it is counted', async () => {
    const fake = fakeMessenger()
    const { root } = await mount(fake)
    await openChannel(root, CLUB)
    const club = fake.chans.find((c) => c.id === CLUB) as ChannelView
    fake.emit('channel-post', { channel: { ...club, head: 2 }, post: post(CLUB, 2, 'Outdoor session moved to Sunday') })
    await vi.waitFor(() => { expect(postTexts(root)).toEqual(['1', '2']) })
    expect(text(root, '[data-seq="2"]')).toContain('Outdoor session moved to Sunday')
    // an edit arrives: the post is replaced in place
    fake.emit('channel-post-updated', { channel: club, post: post(CLUB, 2, 'Outdoor session moved to Saturday', { edited: true }) })
    await vi.waitFor(() => { expect(text(root, '[data-seq="2"]')).toContain('Saturday') })
    expect(text(root, '[data-seq="2"] .edited')).toBe('edited')
    expect(postTexts(root)).toEqual(['1', '2'])

    // the element renders again (here: reachability changed) while the channel is open: the pane stays the channel's
    fake.emit('reachability', { reachability: { state: 'offline', reasons: ['no peers connected'], peers: 0, dhtPeers: 0, reservations: 0, needsReservation: true, relays: [], browsers: { reachable: true } } })
    await vi.waitFor(() => { expect(root.querySelector('[part~="status"]')?.getAttribute('data-state')).toBe('offline') })
    expect(postTexts(root)).toEqual(['1', '2'])
    expect(root.querySelector('[part~="placeholder"]')).toBeNull()

    const lake = fake.chans.find((c) => c.id === LAKE) as ChannelView
    fake.emit('channel-post', { channel: lake, post: post(LAKE, 5, 'Ice cream van at noon') })
    await vi.waitFor(() => { expect(root.querySelector(`[data-channel="${LAKE}"] .badge`)?.getAttribute('aria-label')).toBe('1 new') })
    expect(postTexts(root)).toEqual(['1', '2'])
  })
})
