/**
 * <parley-chat>'s groups and devices views against real messengers: two `createParley` accounts
 * in one Chromium page (IndexedDB stores, WebSockets to the relay of
 * tests/browser/relay-global-setup.ts), each with its element. Alice creates a group with Bob in
 * her element; Bob's element lists it, shows her message under her name and reads it, and
 * Alice's element then says "read by 1 of 1"; Bob's reply shows under his name on Alice's side;
 * Alice renames her device in the Devices dialog; Alice removes Bob in the members panel, and
 * Bob's element says he was removed and stops him sending.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { userEvent } from 'vitest/browser'
import { createParley, destroyStore, type Parley } from '../../src/browser/index.js'
import type { ParleyChatElement } from '../../src/browser/element/parley-chat.js'
import { waitFor } from '../helpers/wait.js'

await import('../../src/browser/element/parley-chat.js')

const LONG = 60_000

const text = (root: ParentNode, selector: string): string => root.querySelector(selector)?.textContent ?? ''
const button = (root: ParentNode, name: string): HTMLButtonElement => {
  const found = [...root.querySelectorAll('button')].find((b) => (b.getAttribute('aria-label') ?? b.textContent) === name)
  if (found == null) throw new Error(`no button ${name}`)
  return found
}
const openDialog = (root: ShadowRoot): HTMLDialogElement => [...root.querySelectorAll('dialog[open]')].at(-1) as HTMLDialogElement

describe('<parley-chat> groups and devices, two real accounts over a relay', () => {
  let alice: Parley
  let bob: Parley
  let aliceEl: ParleyChatElement
  let bobEl: ParleyChatElement
  const shadow = (el: ParleyChatElement): ShadowRoot => el.shadowRoot as ShadowRoot

  beforeAll(async () => {
    const relays = [inject('relayWs')]
    const tag = Math.random().toString(36).slice(2)
    const open = async (name: string): Promise<Parley> => await createParley({
      relays, storage: { name: `${name}-groups-${tag}` }, allowPrivateAddresses: true, messenger: { outbox: { directTimeoutMs: 1500, pollMs: 200 } }
    })
    alice = await open('alice')
    bob = await open('bob')
    await alice.addContact(bob.inviteLink(), { name: 'Bob' })
    await bob.addContact(alice.inviteLink(), { name: 'Alice' })
    const mount = (parley: Parley): ParleyChatElement => {
      const el = document.createElement('parley-chat')
      el.style.height = '600px'
      document.body.append(el)
      el.messenger = parley
      return el
    }
    aliceEl = mount(alice)
    bobEl = mount(bob)
  }, 120_000)

  afterAll(async () => {
    aliceEl?.remove()
    bobEl?.remove()
    for (const p of [alice, bob]) {
      if (p == null) continue
      await p.stop()
      await destroyStore(p.storageName).catch(() => {})
      await new Promise((resolve) => { const req = indexedDB.deleteDatabase(`parley-blobs-${p.storageName}`); req.onsuccess = req.onerror = resolve })
    }
  })

  it('a group made in one element is read in the other, with names and "read by"; a removed member can no longer send', async () => {
    const a = shadow(aliceEl)
    const b = shadow(bobEl)
    await waitFor(() => a.querySelector(`[data-address="${bob.address}"]`) != null, LONG, 'Bob in Alice\'s contacts')
    await userEvent.click(button(a, 'New group'))
    await waitFor(() => a.querySelector('#new-group-name') != null, LONG, 'the New group dialog')
    await userEvent.fill(a.querySelector('#new-group-name') as HTMLInputElement, 'Picnic')
    await userEvent.click(openDialog(a).querySelector('label.pick') as HTMLElement)
    await userEvent.click(button(openDialog(a), 'Create group'))
    // the new group opens in Alice's element
    await waitFor(() => text(a, '.members-line') === '2 members: You, Bob', LONG, 'the group open in Alice\'s element')
    const group = (await alice.listGroups()).find((g) => g.name === 'Picnic')
    expect(group?.members.map((m) => [m.address, m.role])).toEqual(expect.arrayContaining([[alice.address, 'admin'], [bob.address, 'member']]))

    await userEvent.fill(a.querySelector('#compose') as HTMLTextAreaElement, 'bring plates')
    await userEvent.keyboard('{Enter}')

    // Bob's element lists the group, and shows Alice's message under her name
    const id = group?.id as string
    await waitFor(() => b.querySelector(`[data-conversation="${id}"]`) != null, LONG, 'the group in Bob\'s chat list')
    await userEvent.click(b.querySelector(`[data-conversation="${id}"]`) as HTMLElement)
    await waitFor(() => text(b, 'ol.messages').includes('bring plates'), LONG, 'Alice\'s message on Bob\'s side')
    const fromAlice = [...b.querySelectorAll('li.msg.in')].find((li) => li.textContent?.includes('bring plates')) as HTMLElement
    expect(text(fromAlice, '.sender')).toBe('Alice: ')
    // the group's view comes after its messages (a fetch of its own)
    await waitFor(() => text(b, '.members-line') === '2 members: You, Alice', LONG, 'the members line on Bob\'s side')
    // Bob read it on screen: Alice's element counts it
    const mine = (): HTMLElement | undefined => [...a.querySelectorAll('li.msg.out')].find((li) => li.textContent?.includes('bring plates')) as HTMLElement | undefined
    await waitFor(() => text(mine() ?? a, '.receipts') === 'read by 1 of 1', LONG, '"read by 1 of 1" under Alice\'s message')

    // Bob answers from his element: Alice's shows it under his name
    await userEvent.fill(b.querySelector('#compose') as HTMLTextAreaElement, 'and cups')
    await userEvent.keyboard('{Enter}')
    await waitFor(() => text(a, 'ol.messages').includes('and cups'), LONG, 'Bob\'s answer on Alice\'s side')
    const fromBob = [...a.querySelectorAll('li.msg.in')].find((li) => li.textContent?.includes('and cups')) as HTMLElement
    expect(text(fromBob, '.sender')).toBe('Bob: ')

    // Alice removes Bob in the members panel (after a confirmation): Bob's element says so and stops him sending
    await userEvent.click(button(a, 'Members'))
    await waitFor(() => a.querySelector(`dialog[open] [data-address="${bob.address}"]`) != null, LONG, 'the members panel')
    await userEvent.click(button(a, 'Remove Bob'))
    await waitFor(() => openDialog(a).textContent?.includes('Remove Bob?') === true, LONG, 'the confirmation')
    await userEvent.click(button(openDialog(a), 'Remove'))
    await waitFor(() => text(a, '#group-summary') === '1 member · you are an admin', LONG, 'Bob removed in Alice\'s panel')
    await userEvent.keyboard('{Escape}')
    await waitFor(() => text(b, '.members-line') === 'You were removed from this group', LONG, 'Bob\'s element saying he was removed')
    expect((b.querySelector('#compose') as HTMLTextAreaElement).disabled).toBe(true)
  })

  it('the Devices dialog lists this browser as this device, and renames it on the account', async () => {
    const a = shadow(aliceEl)
    await userEvent.click(button(a, 'Devices'))
    await waitFor(() => a.querySelectorAll('dialog[open] [data-device]').length === 1, LONG, 'the device list')
    const [own] = await alice.devices()
    const row = a.querySelector(`[data-device="${own.id}"]`) as HTMLElement
    expect(text(row, '.name')).toBe(`${own.name} (this device)`)
    expect(text(row, '.meta')).toMatch(/^browser · added .+ · active now$/)
    expect(row.querySelector('button.danger')).toBeNull()
    await userEvent.click(button(row, `Rename ${own.name}`))
    await waitFor(() => a.querySelector('#device-rename-input') != null, LONG, 'the rename form')
    await userEvent.fill(a.querySelector('#device-rename-input') as HTMLInputElement, 'Kitchen tablet')
    await userEvent.keyboard('{Enter}')
    await waitFor(() => text(a, `[data-device="${own.id}"] .name`) === 'Kitchen tablet (this device)', LONG, 'the new name in the list')
    expect((await alice.devices()).map((d) => d.name)).toEqual(['Kitchen tablet'])
    await userEvent.keyboard('{Escape}')
  })
})
