/**
 * <parley-chat>'s devices and groups views (issues #19 and #20) from a user's side, in real
 * Chromium with real clicks and keys, and an axe-core audit of each dialog. The messenger is an
 * in-memory stand-in that records calls (the same views against real messengers over a relay:
 * parley-chat-groups-live.browser.test.ts); the library entry is mocked so only the element loads.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { page, userEvent } from 'vitest/browser'
import axe from 'axe-core'
import type { ContactView, ConversationView, DeviceView, GroupView, LinkRequestView, MessageView, MessengerApi, MessengerEvents } from '../../src/messenger/types.js'
import { TypedEvents } from '../../src/events.js'

vi.mock('../../src/browser/index.js', () => ({ createParley: vi.fn(async () => { throw new Error('not in this test') }) }))
await import('../../src/browser/element/parley-chat.js')
type ParleyChatElement = import('../../src/browser/element/parley-chat.js').ParleyChatElement

const ME = '37ErprkQxNFnvLyaE5x4VCJzK2odNpheURogW4xDqYQrJGswMg'
const BOB = '4kbiFMz7TyW92XA85cmmkrkXDg9MKpHq85kVoJ6XsBSHfxr5oX'
const CAROL = '3vQB7B6MrGQZaxCuFg4oh5aLaJpDDNNfDQNfBD1LXXbD8MRkjJ'
const DAVE = '2a9G8XqXj4RzR4ozHcqKrwZaTvDvpkLZd1ckEz7KJ9fVkCkyF3'
const STRANGER = '4dqJTp6W3JDVvwRJVupDwNGW1Y7Rf4Mn53PBhVkvjd9xPNUeY9'
const GROUP = 'a'.repeat(32)
const BOB_CHAT = 'b'.repeat(32)

type Fake = MessengerApi & TypedEvents<MessengerEvents> & { calls: string[], groupState: GroupView, devicesList: DeviceView[], pending: LinkRequestView[], list: MessageView[] }

function fakeMessenger (init: { admin?: boolean } = {}): Fake {
  const events = new TypedEvents<MessengerEvents>()
  const calls: string[] = []
  const contacts: ContactView[] = [
    { address: BOB, name: 'Bob', verification: 'verified', blocked: false, addedAt: 1 },
    { address: CAROL, name: 'Carol', verification: 'unverified', blocked: false, addedAt: 2 },
    { address: DAVE, name: 'Dave', verification: 'unverified', blocked: false, addedAt: 3 }
  ]
  const group: GroupView = {
    id: GROUP, name: 'Trip', self: 'member', timerMs: 0, joinByLink: 'approve', picture: null,
    members: [{ address: ME, role: init.admin === false ? 'member' : 'admin' }, { address: BOB, role: init.admin === false ? 'admin' : 'member' }, { address: CAROL, role: 'member' }]
  }
  const conversation = (): ConversationView => ({ id: GROUP, kind: 'group', peer: '', title: group.name, lastActivity: 5, unreadCount: 1, disappearingTimerMs: null })
  const withBob: ConversationView = { id: BOB_CHAT, kind: 'normal', peer: BOB, title: 'Bob', lastActivity: 1, unreadCount: 0, disappearingTimerMs: null }
  const at = Date.now() - 60_000
  const list: MessageView[] = [
    { id: 'g1', conversationId: GROUP, direction: 'in', sender: BOB, sentAt: at, clock: 1, kind: 'text', text: 'who brings the map?', reactions: {}, status: 'received', expiresAt: null, forwardable: true },
    { id: 'g2', conversationId: GROUP, direction: 'in', sender: STRANGER, sentAt: at + 1, clock: 2, kind: 'text', text: 'I can', reactions: {}, status: 'received', expiresAt: null, forwardable: true },
    { id: 'g3', conversationId: GROUP, direction: 'out', sender: ME, sentAt: at + 2, clock: 3, kind: 'text', text: 'thanks both', reactions: {}, status: 'delivered', expiresAt: null, forwardable: true }
  ]
  const now = Date.now()
  const devicesList: DeviceView[] = [
    { id: 'd1', deviceKey: 'd1', peerId: 'p1', name: 'This browser', platform: 'browser', addedAt: now - 86_400_000, lastSeen: now, thisDevice: true },
    { id: 'd2', deviceKey: 'd2', peerId: 'p2', name: 'Laptop', platform: 'node', addedAt: now - 3_600_000, lastSeen: now - 60_000, thisDevice: false }
  ]
  const pending: LinkRequestView[] = []
  const view = (): GroupView => structuredClone(group)
  const receiptsOf = async (messageId: string): Promise<{ delivered: number, read: number }> => messageId === 'g3' ? { delivered: 2, read: 1 } : { delivered: 0, read: 0 }
  const change = (what: string, fn: () => void) => async (): Promise<GroupView> => { calls.push(what); fn(); return view() }
  const api: Partial<MessengerApi> = {
    address: ME,
    inviteLink: () => `parley:${ME}`,
    reachability: () => ({ state: 'online', reasons: [], peers: 1, dhtPeers: 1, reservations: 1, needsReservation: true, relays: [], browsers: { reachable: true } }),
    listContacts: async () => contacts.map((c) => ({ ...c })),
    conversations: async () => ({ items: [conversation(), { ...withBob }] }),
    getConversation: async (id) => id === BOB_CHAT ? { ...withBob } : conversation(),
    conversationWith: async () => conversation(),
    messages: async (id) => ({ items: id === BOB_CHAT ? [] : [...list].reverse() }),
    markRead: async () => {},
    sendText: async (id, text) => {
      calls.push(`sendText ${id} ${text}`)
      const m: MessageView = { ...list[2], id: `s${list.length}`, text, status: 'queued', clock: list.length + 1, sentAt: Date.now() }
      list.push(m)
      events.emit('message', { message: m })
      return m
    },
    sendFile: async (id, source) => {
      calls.push(`sendFile ${id} ${(source as File).name}`)
      return list[2]
    },
    group: async () => view(),
    listGroups: async () => [view()],
    groupReceipts: async (_id, messageId) => { calls.push(`groupReceipts ${messageId}`); return await receiptsOf(messageId) },
    createGroup: async (name, members) => { calls.push(`createGroup ${name} ${members.join(',')}`); return { ...view(), name } },
    addMembers: async (_id, members) => await change(`addMembers ${members.join(',')}`, () => { group.members.push(...members.map((address) => ({ address, role: 'member' as const }))) })(),
    removeMembers: async (_id, members) => await change(`removeMembers ${members.join(',')}`, () => { group.members = group.members.filter((m) => !members.includes(m.address)) })(),
    promote: async (_id, members) => await change(`promote ${members.join(',')}`, () => { for (const m of group.members) if (members.includes(m.address)) m.role = 'admin' })(),
    demote: async (_id, members) => await change(`demote ${members.join(',')}`, () => { for (const m of group.members) if (members.includes(m.address)) m.role = 'member' })(),
    setGroupName: async (_id, name) => await change(`setGroupName ${name}`, () => { group.name = name })(),
    setGroupTimer: async (_id, ttl) => await change(`setGroupTimer ${String(ttl)}`, () => { group.timerMs = ttl ?? 0 })(),
    leaveGroup: async () => await change('leaveGroup', () => { group.self = 'left'; group.members = group.members.filter((m) => m.address !== ME) })(),
    devices: async () => devicesList.map((d) => ({ ...d })),
    deviceLinkRequests: () => [...pending],
    confirmDeviceLink: async (id, accept, options) => { calls.push(`confirmDeviceLink ${id} ${String(accept)} ${options?.sas ?? ''}`) },
    renameDevice: async (id, name) => {
      calls.push(`renameDevice ${id} ${name}`)
      const d = devicesList.find((x) => x.id === id) as DeviceView
      d.name = name
      return { ...d }
    },
    unlinkDevice: async (id) => {
      calls.push(`unlinkDevice ${id}`)
      devicesList.splice(devicesList.findIndex((d) => d.id === id), 1)
    }
  }
  return Object.assign(events, api, { calls, groupState: group, devicesList, pending, list }) as unknown as Fake
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

async function openGroup (root: ShadowRoot): Promise<void> {
  await userEvent.click(root.querySelector(`[data-conversation="${GROUP}"]`) as HTMLElement)
  // the group views are a lazy chunk: the header's members line comes with them
  await vi.waitFor(() => { expect(text(root, '.members-line'), `${text(root, '.error')} | ${root.querySelector('main')?.innerHTML.slice(0, 600) ?? ''}`).not.toBe('') })
}

const text = (root: ParentNode, selector: string): string => root.querySelector(selector)?.textContent ?? ''
const button = (root: ParentNode, name: string | RegExp): HTMLButtonElement => {
  const found = [...root.querySelectorAll('button')].find((b) => typeof name === 'string' ? (b.getAttribute('aria-label') ?? b.textContent) === name : name.test(b.getAttribute('aria-label') ?? b.textContent ?? ''))
  if (found == null) throw new Error(`no button ${String(name)}`)
  return found
}
const dialog = (root: ShadowRoot): HTMLDialogElement | null => [...root.querySelectorAll('dialog[open]')].at(-1) as HTMLDialogElement | undefined ?? null

/** axe-core on the element (and any open dialog): the serious and critical violations. */
async function audit (el: Element): Promise<string[]> {
  const result = await axe.run(el, { resultTypes: ['violations'] })
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)
}

