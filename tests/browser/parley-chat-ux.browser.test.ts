/**
 * <parley-chat> from a user's side (issue #17), in real Chromium with real clicks and keys:
 * every content kind readable, a refused second tab that says so, confirmations, ticks, rename,
 * QR codes, unread counts and notifications, keyboard use, and an axe-core audit. The messenger
 * is an in-memory stand-in (no network); the library entry is mocked so only the element loads.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { userEvent } from 'vitest/browser'
import axe from 'axe-core'
import type { ContactView, ConversationView, MessageView, MessengerApi, MessengerEvents } from '../../src/messenger/types.js'
import { TypedEvents } from '../../src/events.js'
import { StoreLockedError } from '../../src/browser/errors.js'

const createParley = vi.fn(async (): Promise<MessengerApi> => { throw new StoreLockedError() })
vi.mock('../../src/browser/index.js', () => ({ createParley }))
await import('../../src/browser/element/parley-chat.js')
type ParleyChatElement = import('../../src/browser/element/parley-chat.js').ParleyChatElement

const BOB = '4kbiFMz7TyW92XA85cmmkrkXDg9MKpHq85kVoJ6XsBSHfxr5oX'
const ME = '37ErprkQxNFnvLyaE5x4VCJzK2odNpheURogW4xDqYQrJGswMg'
const CONV = 'c'.repeat(32)

type Fake = MessengerApi & TypedEvents<MessengerEvents> & { calls: string[], conversation: ConversationView, list: MessageView[] }

function msg (init: Partial<MessageView> & { id: string }): MessageView {
  return { conversationId: CONV, direction: 'out', sender: ME, sentAt: Date.now() - 60_000, clock: 0, kind: 'text', reactions: {}, status: 'sent', expiresAt: null, forwardable: true, ...init }
}

/** A stored timer notice, as the messenger keeps it. */
function timerNotice (id: string, direction: 'in' | 'out', ttlMs: number | null): MessageView {
  const text = ttlMs == null ? 'turned off disappearing messages' : `set disappearing messages to ${ttlMs === 3_600_000 ? '1 hour' : ttlMs === 300_000 ? '5 minutes' : `${ttlMs} ms`}`
  return msg({ id, direction, sender: direction === 'in' ? BOB : ME, status: direction === 'in' ? 'read' : 'sent', kind: 'notice', notice: { type: 'timer', ttlMs }, text, sentAt: Date.now(), clock: 20 })
}

function fakeMessenger (): Fake {
  const events = new TypedEvents<MessengerEvents>()
  const calls: string[] = []
  const contact: ContactView = { address: BOB, name: 'Bob', verification: 'unverified', blocked: false, addedAt: 1 }
  const conversation: ConversationView = { id: CONV, kind: 'secret', secretState: 'active', peer: BOB, title: 'Bob', lastActivity: 2, unreadCount: 3, disappearingTimerMs: null }
  const list: MessageView[] = [
    msg({ id: 'hello', direction: 'in', sender: BOB, status: 'received', text: 'hello from Bob', clock: 1, reactions: { '👍': [ME] } }),
    msg({ id: 'shot', direction: 'in', sender: BOB, status: 'received', kind: 'notice', text: 'took a screenshot', clock: 2 }),
    msg({ id: 'future', direction: 'in', sender: BOB, status: 'received', kind: 'unsupported', clock: 3 }),
    msg({ id: 'fixed', text: 'edited text', editHistory: ['first text'], replyTo: 'hello', clock: 4 }),
    msg({ id: 'direct', text: 'went direct', status: 'sent', clock: 5 }),
    msg({ id: 'relayed', text: 'went via relay', status: 'stored', clock: 6 }),
    msg({ id: 'got', text: 'was delivered', status: 'delivered', clock: 7 }),
    msg({ id: 'seen', text: 'was read', status: 'read', clock: 8 }),
    msg({ id: 'lost', text: 'failed one', status: 'queued', clock: 9 })
  ]
  const api: Partial<MessengerApi> = {
    address: ME,
    inviteLink: () => `parley:${ME}`,
    reachability: () => ({ state: 'online', reasons: [], peers: 1, dhtPeers: 1, reservations: 1, needsReservation: true, relays: [], browsers: { reachable: true } }),
    listContacts: async () => [{ ...contact }],
    conversations: async () => ({ items: [{ ...conversation }] }),
    getConversation: async () => ({ ...conversation }),
    conversationWith: async () => ({ ...conversation }),
    messages: async () => ({ items: [...list].reverse() }),
    markRead: async () => { calls.push('markRead') },
    renameContact: async (_a, name) => { calls.push(`rename ${name}`); contact.name = name; conversation.title = name; return { ...contact } },
    safetyNumber: async () => ({ digits: '1'.repeat(60), qr: new Uint8Array() }),
    setDisappearingTimer: async (_id, ttl) => {
      calls.push(`timer ${ttl}`)
      conversation.disappearingTimerMs = ttl
      // as the messenger does: the change is a stored notice, announced as a message
      const notice = timerNotice(`mine-${String(ttl)}`, 'out', ttl)
      list.push(notice)
      queueMicrotask(() => { events.emit('message', { message: notice }) })
      return { ...conversation }
    },
    deleteMessages: async (_id, ids, o) => { calls.push(`delete ${ids.join()} ${o?.forEveryone === true}`) },
    addContact: async (text) => { calls.push(`addContact ${text}`); return contact }
  }
  return Object.assign(events, api, { calls, conversation, list }) as unknown as Fake
}

