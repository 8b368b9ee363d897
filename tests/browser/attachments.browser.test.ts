/**
 * Attachments in headless Chromium: two `createParley` messengers in one page (IndexedDB
 * stores and blob databases, WebSockets to the relay of tests/browser/relay-global-setup.ts),
 * and a `<parley-chat>` on each. A file sent with the API arrives byte-identical and its
 * ciphertext sits in the account's blob database; a picture, a text file and a sound picked in
 * one element's file picker show on the other side as an inline picture, a download link and
 * an audio player of the right duration; a voice note recorded with MediaRecorder (an
 * oscillator standing in for the microphone) arrives with its duration and waveform.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { userEvent } from 'vitest/browser'
import { createParley, destroyStore, type Parley } from '../../src/browser/index.js'
import type { ParleyChatElement } from '../../src/browser/element/parley-chat.js'
import type { ConversationView, MessageView } from '../../src/messenger/types.js'
import { waitFor } from '../helpers/wait.js'

await import('../../src/browser/element/parley-chat.js')

async function sha256 (bytes: ArrayBuffer | Uint8Array<ArrayBuffer>): Promise<string> {
  return [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))].map((b) => b.toString(16).padStart(2, '0')).join('')
}

/** A 16-bit mono WAV of a 440 Hz tone lasting `seconds`. */
function wav (seconds: number, rate = 8000): Uint8Array<ArrayBuffer> {
  const samples = Math.round(seconds * rate)
  const out = new DataView(new ArrayBuffer(44 + samples * 2))
  const text = (at: number, s: string): void => { for (let i = 0; i < s.length; i++) out.setUint8(at + i, s.charCodeAt(i)) }
  text(0, 'RIFF'); out.setUint32(4, 36 + samples * 2, true); text(8, 'WAVE'); text(12, 'fmt ')
  out.setUint32(16, 16, true); out.setUint16(20, 1, true); out.setUint16(22, 1, true); out.setUint32(24, rate, true)
  out.setUint32(28, rate * 2, true); out.setUint16(32, 2, true); out.setUint16(34, 16, true); text(36, 'data'); out.setUint32(40, samples * 2, true)
  for (let i = 0; i < samples; i++) out.setInt16(44 + i * 2, Math.round(Math.sin(2 * Math.PI * 440 * i / rate) * 12_000), true)
  return new Uint8Array(out.buffer)
}

/** A 400 × 300 PNG. */
async function png (): Promise<Blob> {
  const canvas = new OffscreenCanvas(400, 300)
  const g = canvas.getContext('2d') as OffscreenCanvasRenderingContext2D
  g.fillStyle = '#2a6'; g.fillRect(0, 0, 400, 300); g.fillStyle = '#fff'; g.fillRect(50, 50, 100, 80)
  return await canvas.convertToBlob({ type: 'image/png' })
}

async function nextMessage (parley: Parley, match: (m: MessageView) => boolean, type: 'message' | 'message-updated' = 'message'): Promise<MessageView> {
  return await new Promise((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`no matching ${type} event`)) }, 45_000)
    const on = (evt: CustomEvent<{ message: MessageView }>): void => {
      if (!match(evt.detail.message)) return
      clearTimeout(timer)
      parley.removeEventListener(type, on as EventListener)
      resolve(evt.detail.message)
    }
    parley.addEventListener(type, on as EventListener)
  })
}

