/**
 * <parley-chat>'s group invite links, join requests, join by link and group picture (issue #20)
 * from a user's side, in real Chromium with real clicks, and an axe-core audit of each dialog.
 * The messenger is an in-memory stand-in that records calls (the messenger side of links and
 * requests runs on real nodes in tests/messenger/groups/group-invites.test.ts and
 * group-join-admins.test.ts); the library entry is mocked so only the element loads.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { userEvent } from 'vitest/browser'
import axe from 'axe-core'
import type { ContactView, ConversationView, GroupJoinRequestView, GroupView, MessengerApi, MessengerEvents } from '../../src/messenger/types.js'
import { TypedEvents } from '../../src/events.js'

vi.mock('../../src/browser/index.js', () => ({ createParley: vi.fn(async () => { throw new Error('not in this test') }) }))
await import('../../src/browser/element/parley-chat.js')
type ParleyChatElement = import('../../src/browser/element/parley-chat.js').ParleyChatElement

const ME = '37ErprkQxNFnvLyaE5x4VCJzK2odNpheURogW4xDqYQrJGswMg'
const BOB = '4kbiFMz7TyW92XA85cmmkrkXDg9MKpHq85kVoJ6XsBSHfxr5oX'
const DAVE = '2a9G8XqXj4RzR4ozHcqKrwZaTvDvpkLZd1ckEz7KJ9fVkCkyF3'
const GROUP = 'a'.repeat(32)
const OTHER = 'c'.repeat(32)
const LINK = `parley://group/${'A'.repeat(120)}`
/** A 1×1 PNG. */
const PNG = Uint8Array.from(atob('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=='), (c) => c.charCodeAt(0))

type Fake = MessengerApi & TypedEvents<MessengerEvents> & { calls: string[], requests: GroupJoinRequestView[], groupState: GroupView }

function fakeMessenger (init: { admin?: boolean } = {}): Fake {
  const events = new TypedEvents<MessengerEvents>()
  const calls: string[] = []
  const contacts: ContactView[] = [{ address: BOB, name: 'Bob', verification: 'verified', blocked: false, addedAt: 1 }]
  const group: GroupView = {
    id: GROUP, name: 'Trip', self: 'member', timerMs: 0, joinByLink: 'approve', picture: null,
    members: [{ address: ME, role: init.admin === false ? 'member' : 'admin' }, { address: BOB, role: init.admin === false ? 'admin' : 'member' }]
  }
  let picture: { mime: string, bytes: Uint8Array, setAt: number } | null = null
  const links: Array<{ linkId: string, creator: string, expiresAt: number }> = [{ linkId: '1'.repeat(32), creator: BOB, expiresAt: 0 }]
  const requests: GroupJoinRequestView[] = [{ address: DAVE, linkId: '1'.repeat(32), at: Date.now() - 60_000 }]
  const conversation = (): ConversationView => ({ id: GROUP, kind: 'group', peer: '', title: group.name, lastActivity: 5, unreadCount: 0, disappearingTimerMs: null })
  const view = (): GroupView => structuredClone(group)
  const api: Partial<MessengerApi> = {
    address: ME,
    inviteLink: () => `parley:${ME}`,
    reachability: () => ({ state: 'online', reasons: [], peers: 1, dhtPeers: 1, reservations: 1, needsReservation: true, relays: [], browsers: { reachable: true } }),
    listContacts: async () => contacts.map((c) => ({ ...c })),
    conversations: async () => ({ items: [conversation()] }),
    getConversation: async () => conversation(),
    conversationWith: async () => conversation(),
    messages: async () => ({ items: [] }),
    markRead: async () => {},
    group: async (id) => id === OTHER ? { ...view(), id: OTHER, name: 'Climbers' } : view(),
    listGroups: async () => [view()],
    groupReceipts: async () => ({ delivered: 0, read: 0 }),
    createGroupLink: async (id) => {
      calls.push(`createGroupLink ${id}`)
      links.push({ linkId: '2'.repeat(32), creator: ME, expiresAt: Date.now() + 7 * 86_400_000 })
      return { link: LINK, linkId: '2'.repeat(32), creator: ME, expiresAt: Date.now() + 7 * 86_400_000 }
    },
    groupLinks: async () => links.map((l) => ({ ...l })),
    revokeGroupLink: async (_id, linkId) => { calls.push(`revokeGroupLink ${linkId}`); links.splice(links.findIndex((l) => l.linkId === linkId), 1) },
    setGroupJoinApproval: async (_id, mode) => { calls.push(`setGroupJoinApproval ${mode}`); group.joinByLink = mode },
    groupJoinRequests: async () => requests.map((r) => ({ ...r })),
    approveGroupJoin: async (_id, address) => {
      calls.push(`approveGroupJoin ${address}`)
      requests.splice(requests.findIndex((r) => r.address === address), 1)
    },
    declineGroupJoin: async (_id, address) => {
      calls.push(`declineGroupJoin ${address}`)
      requests.splice(requests.findIndex((r) => r.address === address), 1)
    },
    joinGroupByLink: async (link) => {
      calls.push(`joinGroupByLink ${link}`)
      if (!link.startsWith('parley://group/')) throw Object.assign(new Error('Invalid group invite link'), { code: 'ERR_INVALID_GROUP_LINK' })
      return { groupId: OTHER, name: 'Climbers', status: 'requested' }
    },
    groupPicture: async () => picture,
    setGroupPicture: async (_id, image) => {
      calls.push(`setGroupPicture ${image == null ? 'null' : `${image.mime} ${image.bytes.length}`}`)
      picture = image == null ? null : { ...image, setAt: Date.now() }
      group.picture = image == null ? null : { mime: image.mime, setAt: Date.now() }
      return view()
    }
  }
  return Object.assign(events, api, { calls, requests, groupState: group }) as unknown as Fake
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

async function audit (el: Element): Promise<string[]> {
  const result = await axe.run(el, { resultTypes: ['violations'] })
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)
}