const shown: ParleyChatElement[] = []

async function mount (open = true): Promise<{ el: ParleyChatElement, fake: Fake, root: ShadowRoot }> {
  const el = document.createElement('parley-chat')
  el.style.height = '640px'
  document.body.append(el)
  shown.push(el)
  const fake = fakeMessenger()
  el.messenger = fake
  const root = el.shadowRoot as ShadowRoot
  await vi.waitFor(() => { expect(root.querySelector('[data-conversation]')).not.toBeNull() })
  if (open) {
    await userEvent.click(root.querySelector('[data-conversation]') as HTMLElement)
    await vi.waitFor(() => { expect(root.querySelector('li.msg')).not.toBeNull() })
  }
  return { el, fake, root }
}

const text = (root: ShadowRoot, selector: string): string => root.querySelector(selector)?.textContent ?? ''
const button = (root: ParentNode, name: string | RegExp): HTMLButtonElement => {
  const found = [...root.querySelectorAll('button')].find((b) => typeof name === 'string' ? (b.getAttribute('aria-label') ?? b.textContent) === name : name.test(b.getAttribute('aria-label') ?? b.textContent ?? ''))
  if (found == null) throw new Error(`no button ${String(name)}`)
  return found
}

/** axe-core on the element (and any open dialog): the serious and critical violations. */
async function audit (el: Element): Promise<string[]> {
  const result = await axe.run(el, { resultTypes: ['violations'] })
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)
}

afterEach(() => {
  for (const el of shown.splice(0)) el.remove()
  vi.unstubAllGlobals()
})

