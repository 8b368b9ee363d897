/**
 * <parley-chat> against a fake MessengerApi (no network): rendering, delivery ticks, keyboard,
 * labels. The library entry is mocked so that only the element loads.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { ContactView, ConversationView, DeliveryState, MessageView, MessengerApi, MessengerEvents } from '../../src/messenger/types.js'
import { TypedEvents } from '../../src/events.js'

vi.mock('../../src/browser/index.js', () => ({ createParley: vi.fn(async () => { throw new Error('not in this test') }) }))
// imported after the mock, for its side effect: it defines <parley-chat>
await import('../../src/browser/element/parley-chat.js')
type ParleyChatElement = import('../../src/browser/element/parley-chat.js').ParleyChatElement

const BOB = '4kbiFMz7TyW92XA85cmmkrkXDg9MKpHq85kVoJ6XsBSHfxr5oX'

/** An in-memory messenger with one contact and one conversation; records calls. */
function fakeMessenger (): MessengerApi & { calls: string[], messagesList: MessageView[], setStatus: (id: string, state: DeliveryState) => void } {
  const events = new TypedEvents<MessengerEvents>()
  const calls: string[] = []
  const contact: ContactView = { address: BOB, name: 'Bob', verification: 'unverified', blocked: false, addedAt: 1 }
  const conversation: ConversationView = { id: 'c'.repeat(32), kind: 'normal', peer: BOB, title: 'Bob', lastActivity: 2, unreadCount: 1, disappearingTimerMs: null }
  const states: Array<DeliveryState> = ['queued', 'sent', 'stored', 'delivered', 'read', 'failed']
  const messagesList: MessageView[] = states.map((status, i) => ({
    id: `m${i}`, conversationId: conversation.id, direction: 'out', sender: 'me', sentAt: Date.now(), clock: i, kind: 'text',
    text: `message ${status}`, reactions: {}, status, expiresAt: null, forwardable: true
  }))
  messagesList.push({ id: 'in1', conversationId: conversation.id, direction: 'in', sender: BOB, sentAt: Date.now(), clock: 9, kind: 'text', text: 'hello from Bob', reactions: {}, status: 'received', expiresAt: null, forwardable: true })
  const api: Partial<MessengerApi> = {
    address: '37ErprkQxNFnvLyaE5x4VCJzK2odNpheURogW4xDqYQrJGswMg',
    inviteLink: () => 'parley:me',
    reachability: () => ({ state: 'online', reasons: [], peers: 1, dhtPeers: 1, reservations: 1, needsReservation: true, relays: [], browsers: { reachable: true } }),
    listContacts: async () => [contact],
    conversations: async () => ({ items: [conversation] }),
    getConversation: async () => conversation,
    conversationWith: async () => conversation,
    messages: async () => ({ items: [...messagesList].reverse() }),
    markRead: async () => { calls.push('markRead'); conversation.unreadCount = 0 },
    addContact: async (text) => { calls.push(`addContact ${text}`); return contact },
    sendText: async (_id, text) => {
      calls.push(`sendText ${text}`)
      const m: MessageView = { ...messagesList[0], id: `s${messagesList.length}`, text, status: 'queued', clock: 100 + messagesList.length }
      messagesList.push(m)
      events.emit('message', { message: m })
      return m
    },
    safetyNumber: async () => ({ digits: '1'.repeat(60), qr: new Uint8Array() }),
    setDisappearingTimer: async (_id, ttl) => { calls.push(`timer ${ttl}`); conversation.disappearingTimerMs = ttl; return conversation },
    deleteMessages: async (_id, ids, o) => { calls.push(`delete ${ids.join()} ${o?.forEveryone === true}`) },
    startSecretChat: async () => { calls.push('secret'); return conversation }
  }
  return Object.assign(events, api, {
    calls,
    messagesList,
    setStatus: (id: string, state: DeliveryState) => {
      const m = messagesList.find((x) => x.id === id)
      if (m != null) m.status = state
      events.emit('delivery', { conversationId: conversation.id, messageId: id, state })
    }
  }) as unknown as MessengerApi & { calls: string[], messagesList: MessageView[], setStatus: (id: string, state: DeliveryState) => void }
}