afterEach(() => {
  for (const el of shown.splice(0)) el.remove()
})

describe('<parley-chat> devices view', () => {
  it('lists the devices; renames one (Escape keeps the name); unlinks another after saying it wipes itself', async () => {
    const fake = fakeMessenger()
    const { el, root } = await mount(fake)
    await userEvent.click(button(root, 'Devices'))
    await vi.waitFor(() => { expect(root.querySelectorAll('[data-device]')).toHaveLength(2) })
    expect(text(root, '#devices-summary')).toBe('2 of 6 devices on this account')
    const row = (id: string): HTMLElement => root.querySelector(`[data-device="${id}"]`) as HTMLElement
    expect(text(row('d1'), '.name')).toBe('This browser (this device)')
    expect(text(row('d1'), '.meta')).toMatch(/^browser · added .+ · active now$/)
    expect(text(row('d2'), '.name')).toBe('Laptop')
    expect(text(row('d2'), '.meta')).toMatch(/^computer \(daemon or app\) · added .+ · last seen .+$/)
    // this device cannot be unlinked from itself
    expect(row('d1').querySelector('button.danger')).toBeNull()
    expect(await audit(el)).toEqual([])

    // rename: Escape closes the form (not the dialog) and keeps the name; Enter saves
    await userEvent.click(button(row('d2'), 'Rename Laptop'))
    await vi.waitFor(() => { expect(root.querySelector('#device-rename-input')).not.toBeNull() })
    expect(root.activeElement?.id).toBe('device-rename-input')
    await userEvent.keyboard('{Escape}')
    await vi.waitFor(() => { expect(root.querySelector('#device-rename-input')).toBeNull() })
    expect(dialog(root)?.textContent).toContain('Devices')
    expect(fake.calls.filter((c) => c.startsWith('renameDevice'))).toEqual([])
    await userEvent.click(button(row('d2'), 'Rename Laptop'))
    await vi.waitFor(() => { expect(root.querySelector('#device-rename-input')).not.toBeNull() })
    await userEvent.fill(root.querySelector('#device-rename-input') as HTMLInputElement, 'Work laptop')
    await userEvent.keyboard('{Enter}')
    await vi.waitFor(() => { expect(text(row('d2'), '.name')).toBe('Work laptop') })
    expect(fake.calls).toContain('renameDevice d2 Work laptop')

    // unlink asks first, and says the device wipes itself; Escape keeps it
    await userEvent.click(button(row('d2'), 'Unlink Work laptop'))
    await vi.waitFor(() => { expect(dialog(root)?.textContent).toContain('Unlink Work laptop?') })
    expect(dialog(root)?.textContent).toContain('wipes itself')
    expect(await audit(el)).toEqual([])
    await userEvent.keyboard('{Escape}')
    await vi.waitFor(() => { expect(dialog(root)?.textContent).not.toContain('Unlink Work laptop?') })
    expect(fake.calls.filter((c) => c.startsWith('unlinkDevice'))).toEqual([])
    await userEvent.click(button(row('d2'), 'Unlink Work laptop'))
    await vi.waitFor(() => { expect(dialog(root)?.textContent).toContain('Unlink Work laptop?') })
    await userEvent.click(button(dialog(root) as HTMLElement, 'Unlink'))
    await vi.waitFor(() => { expect(root.querySelectorAll('[data-device]')).toHaveLength(1) })
    expect(fake.calls).toContain('unlinkDevice d2')
    expect(text(root, 'dialog[open] [role="status"]')).toBe('Work laptop was unlinked; it wipes itself when it learns so.')
    expect(text(root, '#devices-summary')).toBe('1 of 6 devices on this account')

    // another device linked while the dialog is open: listed, and said
    fake.devicesList.push({ id: 'd3', deviceKey: 'd3', peerId: 'p3', name: 'Phone', platform: 'node', addedAt: Date.now(), lastSeen: null, thisDevice: false })
    fake.emit('devices-changed', { reason: 'linked', device: 'd3' })
    await vi.waitFor(() => { expect(text(root, '[data-device="d3"] .meta')).toContain('not seen yet') })
    expect(text(root, 'dialog[open] [role="status"]')).toBe('A new device joined this account.')
  })

  it('a contact\'s device change is a line in their chat (not a safety-number change)', async () => {
    const fake = fakeMessenger()
    const { root } = await mount(fake)
    await userEvent.click(root.querySelector(`[data-conversation="${BOB_CHAT}"]`) as HTMLElement)
    await vi.waitFor(() => { expect(text(root, '#conv-title')).toContain('Bob') })
    fake.emit('contact-devices-changed', { address: BOB, added: ['k1'], removed: [] })
    await vi.waitFor(() => { expect(text(root, 'li.line > span')).toBe('Bob added a device (the safety number is unchanged)') })
    fake.emit('contact-devices-changed', { address: BOB, added: [], removed: ['k1', 'k2'] })
    await vi.waitFor(() => { expect(root.querySelectorAll('li.line')).toHaveLength(2) })
    expect(text(root, 'li.line:last-of-type > span')).toBe('Bob removed 2 devices (the safety number is unchanged)')
  })

  it('a link request shows the six digits; Refuse is focused, Escape refuses, "They match" accepts with the digits', async () => {
    const fake = fakeMessenger()
    // a request that came before the element was attached is shown as well
    fake.pending.push({ id: 'r1', sas: '123 456', deviceKey: 'k1', peerId: 'p1', expiresAt: Date.now() + 600_000 })
    const { el, root } = await mount(fake)
    await vi.waitFor(() => { expect(text(root, 'dialog[open] .sas')).toBe('123 456') })
    expect(dialog(root)?.getAttribute('aria-labelledby')).toBe('link-request-title')
    expect(text(root, '#link-request-title')).toBe('Link a new device?')
    expect(root.activeElement?.textContent).toBe('Refuse')
    expect(await audit(el)).toEqual([])
    // a second request waits for the first to be answered
    fake.emit('device-link-request', { id: 'r2', sas: '654 321', deviceKey: 'k2', peerId: 'p2', expiresAt: Date.now() + 600_000 })
    await userEvent.keyboard('{Escape}')
    await vi.waitFor(() => { expect(fake.calls).toContain('confirmDeviceLink r1 false ') })
    await vi.waitFor(() => { expect(text(root, 'dialog[open] .sas')).toBe('654 321') })
    await userEvent.click(button(dialog(root) as HTMLElement, 'They match: link it'))
    await vi.waitFor(() => { expect(fake.calls).toContain('confirmDeviceLink r2 true 654 321') })
    await vi.waitFor(() => { expect(dialog(root)).toBeNull() })
    // an expired request closes without an answer
    fake.emit('device-link-request', { id: 'r3', sas: '111 222', deviceKey: 'k3', peerId: 'p3', expiresAt: Date.now() + 300 })
    await vi.waitFor(() => { expect(dialog(root)).toBeNull() }, { timeout: 10_000 })
    expect(fake.calls.filter((c) => c.startsWith('confirmDeviceLink r3'))).toEqual([])
  })
})