describe('<parley-chat> as a user sees it', () => {
  it('1. shows every content kind in words: notices, unsupported kinds, edits, replies, reactions, timer changes and typing', async () => {
    const { fake, root } = await mount()
    expect(text(root, 'li[data-id="shot"]')).toMatch(/^Bob took a screenshot/)
    expect(text(root, 'li[data-id="future"]')).toContain('cannot show')
    expect(root.querySelector('li.msg')?.parentElement?.textContent).not.toContain('Unsupported message')
    expect(text(root, 'li[data-id="fixed"] .edited')).toBe('edited')
    expect(text(root, 'li[data-id="fixed"] .reply')).toContain('hello from Bob')
    expect(root.querySelector('li[data-id="hello"] .reaction')?.getAttribute('aria-label')).toBe('👍 from 1 person')

    // the other side changes the disappearing timer: the conversation update and the stored
    // notice arrive; the chat shows one line (the notice's), not a second page-only one
    const announce = (m: MessageView): void => { fake.list.push(m); fake.emit('message', { message: m }) }
    const occurrences = (words: string): number => text(root, 'ol.messages').split(words).length - 1
    fake.emit('conversation-updated', { conversation: { ...fake.conversation, disappearingTimerMs: 3_600_000 } })
    announce(timerNotice('theirs-1h', 'in', 3_600_000))
    await vi.waitFor(() => { expect(text(root, 'ol.messages')).toContain('Bob set disappearing messages to 1 hour') })
    expect(occurrences('set disappearing messages to 1 hour')).toBe(1)
    // and our own change says "You"
    await userEvent.selectOptions(root.querySelector('#timer') as HTMLSelectElement, '5 minutes')
    await vi.waitFor(() => { expect(text(root, 'ol.messages')).toContain('You set disappearing messages to 5 minutes') })
    expect(occurrences('set disappearing messages to 5 minutes')).toBe(1)
    fake.emit('conversation-updated', { conversation: { ...fake.conversation, disappearingTimerMs: null } })
    announce(timerNotice('theirs-off', 'in', null))
    await vi.waitFor(() => { expect(text(root, 'ol.messages')).toContain('Bob turned off disappearing messages') })
    expect(occurrences('turned off disappearing messages')).toBe(1)

    fake.emit('typing', { conversationId: CONV, from: BOB, typing: true })
    await vi.waitFor(() => { expect(text(root, '.typing')).toBe('Bob is typing…') })
    fake.emit('typing', { conversationId: CONV, from: BOB, typing: false })
    await vi.waitFor(() => { expect(text(root, '.typing')).toBe('') })
  })

  it('2. a second tab says the store is open in another tab, and disables what cannot work', async () => {
    const el = document.createElement('parley-chat')
    el.setAttribute('relays', '/ip4/127.0.0.1/tcp/1/ws/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN')
    document.body.append(el)
    shown.push(el)
    const root = el.shadowRoot as ShadowRoot
    await el.ready
    await vi.waitFor(() => { expect(text(root, '[part~="placeholder"]')).toContain('already open in another tab') })
    expect(text(root, '.status')).toBe('open in another tab')
    expect(text(root, '.me')).toBe('Not started')
    expect(text(root, 'main')).not.toContain('Connecting…')
    expect(button(root, 'Add contact').disabled).toBe(true)
    expect((root.querySelector('#add-address') as HTMLInputElement).disabled).toBe(true)
    expect(button(root, 'Copy invite link').disabled).toBe(true)
    expect(await audit(el)).toEqual([])
  })

  it('3. asks before deleting for everyone; tells delivered from read and names each state; renames contacts', async () => {
    const { el, fake, root } = await mount()
    // delivery states: one label each, failure with its reason, the first hop in words
    fake.emit('delivery', { conversationId: CONV, messageId: 'lost', state: 'failed', reason: 'the relay refused it' })
    fake.list[fake.list.length - 1].status = 'failed'
    await vi.waitFor(() => { expect(root.querySelector('li[data-id="lost"] .ticks')?.getAttribute('aria-label')).toBe('Failed: the relay refused it') })
    // and in words on screen, not only by its ⚠
    expect(text(root, 'li[data-id="lost"] .failed')).toBe('not delivered: the relay refused it')
    const label = (id: string): string | null | undefined => root.querySelector(`li[data-id="${id}"] .ticks`)?.getAttribute('aria-label')
    expect(['direct', 'relayed', 'got', 'seen'].map(label)).toEqual(['Sent', 'Stored at relay', 'Delivered', 'Read'])
    expect(text(root, 'li[data-id="direct"] .ticks')).toContain('direct')
    expect(text(root, 'li[data-id="relayed"] .ticks')).toContain('via relay')
    const delivered = getComputedStyle(root.querySelector('li[data-id="got"] .ticks') as HTMLElement)
    const read = getComputedStyle(root.querySelector('li[data-id="seen"] .ticks') as HTMLElement)
    expect(read.backgroundColor).not.toBe(delivered.backgroundColor) // a filled pill, not a tint
    expect(read.fontWeight).not.toBe(delivered.fontWeight)
    expect(text(root, 'li[data-id="seen"] .ticks')).toContain('read')

    // ✕ asks first: Escape (or Cancel) keeps the message
    await userEvent.click(button(root.querySelector('li[data-id="direct"]') as HTMLElement, 'Delete for everyone'))
    const dialog = (): HTMLDialogElement | null => root.querySelector('dialog[open]')
    await vi.waitFor(() => { expect(dialog()?.textContent).toContain('Delete for everyone?') })
    expect(await audit(el)).toEqual([])
    await userEvent.keyboard('{Escape}')
    await vi.waitFor(() => { expect(dialog()).toBeNull() })
    expect(fake.calls.filter((c) => c.startsWith('delete'))).toEqual([])
    await userEvent.click(button(root.querySelector('li[data-id="direct"]') as HTMLElement, 'Delete for everyone'))
    await vi.waitFor(() => { expect(dialog()).not.toBeNull() })
    await userEvent.click(button(dialog() as HTMLElement, 'Delete for everyone'))
    await vi.waitFor(() => { expect(fake.calls).toContain('delete direct true') })

    // rename: Escape keeps the name, Enter saves it
    await userEvent.click(button(root, 'Rename Bob'))
    await userEvent.keyboard('{Escape}')
    await vi.waitFor(() => { expect(root.querySelector('#rename-input')).toBeNull() })
    await userEvent.click(button(root, 'Rename Bob'))
    await userEvent.fill(root.querySelector('#rename-input') as HTMLInputElement, 'Bob (work)')
    await userEvent.keyboard('{Enter}')
    await vi.waitFor(() => { expect(fake.calls).toContain('rename Bob (work)') })
    await vi.waitFor(() => { expect(text(root, '#conv-title')).toContain('Bob (work)') })
    expect(text(root, '[part~="contact-item"]')).toContain('Bob (work)')
  })

  it('4. invite QR code, unread counts, notifications in a background tab, keyboard and focus, accessible names', async () => {
    const { el, fake, root } = await mount(false)
    expect(root.querySelector('[data-conversation] .badge:not(.secret)')?.getAttribute('aria-label')).toBe('3 unread')

    // QR: an image with a text alternative, loaded on demand; Escape closes and focus goes back
    const qr = button(root, 'Show QR code')
    await userEvent.click(qr)
    await vi.waitFor(() => { expect(root.querySelector('dialog[open] img.qr')).not.toBeNull() })
    const img = root.querySelector('dialog[open] img.qr') as HTMLImageElement
    await img.decode()
    expect(img.alt).toBe('QR code of your invite link')
    expect(img.naturalWidth).toBeGreaterThan(0)
    expect((root.querySelector('#qr-text') as HTMLInputElement).value).toBe(`parley:${ME}`)
    expect(await audit(el)).toEqual([])
    await userEvent.keyboard('{Escape}')
    await vi.waitFor(() => { expect(root.querySelector('dialog')).toBeNull() })
    expect(root.activeElement).toBe(qr)

    // notifications: asked from a click; shown for a message arriving while the tab is hidden
    const shownNotes: Array<{ title: string, body?: string }> = []
    class FakeNotification {
      static permission: NotificationPermission = 'default'
      static requestPermission = vi.fn(async () => { FakeNotification.permission = 'granted'; return 'granted' as const })
      onclick: (() => void) | null = null
      constructor (title: string, options?: NotificationOptions) { shownNotes.push({ title, body: options?.body }) }
      close (): void {}
    }
    vi.stubGlobal('Notification', FakeNotification)
    fake.emit('contact-key-changed', { address: BOB, wasVerified: false }) // any refresh re-renders the header
    await vi.waitFor(() => { expect(button(root, 'Turn on notifications').hidden).toBe(false) })
    await userEvent.click(button(root, 'Turn on notifications'))
    await vi.waitFor(() => { expect(button(root, 'Turn on notifications').hidden).toBe(true) })
    const visibility = Object.getOwnPropertyDescriptor(Document.prototype, 'visibilityState') as PropertyDescriptor
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' })
    try {
      fake.emit('message', { message: msg({ id: 'new', direction: 'in', sender: BOB, status: 'received', text: 'psst', clock: 20 }) })
    } finally {
      Object.defineProperty(document, 'visibilityState', visibility)
      delete (document as { visibilityState?: unknown }).visibilityState
    }
    expect(shownNotes).toEqual([{ title: 'Bob', body: 'New message in a secret chat' }])

    // keyboard: Tab walks the add-contact form in order, with a visible focus ring
    ;(root.querySelector('#add-address') as HTMLInputElement).focus()
    await userEvent.tab()
    expect(root.activeElement?.id).toBe('add-name')
    await userEvent.tab()
    expect(root.activeElement?.textContent).toBe('Add contact')
    expect(getComputedStyle(root.activeElement as HTMLElement).outlineStyle).toBe('solid')
    // opening a chat puts the focus in the composer (Enter sends: parley-chat.browser.test.ts)
    await userEvent.click(root.querySelector('[data-conversation]') as HTMLElement)
    await vi.waitFor(() => { expect(root.activeElement?.id).toBe('compose') })
    expect(await audit(el)).toEqual([])
  })
})
