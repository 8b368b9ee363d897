/**
 * Files, pictures and voice notes in `<parley-chat>` (docs/BROWSER.md, "Files, pictures and
 * voice notes"): a lazy chunk of the element, loaded once a messenger with attachments is
 * attached. Pictures show inline (their thumbnail until the file is here), voice notes and
 * other audio get a player, other files a download link; a file not downloaded yet gets a
 * Download button. The composer gains an Attach button (pictures get a thumbnail; audio its
 * duration) and a voice-note recorder (`MediaRecorder`, Opus).
 *
 * The element re-renders its whole pane on every event: each message's node is kept and reused
 * while its state is the same, so a playing voice note is not interrupted, and each complete
 * file becomes one object URL, revoked when the views are dropped.
 */
import type { ConversationView, MessageView, MessengerApi, SendFileOptions } from '../../messenger/types.js'
import type { h as H } from './dom.js'
import type { FileUi } from './render-message.js'

const THUMBNAIL_EDGE = 160
const THUMBNAIL_MAX_BYTES = 16 * 1024
/** Voice-note waveform: samples kept (the announcement takes at most 128). */
const WAVEFORM_SAMPLES = 64

function sizeText (bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}

function durationText (ms: number): string {
  const s = Math.round(ms / 1000)
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`
}

export class FileViews implements FileUi {
  readonly #urls = new Map<string, string>()
  readonly #nodes = new Map<string, { key: string, node: HTMLElement }>()
  readonly #loading = new Set<string>()
  #recorder: MediaRecorder | undefined

  /** `h`: the element's DOM builder, handed over so that this chunk shares no module with the element's first load. */
  constructor (
    private readonly messenger: MessengerApi,
    private readonly rerender: () => void,
    private readonly fail: (err: unknown) => void,
    private readonly h: typeof H
  ) {}

  /** The attachment of a `file` message (same node while nothing changed). */
  render (m: MessageView): HTMLElement {
    const a = m.attachment
    if (a == null) return this.h('span', { class: 'text' }, 'File')
    const url = this.#urls.get(m.id)
    const key = `${a.state}|${url ?? ''}`
    const cached = this.#nodes.get(m.id)
    if (cached?.key === key) return cached.node
    if (a.state === 'complete' && url === undefined) void this.#load(m)
    const node = this.h('figure', { class: 'file', part: 'attachment', 'data-state': a.state, 'data-name': a.name },
      this.#preview(m, url),
      this.h('figcaption', {}, a.mime.startsWith('audio/') && a.durationMs != null ? `Voice note ${durationText(a.durationMs)}` : a.name, ` · ${sizeText(a.size)}`,
        a.state === 'downloading' ? ' · downloading…' : null,
        a.state === 'failed' ? ` · failed (${a.error ?? 'unknown'})` : null,
        a.state === 'pending' || a.state === 'failed'
          ? this.h('button', { type: 'button', class: 'secondary', part: 'button download-button', onclick: () => { void this.#download(m) } }, 'Download')
          : null))
    this.#nodes.set(m.id, { key, node })
    return node
  }

  #preview (m: MessageView, url: string | undefined): HTMLElement | null {
    const a = m.attachment
    if (a == null) return null
    if (a.mime.startsWith('image/')) {
      const src = url ?? (a.thumbnail != null ? `data:image/jpeg;base64,${a.thumbnail}` : undefined)
      if (src === undefined) return null
      const img = this.h('img', { src, alt: a.name, part: 'attachment-image', class: url === undefined ? 'thumbnail' : 'picture', loading: 'lazy' })
      return url === undefined ? img : this.h('a', { href: url, target: '_blank', rel: 'noopener', title: `Open ${a.name}` }, img)
    }
    if (url === undefined) return null
    if (a.mime.startsWith('audio/')) return this.h('audio', { controls: true, preload: 'metadata', src: url, part: 'attachment-audio', 'aria-label': `Voice note from ${m.direction === 'out' ? 'you' : 'them'}` })
    return this.h('a', { href: url, download: a.name, part: 'attachment-link' }, `Save ${a.name}`)
  }

  async #download (m: MessageView): Promise<void> {
    try {
      await this.messenger.downloadAttachment?.(m.conversationId, m.id)
    } catch (err) {
      this.fail(err)
    }
    this.rerender()
  }

  /** Decrypts a complete file into an object URL (once per message). */
  async #load (m: MessageView): Promise<void> {
    const read = this.messenger.readAttachment
    if (read === undefined || this.#loading.has(m.id)) return
    this.#loading.add(m.id)
    try {
      const parts: BlobPart[] = []
      for await (const part of read.call(this.messenger, m.conversationId, m.id)) parts.push(part as Uint8Array<ArrayBuffer>)
      this.#urls.set(m.id, URL.createObjectURL(new Blob(parts, { type: m.attachment?.mime ?? 'application/octet-stream' })))
      this.rerender()
    } catch (err) {
      this.fail(err)
    } finally {
      this.#loading.delete(m.id)
    }
  }

  /** The composer's Attach button (and its file picker) and voice-note recorder. */
  controls (c: ConversationView): HTMLElement | null {
    if (this.messenger.sendFile === undefined) return null
    const disabled = c.kind === 'secret' && c.secretState !== 'active'
    const picker = this.h('input', {
      type: 'file', multiple: true, hidden: true, id: 'attach-input', part: 'attach-input',
      onchange: (evt: Event) => {
        const input = evt.target as HTMLInputElement
        const files = [...(input.files ?? [])]
        input.value = ''
        void this.#sendAll(c, files)
      }
    })
    const recording = this.#recorder?.state === 'recording'
    return this.h('span', { class: 'attach' },
      picker,
      this.h('button', { type: 'button', class: 'secondary', part: 'button attach-button', disabled, 'aria-label': 'Attach a file or picture', title: 'Attach a file or picture', onclick: () => { picker.click() } }, '📎'),
      typeof MediaRecorder === 'undefined'
        ? null
        : this.h('button', {
          type: 'button', class: 'secondary', part: 'button record-button', disabled, 'aria-pressed': recording ? 'true' : 'false',
          'aria-label': recording ? 'Stop and send the voice note' : 'Record a voice note',
          title: recording ? 'Stop and send' : 'Record a voice note',
          onclick: () => { void (recording ? this.#stopRecording() : this.#record(c)) }
        }, recording ? '■' : '🎤'))
  }

  async #sendAll (c: ConversationView, files: File[]): Promise<void> {
    for (const file of files) {
      try {
        await this.messenger.sendFile?.(c.id, file, { name: file.name, mime: file.type !== '' ? file.type : 'application/octet-stream', ...await describe(file) })
      } catch (err) {
        this.fail(err)
      }
    }
    this.rerender()
  }

  async #record (c: ConversationView): Promise<void> {
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true })
      const mime = ['audio/webm;codecs=opus', 'audio/ogg;codecs=opus'].find((t) => MediaRecorder.isTypeSupported(t)) ?? ''
      const recorder = new MediaRecorder(stream, mime !== '' ? { mimeType: mime } : {})
      const chunks: Blob[] = []
      const started = performance.now()
      recorder.addEventListener('dataavailable', (evt) => { chunks.push(evt.data) })
      recorder.addEventListener('stop', () => {
        for (const track of stream.getTracks()) track.stop()
        const type = (recorder.mimeType !== '' ? recorder.mimeType : 'audio/webm').split(';')[0]
        const blob = new Blob(chunks, { type })
        const durationMs = Math.round(performance.now() - started)
        void waveformOf(blob).then(async (waveform) => {
          await this.messenger.sendFile?.(c.id, blob, { name: `voice-${new Date().toISOString().slice(0, 19).replace(/:/g, '-')}.${type === 'audio/ogg' ? 'ogg' : 'webm'}`, mime: type, durationMs, waveform })
        }).catch((err: unknown) => { this.fail(err) }).finally(() => { this.rerender() })
      }, { once: true })
      recorder.start()
      this.#recorder = recorder
    } catch (err) {
      this.fail(err)
    }
    this.rerender()
  }

  async #stopRecording (): Promise<void> {
    const recorder = this.#recorder
    this.#recorder = undefined
    if (recorder?.state === 'recording') recorder.stop()
  }

  /** Revokes the object URLs (the messenger was detached). */
  dispose (): void {
    for (const url of this.#urls.values()) URL.revokeObjectURL(url)
    this.#urls.clear()
    this.#nodes.clear()
    if (this.#recorder?.state === 'recording') this.#recorder.stop()
  }
}

/** What the announcement says of a picked file: a picture's thumbnail and size, a sound's duration and waveform. */
async function describe (file: File): Promise<Partial<SendFileOptions>> {
  // a picture the browser cannot decode goes without a thumbnail, a sound without a duration: the file itself is sent all the same
  if (file.type.startsWith('image/')) return await thumbnailOf(file).catch(() => ({}))
  if (file.type.startsWith('audio/')) {
    const decoded = await decodeAudio(file).catch(() => undefined)
    return decoded === undefined ? {} : { durationMs: Math.round(decoded.duration * 1000), waveform: samplesOf(decoded) }
  }
  return {}
}

async function thumbnailOf (file: File): Promise<Partial<SendFileOptions>> {
  const bitmap = await createImageBitmap(file)
  try {
    const scale = Math.min(1, THUMBNAIL_EDGE / Math.max(bitmap.width, bitmap.height))
    const canvas = new OffscreenCanvas(Math.max(1, Math.round(bitmap.width * scale)), Math.max(1, Math.round(bitmap.height * scale)))
    canvas.getContext('2d')?.drawImage(bitmap, 0, 0, canvas.width, canvas.height)
    for (const quality of [0.7, 0.5, 0.3]) {
      const bytes = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/jpeg', quality })).arrayBuffer())
      if (bytes.length <= THUMBNAIL_MAX_BYTES) return { thumbnail: bytes, width: bitmap.width, height: bitmap.height }
    }
    return { width: bitmap.width, height: bitmap.height }
  } finally {
    bitmap.close()
  }
}

async function decodeAudio (blob: Blob): Promise<AudioBuffer> {
  const context = new OfflineAudioContext(1, 1, 44_100)
  return await context.decodeAudioData(await blob.arrayBuffer())
}

/** Peak amplitudes (0–255) of {@link WAVEFORM_SAMPLES} equal slices. */
function samplesOf (audio: AudioBuffer): number[] {
  const data = audio.getChannelData(0)
  const slice = Math.max(1, Math.floor(data.length / WAVEFORM_SAMPLES))
  const out: number[] = []
  for (let i = 0; i < WAVEFORM_SAMPLES && i * slice < data.length; i++) {
    let peak = 0
    for (let j = i * slice; j < Math.min(data.length, (i + 1) * slice); j++) peak = Math.max(peak, Math.abs(data[j]))
    out.push(Math.min(255, Math.round(peak * 255)))
  }
  return out
}

async function waveformOf (blob: Blob): Promise<number[]> {
  const decoded = await decodeAudio(blob).catch(() => undefined)
  return decoded === undefined ? [] : samplesOf(decoded)
}