async function openMembers (root: ShadowRoot): Promise<void> {
  await userEvent.click(root.querySelector(`[data-conversation="${GROUP}"]`) as HTMLElement)
  await vi.waitFor(() => { expect(text(root, '.members-line')).not.toBe('') })
  await userEvent.click(button(root, 'Members'))
  await vi.waitFor(() => { expect(root.querySelector('dialog[open] section.invites h3')).not.toBeNull() })
}

afterEach(() => {
  for (const el of shown.splice(0)) el.remove()
})

describe('<parley-chat> group invites and picture', () => {
  it('an admin makes a link (QR and text), revokes one, switches the join setting, approves and declines requests; a request arriving is listed', async () => {
    const fake = fakeMessenger()
    const { el, root } = await openMembersOf(mount(fake))
    // the waiting request and the live link of Bob
    await vi.waitFor(() => { expect(root.querySelectorAll('[part~="join-requests"] li')).toHaveLength(1) })
    expect(text(root, '#requests-title')).toBe('Waiting to join (1)')
    expect(text(root, '[part~="group-links"] li .meta')).toBe('never expires')
    expect(await audit(el)).toEqual([])

    // a new link: shown as a QR code and as text
    await userEvent.click(button(root, 'New invite link'))
    await vi.waitFor(() => { expect(dialog(root)?.querySelector('img.qr')).not.toBeNull() })
    expect(fake.calls).toContain(`createGroupLink ${GROUP}`)
    expect((dialog(root)?.querySelector('img.qr') as HTMLImageElement).src.startsWith('data:image/svg+xml')).toBe(true)
    expect((root.querySelector('#group-link-text') as HTMLInputElement).value).toBe(LINK)
    expect(text(dialog(root) as HTMLElement, '.hint')).toContain('an admin lets them in')
    expect(await audit(el)).toEqual([])
    await userEvent.click(button(dialog(root) as HTMLElement, 'Close'))
    await vi.waitFor(() => { expect(root.querySelectorAll('[part~="group-links"] li')).toHaveLength(2) })

    // revoke Bob's link
    await userEvent.click(button(root, /^Revoke the link by /))
    await vi.waitFor(() => { expect(root.querySelectorAll('[part~="group-links"] li')).toHaveLength(1) })
    expect(fake.calls).toContain(`revokeGroupLink ${'1'.repeat(32)}`)

    // joins: automatic
    await userEvent.selectOptions(root.querySelector('#group-join-mode') as HTMLSelectElement, 'auto')
    await vi.waitFor(() => { expect(fake.calls).toContain('setGroupJoinApproval auto') })

    // approve Dave; a new request arrives (an event) and is listed; decline it
    await userEvent.click(button(root, /^Approve /))
    await vi.waitFor(() => { expect(text(root, '#requests-title')).toBe('Waiting to join (0)') })
    expect(fake.calls).toContain(`approveGroupJoin ${DAVE}`)
    fake.requests.push({ address: BOB, linkId: '2'.repeat(32), at: Date.now() })
    fake.emit('group-join-requested', { groupId: GROUP, address: BOB })
    await vi.waitFor(() => { expect(text(root, '#requests-title')).toBe('Waiting to join (1)') })
    expect(text(root, '[part~="join-requests"] li .name')).toBe('Bob')
    // settled on another admin's device: the list follows
    fake.requests.splice(0)
    fake.emit('group-join-settled', { groupId: GROUP, address: BOB, outcome: 'approved' })
    await vi.waitFor(() => { expect(text(root, '#requests-title')).toBe('Waiting to join (0)') })
    fake.requests.push({ address: BOB, linkId: '2'.repeat(32), at: Date.now() })
    fake.emit('group-join-requested', { groupId: GROUP, address: BOB })
    await vi.waitFor(() => { expect(root.querySelector('[part~="join-requests"]')).not.toBeNull() })
    await userEvent.click(button(root, 'Decline Bob'))
    await vi.waitFor(() => { expect(fake.calls).toContain(`declineGroupJoin ${BOB}`) })
    expect(await audit(el)).toEqual([])
  })

  it('a member who is no admin sees the picture, no invite controls', async () => {
    const fake = fakeMessenger({ admin: false })
    await fake.setGroupPicture(GROUP, { bytes: PNG, mime: 'image/png' })
    const { el, root } = await mount(fake)
    await userEvent.click(root.querySelector(`[data-conversation="${GROUP}"]`) as HTMLElement)
    await vi.waitFor(() => { expect(text(root, '.members-line')).not.toBe('') })
    await userEvent.click(button(root, 'Members'))
    await vi.waitFor(() => { expect((root.querySelector('img.group-pic') as HTMLImageElement | null)?.hidden).toBe(false) })
    expect(root.querySelector('#new-group-link')).toBeNull()
    expect(root.querySelector('#group-picture-set')).toBeNull()
    expect(await audit(el)).toEqual([])
  })

  it('an admin sets the picture from a file (too large refused before sending) and removes it', async () => {
    const fake = fakeMessenger()
    const { root } = await openMembersOf(mount(fake))
    const input = root.querySelector('#group-picture-input') as HTMLInputElement
    await userEvent.upload(input, new File([new Uint8Array(17 * 1024)], 'big.png', { type: 'image/png' }))
    await vi.waitFor(() => { expect(text(root, 'dialog[open] .error')).toContain('at most 16 KiB') })
    expect(fake.calls.filter((c) => c.startsWith('setGroupPicture'))).toEqual([])
    await userEvent.upload(root.querySelector('#group-picture-input') as HTMLInputElement, new File([PNG], 'me.png', { type: 'image/png' }))
    await vi.waitFor(() => { expect(fake.calls).toContain(`setGroupPicture image/png ${PNG.length}`) })
    await vi.waitFor(() => { expect((root.querySelector('img.group-pic') as HTMLImageElement).hidden).toBe(false) })
    await userEvent.click(button(root, 'Remove picture'))
    await vi.waitFor(() => { expect(fake.calls).toContain('setGroupPicture null') })
    await vi.waitFor(() => { expect(root.querySelector('button#group-picture-set')?.textContent).toBe('Set picture') })
  })

  it('join by link from the New group dialog: a bad link is said; a good one is asked, and the answer shown', async () => {
    const fake = fakeMessenger()
    const { el, root } = await mount(fake)
    await userEvent.click(button(root, 'New group'))
    await vi.waitFor(() => { expect(root.querySelector('#join-by-link')).not.toBeNull() })
    await userEvent.click(button(root, 'Join by link…'))
    await vi.waitFor(() => { expect(root.querySelector('#join-group-link')).not.toBeNull() })
    expect(await audit(el)).toEqual([])
    await userEvent.fill(root.querySelector('#join-group-link') as HTMLInputElement, 'https://example.com')
    await userEvent.click(button(root, 'Ask to join'))
    await vi.waitFor(() => { expect(text(root, 'dialog[open] .error')).toBe('Invalid group invite link') })
    await userEvent.fill(root.querySelector('#join-group-link') as HTMLInputElement, LINK)
    await userEvent.click(button(root, 'Ask to join'))
    await vi.waitFor(() => { expect(text(root, 'dialog[open] [role="status"]')).toContain('Asked to join “Climbers”') })
    fake.emit('group-join-answered', { groupId: OTHER, status: 'pending' })
    await vi.waitFor(() => { expect(text(root, 'dialog[open] [role="status"]')).toBe('Your request waits for an admin.') })
    // let in: the dialog closes
    fake.emit('group-updated', { group: { ...fake.groupState, id: OTHER, name: 'Climbers' } })
    await vi.waitFor(() => { expect(root.querySelector('#join-group-link')).toBeNull() })
    expect(fake.calls).toContain(`joinGroupByLink ${LINK}`)
  })
})

async function openMembersOf (mounted: Promise<{ el: ParleyChatElement, root: ShadowRoot }>): Promise<{ el: ParleyChatElement, root: ShadowRoot }> {
  const m = await mounted
  await openMembers(m.root)
  return m
}