describe('<parley-chat> groups', () => {
  it('lists the group; shows sender names and "read by" under mine; sends text and files to the group', async () => {
    const fake = fakeMessenger()
    const { el, root } = await mount(fake)
    expect(text(root, `[data-conversation="${GROUP}"]`)).toContain('Trip')
    await vi.waitFor(() => { expect(text(root, `[data-conversation="${GROUP}"] .badge.group`)).toBe('group') })
    await openGroup(root)
    expect(text(root, '#conv-title')).toContain('Trip')
    expect(text(root, '.members-line')).toBe('3 members: You, Bob, Carol')
    // a group has no contact to rename, no safety number, no secret chat
    expect(() => button(root, 'Safety number')).toThrow()
    expect(() => button(root, /secret chat/)).toThrow()
    // incoming: the sender's name on screen (a stranger by a short address); mine: receipts over members
    expect(text(root, 'li[data-id="g1"] .sender')).toBe('Bob: ')
    expect(text(root, 'li[data-id="g2"] .sender')).toBe(`${STRANGER.slice(0, 6)}…${STRANGER.slice(-6)}: `)
    await vi.waitFor(() => { expect(text(root, 'li[data-id="g3"] .receipts')).toBe('read by 1 of 2, delivered to 2') })
    expect(root.querySelector('li[data-id="g3"] .sender')).toBeNull()
    // who is typing, by name
    fake.emit('typing', { conversationId: GROUP, from: CAROL, typing: true })
    await vi.waitFor(() => { expect(text(root, '.typing')).toBe('Carol is typing…') })
    fake.emit('typing', { conversationId: GROUP, from: CAROL, typing: false })
    await vi.waitFor(() => { expect(text(root, '.typing')).toBe('') })
    expect(root.querySelector('ol.messages')?.getAttribute('aria-label')).toBe('Messages in Trip')
    expect(await audit(el)).toEqual([])

    await userEvent.fill(root.querySelector('#compose') as HTMLTextAreaElement, 'see you at 9')
    await userEvent.keyboard('{Enter}')
    await vi.waitFor(() => { expect(fake.calls).toContain(`sendText ${GROUP} see you at 9`) })
    await vi.waitFor(() => { expect(text(root, 'ol.messages')).toContain('see you at 9') })
    // files: the composer's picker sends to the group
    await vi.waitFor(() => { expect(root.querySelector('#attach-input')).not.toBeNull() })
    await userEvent.upload(root.querySelector('#attach-input') as HTMLInputElement, new File(['route'], 'route.txt', { type: 'text/plain' }))
    await vi.waitFor(() => { expect(fake.calls).toContain(`sendFile ${GROUP} route.txt`) })
  })

  it('a group opened before its views loaded (a page calling openConversation at once) fills in once they load', async () => {
    const fake = fakeMessenger()
    const el = document.createElement('parley-chat')
    document.body.append(el)
    shown.push(el)
    el.messenger = fake
    await el.openConversation(GROUP)
    const root = el.shadowRoot as ShadowRoot
    await vi.waitFor(() => { expect(text(root, '.members-line')).toBe('3 members: You, Bob, Carol') })
    await vi.waitFor(() => { expect(text(root, 'li[data-id="g3"] .receipts')).toBe('read by 1 of 2, delivered to 2') })
  })

  it('at a phone\'s width the open group fits: the sidebar above, the conversation right below it, the composer inside', async () => {
    await page.viewport(390, 844)
    try {
      const { root } = await mount(fakeMessenger())
      await openGroup(root)
      const box = (selector: string): DOMRect => (root.querySelector(selector) as HTMLElement).getBoundingClientRect()
      const host = (root.host as HTMLElement).getBoundingClientRect()
      expect(box('main').top - box('aside').bottom).toBeLessThan(2)
      expect(box('main').height).toBeGreaterThan(host.height / 3)
      expect(box('form.composer').bottom).toBeLessThanOrEqual(host.bottom + 1)
      expect(box('header').top).toBeGreaterThanOrEqual(host.top)
    } finally {
      await page.viewport(1000, 700)
    }
  })

  it('polls the receipts while the group is open, without pulling a reader scrolled up back to the end', async () => {
    const fake = fakeMessenger()
    for (let i = 0; i < 40; i++) fake.list.unshift({ ...fake.list[0], id: `old${i}`, clock: -i, sentAt: fake.list[0].sentAt - (i + 1) * 1000, text: `older message ${i}` })
    const { root } = await mount(fake)
    await openGroup(root)
    await vi.waitFor(() => { expect(text(root, 'li[data-id="g3"] .receipts')).not.toBe('') })
    const log = root.querySelector('ol.messages') as HTMLOListElement
    expect(log.scrollHeight).toBeGreaterThan(log.clientHeight)
    log.scrollTop = 0
    // a poll fetches the receipts again (event-driven: wait for the calls, not for a time)
    const polls = (): number => fake.calls.filter((c) => c === 'groupReceipts g3').length
    const before = polls()
    await vi.waitFor(() => { expect(polls()).toBeGreaterThan(before) }, { timeout: 30_000 })
    // nothing changed: the log was not rendered again, and stays where the reader put it
    expect(root.querySelector('ol.messages')).toBe(log)
    expect(log.scrollTop).toBe(0)
  })

  it('creates a group from contacts (a name and at least one contact) and opens it', async () => {
    const fake = fakeMessenger()
    const { el, root } = await mount(fake)
    await userEvent.click(button(root, 'New group'))
    await vi.waitFor(() => { expect(text(root, '#new-group-title')).toBe('New group') })
    expect(root.activeElement?.id).toBe('new-group-name')
    expect([...root.querySelectorAll('dialog[open] label.pick')].map((l) => l.textContent?.trim())).toEqual(['Bob', 'Carol', 'Dave'])
    expect(await audit(el)).toEqual([])
    await userEvent.click(button(dialog(root) as HTMLElement, 'Create group'))
    await vi.waitFor(() => { expect(text(root, 'dialog[open] [role="alert"]')).toBe('Give the group a name.') })
    await userEvent.fill(root.querySelector('#new-group-name') as HTMLInputElement, 'Weekend')
    await userEvent.click(button(dialog(root) as HTMLElement, 'Create group'))
    await vi.waitFor(() => { expect(text(root, 'dialog[open] [role="alert"]')).toBe('Choose at least one contact.') })
    await userEvent.click(root.querySelector('dialog[open] label.pick') as HTMLElement)
    await userEvent.click(root.querySelectorAll('dialog[open] label.pick')[2] as HTMLElement)
    await userEvent.click(button(dialog(root) as HTMLElement, 'Create group'))
    await vi.waitFor(() => { expect(fake.calls).toContain(`createGroup Weekend ${BOB},${DAVE}`) })
    await vi.waitFor(() => { expect(dialog(root)).toBeNull() })
    // the new group is open (its conversation), with the composer focused
    await vi.waitFor(() => { expect(root.activeElement?.id).toBe('compose') })
    expect(text(root, '.members-line')).not.toBe('')
  })

  it('an admin adds, removes (after asking), promotes and renames; the timer is an admin\'s setting', async () => {
    const fake = fakeMessenger()
    const { el, root } = await mount(fake)
    await openGroup(root)
    await userEvent.selectOptions(root.querySelector('#timer') as HTMLSelectElement, '1 hour')
    await vi.waitFor(() => { expect(fake.calls).toContain('setGroupTimer 3600000') })
    await userEvent.click(button(root, 'Members'))
    await vi.waitFor(() => { expect(text(root, '#group-title')).toBe('Trip') })
    expect(text(root, '#group-summary')).toBe('3 members · you are an admin')
    const names = (): string[] => [...root.querySelectorAll('dialog[open] [data-address] .name')].map((n) => n.textContent ?? '')
    expect(names()).toEqual(['You', 'Bob', 'Carol'])
    expect(await audit(el)).toEqual([])

    // remove asks first; Escape keeps Carol
    await userEvent.click(button(root, 'Remove Carol'))
    await vi.waitFor(() => { expect(dialog(root)?.textContent).toContain('Remove Carol?') })
    await userEvent.keyboard('{Escape}')
    await vi.waitFor(() => { expect(dialog(root)?.textContent).not.toContain('Remove Carol?') })
    expect(fake.calls.filter((c) => c.startsWith('removeMembers'))).toEqual([])
    await userEvent.click(button(root, 'Remove Carol'))
    await vi.waitFor(() => { expect(dialog(root)?.textContent).toContain('Remove Carol?') })
    await userEvent.click(button(dialog(root) as HTMLElement, 'Remove'))
    await vi.waitFor(() => { expect(names()).toEqual(['You', 'Bob']) })
    expect(fake.calls).toContain(`removeMembers ${CAROL}`)

    await userEvent.click(button(root, 'Make admin: Bob'))
    await vi.waitFor(() => { expect(text(root, `dialog[open] [data-address="${BOB}"] .meta`)).toBe('admin') })
    expect(fake.calls).toContain(`promote ${BOB}`)
    // the contacts not in the group can be added: Carol (removed) and Dave
    expect([...root.querySelectorAll('dialog[open] form.add-members label.pick')].map((l) => l.textContent?.trim())).toEqual(['Carol', 'Dave'])
    await userEvent.click([...root.querySelectorAll('dialog[open] form.add-members label.pick')][1] as HTMLElement)
    await userEvent.click(button(root, 'Add'))
    await vi.waitFor(() => { expect(names()).toEqual(['You', 'Bob', 'Dave']) })
    expect(fake.calls).toContain(`addMembers ${DAVE}`)
    await userEvent.fill(root.querySelector('#group-name-input') as HTMLInputElement, 'Trip 2027')
    await userEvent.click(button(root, 'Rename group'))
    await vi.waitFor(() => { expect(text(root, '#group-title')).toBe('Trip 2027') })
    await userEvent.keyboard('{Escape}')
    await vi.waitFor(() => { expect(dialog(root)).toBeNull() })
    await vi.waitFor(() => { expect(text(root, '.members-line')).toBe('3 members: You, Bob, Dave') })
    expect(text(root, '#conv-title')).toContain('Trip 2027')
    // each change reads as a line in the log, in order
    expect([...root.querySelectorAll('li.line > span')].map((l) => l.textContent)).toEqual([
      'Disappearing messages set to 1 hour', 'Carol is no longer in the group', 'Bob is now an admin', 'Dave joined the group', 'The group was renamed to “Trip 2027”'
    ])
    // an admin may delete anyone's message for everyone
    expect(root.querySelector('li[data-id="g1"] .delete')).not.toBeNull()
  })

  it('a member (not an admin) sees no admin actions, leaves after a confirmation, and can no longer send', async () => {
    const fake = fakeMessenger({ admin: false })
    const { el, root } = await mount(fake)
    await openGroup(root)
    expect((root.querySelector('#timer') as HTMLSelectElement).disabled).toBe(true)
    // a member deletes only their own messages for everyone
    expect(root.querySelector('li[data-id="g1"] .delete')).toBeNull()
    expect(root.querySelector('li[data-id="g3"] .delete')).not.toBeNull()
    await userEvent.click(button(root, 'Members'))
    await vi.waitFor(() => { expect(text(root, '#group-summary')).toBe('3 members') })
    expect(root.querySelectorAll('dialog[open] [data-address] button')).toHaveLength(0)
    expect(root.querySelector('dialog[open] form.add-members')).toBeNull()
    expect(await audit(el)).toEqual([])
    await userEvent.click(button(root, 'Leave group'))
    await vi.waitFor(() => { expect(dialog(root)?.textContent).toContain('Leave Trip?') })
    await userEvent.click(button(dialog(root) as HTMLElement, 'Leave group'))
    await vi.waitFor(() => { expect(fake.calls).toContain('leaveGroup') })
    await vi.waitFor(() => { expect(text(root, '#group-summary')).toBe('2 members · you left this group') })
    expect(() => button(dialog(root) as HTMLElement, 'Leave group')).toThrow()
    await userEvent.keyboard('{Escape}')
    await vi.waitFor(() => { expect(text(root, '.members-line')).toBe('You left this group') })
    const compose = root.querySelector('#compose') as HTMLTextAreaElement
    expect(compose.disabled).toBe(true)
    expect(compose.placeholder).toBe('You are no longer in this group')
    expect(root.querySelector('#attach-input')).toBeNull()

    // another admin renames the group: the header follows the group-updated event
    fake.groupState.name = 'Trip (old)'
    fake.emit('group-updated', { group: structuredClone(fake.groupState) })
    await vi.waitFor(() => { expect(text(root, '#conv-title')).toContain('Trip (old)') })
  })
})