describe('attachments in the browser (IndexedDB blobs, <parley-chat>)', () => {
  let alice: Parley
  let bob: Parley
  let aliceConv: ConversationView
  let bobConv: ConversationView
  const elements: ParleyChatElement[] = []

  beforeAll(async () => {
    const relays = [inject('relayWs')]
    const tag = Math.random().toString(36).slice(2)
    const open = async (name: string): Promise<Parley> => await createParley({
      relays, storage: { name: `${name}-files-${tag}` }, allowPrivateAddresses: true, messenger: { outbox: { directTimeoutMs: 1500, pollMs: 200 } }
    })
    alice = await open('alice')
    bob = await open('bob')
    await alice.addContact(bob.inviteLink(), { name: 'Bob' })
    aliceConv = await alice.conversationWith(bob.address)
    const first = nextMessage(bob, (m) => m.text === 'hi')
    await alice.sendText(aliceConv.id, 'hi')
    bobConv = await bob.getConversation((await first).conversationId)
  })

  afterAll(async () => {
    for (const el of elements) el.remove()
    for (const p of [alice, bob]) {
      if (p == null) continue
      await p.stop()
      await destroyStore(p.storageName).catch(() => {})
      await new Promise((resolve) => { const req = indexedDB.deleteDatabase(`parley-blobs-${p.storageName}`); req.onsuccess = req.onerror = resolve })
    }
  })

  it('a file sent with the API arrives byte-identical; its ciphertext is in the account\'s blob database', async () => {
    const bytes = new Uint8Array(1_200_000).map((_, i) => (i * 7 + (i >> 9)) % 256)
    const complete = nextMessage(bob, (m) => m.attachment?.name === 'data.bin' && m.attachment.state === 'complete', 'message-updated')
    const sent = await alice.sendFile?.(aliceConv.id, new Blob([bytes], { type: 'application/x-test' }), { name: 'data.bin' })
    expect(sent?.attachment).toMatchObject({ name: 'data.bin', size: 1_200_000, mime: 'application/x-test', state: 'complete' })
    const received = await complete
    const parts: Uint8Array[] = []
    for await (const part of bob.readAttachment?.(bobConv.id, received.id) ?? []) parts.push(part)
    const got = new Uint8Array(await new Blob(parts as Array<Uint8Array<ArrayBuffer>>).arrayBuffer())
    expect(got.length).toBe(bytes.length)
    expect(await sha256(got)).toBe(await sha256(bytes))
    expect(received.attachment?.sha256).toBe(await sha256(bytes))
    const names = (await indexedDB.databases()).map((d) => d.name)
    expect(names).toContain(`parley-blobs-${bob.storageName}`)
    expect(names).toContain(`parley-blobs-${alice.storageName}`)
  })

  it('a picture, a file and a sound picked in the element show as an inline picture, a link and a player of the right duration', async () => {
    const mount = async (parley: Parley, conversation: string): Promise<ParleyChatElement> => {
      const el = document.createElement('parley-chat')
      document.body.append(el)
      elements.push(el)
      el.messenger = parley
      await el.openConversation(conversation)
      return el
    }
    const aliceEl = await mount(alice, aliceConv.id)
    const bobEl = await mount(bob, bobConv.id)
    const shadow = (el: ParleyChatElement): ShadowRoot => el.shadowRoot as ShadowRoot
    // the file views are a lazy chunk: the Attach button comes once it loaded
    await waitFor(() => shadow(aliceEl).querySelector('#attach-input') != null, 20_000, 'the Attach button')
    const text = 'notes from the browser\n'.repeat(500)
    const sound = wav(1.5)
    const picked = new DataTransfer()
    picked.items.add(new File([await png()], 'picture.png', { type: 'image/png' }))
    picked.items.add(new File([text], 'notes.txt', { type: 'text/plain' }))
    picked.items.add(new File([sound], 'tone.wav', { type: 'audio/wav' }))
    const input = shadow(aliceEl).querySelector('#attach-input') as HTMLInputElement
    input.files = picked.files
    input.dispatchEvent(new Event('change'))

    const figure = (name: string): HTMLElement | null => shadow(bobEl).querySelector(`figure[data-name="${name}"][data-state="complete"]`)
    await waitFor(() => figure('picture.png')?.querySelector('img.picture') != null &&
      figure('notes.txt')?.querySelector('a[download]') != null &&
      figure('tone.wav')?.querySelector('audio') != null, 45_000, 'the three attachments shown on the other side')
    // the picture, inline, decoded at its own size; its announcement carried a thumbnail
    const img = figure('picture.png')?.querySelector('img.picture') as HTMLImageElement
    await img.decode()
    expect([img.naturalWidth, img.naturalHeight]).toEqual([400, 300])
    const messages = (await bob.messages(bobConv.id)).items
    const pictureView = messages.find((m) => m.attachment?.name === 'picture.png')?.attachment
    expect(pictureView?.thumbnail?.length).toBeGreaterThan(100)
    expect([pictureView?.width, pictureView?.height]).toEqual([400, 300])
    // the file, as a download link to the same bytes
    const link = figure('notes.txt')?.querySelector('a[download]') as HTMLAnchorElement
    expect(link.getAttribute('download')).toBe('notes.txt')
    expect(await (await fetch(link.href)).text()).toBe(text)
    // the sound, as a player: its duration from the file, and from the announcement
    const audio = figure('tone.wav')?.querySelector('audio') as HTMLAudioElement
    if (Number.isNaN(audio.duration)) await new Promise((resolve) => { audio.addEventListener('loadedmetadata', resolve, { once: true }) })
    expect(audio.duration).toBeCloseTo(1.5, 1)
    const toneView = messages.find((m) => m.attachment?.name === 'tone.wav')?.attachment
    expect(toneView?.durationMs).toBe(1500)
    expect(toneView?.waveform?.length).toBeGreaterThan(10)
    expect(await sha256(new Uint8Array(await (await fetch(audio.src)).arrayBuffer()))).toBe(await sha256(sound))
  })

  it('a voice note recorded in the element (MediaRecorder, Opus) arrives with its duration and plays on the other side', async () => {
    const [aliceEl, bobEl] = elements
    const shadow = (el: ParleyChatElement): ShadowRoot => el.shadowRoot as ShadowRoot
    // an oscillator stands in for the microphone: the recorder and its encoder are the browser's own
    // (made on the click, a real user gesture, so that the page may start audio)
    let audioContext: AudioContext | undefined
    const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices)
    navigator.mediaDevices.getUserMedia = async () => {
      audioContext = new AudioContext()
      await audioContext.resume()
      const oscillator = audioContext.createOscillator()
      const destination = audioContext.createMediaStreamDestination()
      oscillator.connect(destination)
      oscillator.start()
      return destination.stream
    }
    try {
      await userEvent.click(shadow(aliceEl).querySelector('button[part~="record-button"]') as HTMLButtonElement)
      await waitFor(() => shadow(aliceEl).querySelector('button[part~="record-button"]')?.getAttribute('aria-pressed') === 'true', 20_000, 'recording')
      // record until the encoder has produced some audio (no fixed sleep: wait for the clock of the context)
      const context = audioContext as AudioContext
      const until = context.currentTime + 0.6
      await waitFor(() => context.currentTime >= until, 20_000, 'some audio recorded')
      const arrived = nextMessage(bob, (m) => m.attachment?.name.startsWith('voice-') === true && m.attachment.state === 'complete', 'message-updated')
      await userEvent.click(shadow(aliceEl).querySelector('button[part~="record-button"]') as HTMLButtonElement)
      const voice = await arrived
      expect(voice.attachment?.mime).toMatch(/^audio\/(webm|ogg)$/)
      expect(voice.attachment?.durationMs).toBeGreaterThanOrEqual(500)
      expect(voice.attachment?.waveform?.length).toBeGreaterThan(0)
      expect(voice.attachment?.durationMs).toBeLessThan(60_000)
      await waitFor(() => shadow(bobEl).querySelector(`figure[data-name="${voice.attachment?.name ?? ''}"] audio`) != null, 20_000, 'the voice note\'s player')
      expect(shadow(bobEl).querySelector(`figure[data-name="${voice.attachment?.name ?? ''}"] figcaption`)?.textContent).toContain('Voice note 0:0')
    } finally {
      navigator.mediaDevices.getUserMedia = original
      await audioContext?.close()
    }
  })
})