async function mount (): Promise<{ el: ParleyChatElement, fake: ReturnType<typeof fakeMessenger>, root: ShadowRoot }> {
  const el = document.createElement('parley-chat') as ParleyChatElement
  document.body.append(el)
  const fake = fakeMessenger()
  el.messenger = fake
  await vi.waitFor(() => { expect(el.shadowRoot?.querySelector('[data-conversation]')).not.toBeNull() })
  await el.openConversation('c'.repeat(32))
  return { el, fake, root: el.shadowRoot as ShadowRoot }
}

afterEach(() => { document.body.replaceChildren() })

describe('<parley-chat>', () => {
  it('shows the conversation with a tick per delivery state and follows delivery events', async () => {
    const { fake, root } = await mount()
    const ticks = [...root.querySelectorAll('li.msg.out .ticks')].map((t) => t.getAttribute('aria-label'))
    expect(ticks).toEqual(['Queued', 'Sent', 'Stored at relay', 'Delivered', 'Read', 'Failed: not delivered'])
    expect(root.querySelector('li.msg.in')?.textContent).toContain('hello from Bob')
    expect(root.querySelector('li.msg.in .delete')).toBeNull() // normal chats: only own messages are deleted for both
    expect(root.querySelector('ol[aria-live="polite"]')?.getAttribute('aria-label')).toBe('Messages with Bob')
    expect(fake.calls).toContain('markRead')

    fake.setStatus('m0', 'delivered')
    await vi.waitFor(() => { expect(root.querySelector('li.msg[data-id="m0"] .ticks')?.getAttribute('aria-label')).toBe('Delivered') })
  })

  it('sends with Enter (Shift+Enter does not), adds contacts, sets the timer, deletes for both, shows the safety number', async () => {
    const { fake, root } = await mount()
    const input = root.querySelector('#compose') as HTMLTextAreaElement
    expect(root.querySelector('label[for="compose"]')).not.toBeNull()
    input.value = 'typed line'
    input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', shiftKey: true, bubbles: true }))
    expect(fake.calls.filter((c) => c.startsWith('sendText'))).toEqual([])
    input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }))
    await vi.waitFor(() => { expect(fake.calls).toContain('sendText typed line') })
    await vi.waitFor(() => { expect(root.querySelector('li.msg')?.parentElement?.textContent).toContain('typed line') })

    const add = root.querySelector('#add-address') as HTMLInputElement
    expect(root.querySelector('label[for="add-address"]')?.textContent).toMatch(/invite link/)
    add.value = 'parley:someone'
    ;(root.querySelector('form[aria-label="Add a contact"]') as HTMLFormElement).requestSubmit()
    await vi.waitFor(() => { expect(fake.calls).toContain('addContact parley:someone') })

    const timer = root.querySelector('#timer') as HTMLSelectElement
    timer.value = '3600000'
    timer.dispatchEvent(new Event('change'))
    await vi.waitFor(() => { expect(fake.calls).toContain('timer 3600000') })

    ;(root.querySelector('li.msg[data-id="m1"] .delete') as HTMLButtonElement).click()
    // deleting for everyone asks first (parley-chat-ux.browser.test.ts covers Cancel and Escape)
    await vi.waitFor(() => { expect(root.querySelector('dialog[open]')).not.toBeNull() })
    ;([...root.querySelectorAll('dialog[open] button')].find((b) => b.textContent === 'Delete for everyone') as HTMLButtonElement).click()
    await vi.waitFor(() => { expect(fake.calls).toContain('delete m1 true') })

    ;([...root.querySelectorAll('button')].find((b) => b.textContent === 'Safety number') as HTMLButtonElement).click()
    await vi.waitFor(() => { expect(root.querySelector('#safety')?.textContent).toBe(`${'11111 '.repeat(11)}11111`) })
  })

  it('can be themed through custom properties and parts', async () => {
    const { el, root } = await mount()
    el.style.setProperty('--parley-accent', 'rgb(1, 2, 3)')
    const send = root.querySelector('button[type="submit"].primary[part~="send-button"]') as HTMLButtonElement
    expect(getComputedStyle(send).backgroundColor).toBe('rgb(1, 2, 3)')
    expect(root.querySelector('[part~="messages"]')).not.toBeNull()
    expect(root.querySelector('[part~="composer"]')).not.toBeNull()
  })
})
