/**
 * <parley-chat> over the real library (createParley, IndexedDB, libp2p in Chromium) with its
 * only relay down, from the user's side (issue #17, items 2 and 3): the header does not say
 * "online" but why not, and a message sent with Enter shows at once, queued, saying why it waits.
 */
import { afterEach, describe, expect, inject, it, vi } from 'vitest'
import { userEvent } from 'vitest/browser'
import '../../src/browser/element/parley-chat.js'
import { encodeAddress } from '../../src/identity/address.js'
import { generateSigningKeyPair } from '../../src/identity/keys.js'

const mounted: Array<{ el: HTMLElement, storage: string }> = []

afterEach(async () => {
  for (const { el, storage } of mounted.splice(0)) {
    const parley = (el as unknown as { messenger?: { stop: () => Promise<void> } }).messenger
    el.remove()
    await parley?.stop()
    await new Promise((resolve) => { const r = indexedDB.deleteDatabase(storage); r.onsuccess = r.onerror = r.onblocked = resolve })
  }
})

/** The suite's relay with its port swapped for a closed one: a relay that is down. */
function deadRelay (): string {
  return inject('relayWs').replace(/\/tcp\/\d+\//, '/tcp/1/')
}

async function mount (relays: string): Promise<{ root: ShadowRoot, status: HTMLElement }> {
  const storage = `parley-offline-${Math.random().toString(36).slice(2)}`
  const el = document.createElement('parley-chat')
  el.setAttribute('relays', relays)
  el.setAttribute('storage-name', storage)
  el.setAttribute('allow-private-addresses', '')
  el.style.height = '600px'
  document.body.append(el)
  mounted.push({ el, storage })
  const root = el.shadowRoot as ShadowRoot
  const status = root.querySelector('.status') as HTMLElement
  // started: the header shows who this is
  await vi.waitFor(() => { expect(root.querySelector('.me')?.textContent).toMatch(/^You: /) }, { timeout: 30_000 })
  return { root, status }
}

describe('<parley-chat> with its only relay down', () => {
  it('item 2: the status says degraded or offline with the reason, never "online"', async () => {
    const { status } = await mount(deadRelay())
    expect(status.dataset.state).not.toBe('online')
    expect(['degraded', 'offline']).toContain(status.dataset.state)
    expect(status.textContent).toMatch(/^(offline|degraded): relay unreachable: /)
    expect(status.textContent).not.toBe('online')
  })

  it('item 3: Enter shows the message at once, queued, with why it waits', async () => {
    const { root } = await mount(deadRelay())
    // add a contact from the form (keyboard), which opens the chat
    await userEvent.type(root.querySelector('#add-address') as HTMLInputElement, encodeAddress(generateSigningKeyPair().publicKey))
    await userEvent.type(root.querySelector('#add-name') as HTMLInputElement, 'Carol{Enter}')
    await vi.waitFor(() => { expect(root.querySelector('#conv-title')?.textContent).toContain('Carol') }, { timeout: 5_000 })
    const compose = root.querySelector('#compose') as HTMLTextAreaElement
    await userEvent.type(compose, 'sent while the relay is down{Enter}')
    // visible while the contact's record is still being looked up (that lookup takes ~15 s with no peers)
    await vi.waitFor(() => {
      const li = [...root.querySelectorAll('li.msg.out')].find((e) => e.textContent?.includes('sent while the relay is down'))
      expect(li).toBeDefined()
      expect(li?.getAttribute('data-status')).toBe('queued')
      expect(li?.querySelector('.waiting')?.textContent).toMatch(/^waiting: relay unreachable: /)
    }, { timeout: 5_000 })
    expect((root.querySelector('#compose') as HTMLTextAreaElement).value).toBe('')

    // item 4: the local history search finds it (typed, Enter); the hit opens its chat
    await userEvent.type(root.querySelector('#search') as HTMLInputElement, 'RELAY IS DOWN{Enter}')
    await vi.waitFor(() => { expect(root.querySelector('[part="search-item"]')?.textContent).toContain('You: sent while the relay is down') })
    expect(root.querySelector('[part="search-item"] .badge')?.textContent).toBe('Carol')
    await userEvent.clear(root.querySelector('#search') as HTMLInputElement)
    await userEvent.type(root.querySelector('#search') as HTMLInputElement, 'no such words{Enter}')
    await vi.waitFor(() => { expect(root.querySelector('.search-results')?.textContent).toBe('No messages found') })
  })

  it('item 4: "Link a device" shows the one-time code as a QR image and as text', async () => {
    const { root } = await mount(deadRelay())
    const link = [...root.querySelectorAll('button')].find((b) => b.textContent === 'Link a device') as HTMLButtonElement
    await userEvent.click(link)
    await vi.waitFor(() => { expect(root.querySelector('dialog[open] img.qr')).not.toBeNull() })
    const dialog = root.querySelector('dialog[open]') as HTMLDialogElement
    expect(dialog.querySelector('h2')?.textContent).toBe('Link a device')
    expect(dialog.querySelector('img.qr')?.getAttribute('alt')).toBe('QR code of a one-time device-link code')
    expect((dialog.querySelector('#qr-text') as HTMLInputElement).value.length).toBeGreaterThan(20)
    await userEvent.keyboard('{Escape}')
    await vi.waitFor(() => { expect(root.querySelector('dialog[open]')).toBeNull() })
  })
})
