// Files, pictures and voice notes in the web UI: the upload (streamed body, picked or dropped),
// the attachment inside a message (name, size, state, progress, download link, thumbnail,
// voice player) and the picture viewer. Bytes never go through JSON: the upload's body is the
// File itself, the download is `GET …/file` (always application/octet-stream from the daemon).
import { ApiError, seg } from './api.js'
import { voicePlayer } from './voice.js'

/** Pictures shown in the page (as blob: URLs of this type); never SVG (it can carry script). */
const SAFE_IMAGES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif', 'image/bmp'])
/** The thumbnail's longest side (px) and the largest JPEG sent (the request head holds 16 KiB). */
const THUMB_SIDE = 160
const THUMB_MAX_BYTES = 9 * 1024

export function el (tag, attrs = {}, ...children) {
  const node = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v)
    else if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? '' : v)
  }
  for (const child of children) if (child != null) node.append(child)
  return node
}

export function sizeWords (bytes) {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0)} KiB`
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`
}

function fileUrl (m) { return `/v1/conversations/${seg(m.conversationId)}/messages/${seg(m.id)}/file` }

/** The decrypted file as a Blob of `type` (same-origin fetch with the session cookie). */
export async function fetchFile (m, type) {
  const res = await fetch(fileUrl(m), { credentials: 'same-origin' })
  if (!res.ok) {
    const json = await res.json().catch(() => undefined)
    throw new ApiError(res.status, json?.error?.code ?? 'ERR_HTTP', json?.error?.message ?? `HTTP ${res.status}`)
  }
  return new Blob([await res.arrayBuffer()], { type })
}

// ---------------------------------------------------------------- progress

/** message id → { bytes, total, direction } from `attachment-progress` events. */
const progress = new Map()
/** Uploads in flight whose message id is not known yet, oldest first: { conversationId, name, size, node }. */
const uploads = []

/** Applies an `attachment-progress` event; returns the message id whose view should refresh. */
export function onProgress ({ conversationId, messageId, direction, bytes, total }) {
  progress.set(messageId, { bytes, total, direction })
  if (direction === 'up') {
    const upload = uploads.find((u) => u.messageId === messageId) ?? uploads.find((u) => u.messageId == null && u.conversationId === conversationId)
    if (upload != null) { upload.messageId = messageId; paintUpload(upload, bytes) }
  }
  const bar = document.querySelector(`[data-progress-for="${CSS.escape(messageId)}"]`)
  if (bar != null) paintBar(bar, bytes, total)
}

function paintBar (bar, bytes, total) {
  if (total > 0) { bar.max = total; bar.value = Math.min(bytes, total) } else bar.removeAttribute('value')
  const pct = total > 0 ? `${Math.floor(100 * Math.min(bytes, total) / total)} %` : sizeWords(bytes)
  bar.textContent = pct
  bar.setAttribute('aria-valuetext', pct)
}

function paintUpload (upload, bytes) {
  const bar = upload.node.querySelector('progress')
  paintBar(bar, bytes, upload.size)
}

/** The message of an upload arrived (its `message` event): its placeholder goes. */
export function settleUpload (messageId) {
  const upload = uploads.find((u) => u.messageId === messageId)
  if (upload != null) upload.node.remove()
}

// ---------------------------------------------------------------- rendering

const STATE_WORDS = { pending: 'waiting to download', downloading: 'downloading', complete: '', failed: 'download failed' }

/** The attachment part of a file message. `actions.download(m)` starts a download; `actions.view(m)` opens a picture. */
export function renderAttachment (m, actions) {
  const a = m.attachment
  if (a == null) return el('div', { class: 'file' }, '(a file this version of Parley cannot show)')
  const complete = a.state === 'complete'
  const voice = a.durationMs != null && a.durationMs > 0 && a.mime.startsWith('audio/')
  const picture = a.thumbnail != null && SAFE_IMAGES.has(a.mime)
  const box = el('div', { class: `file ${a.state}`, 'data-state': a.state })
  if (voice) box.append(voicePlayer(m, complete, async () => fetchFile(m, a.mime)))
  else if (picture) {
    const thumb = el('img', { class: 'thumb', src: `data:image/jpeg;base64,${a.thumbnail}`, alt: `Picture ${a.name}`, width: thumbWidth(a), height: thumbHeight(a) })
    box.append(complete
      ? el('button', { type: 'button', class: 'thumb-button', 'aria-label': `Open picture ${a.name}`, onclick: () => { void actions.view(m) } }, thumb)
      : thumb)
  }
  const meta = el('div', { class: 'file-meta' },
    el('span', { class: 'file-name' }, voice ? 'Voice note' : a.name),
    el('span', { class: 'file-size' }, sizeWords(a.size)),
    STATE_WORDS[a.state] ? el('span', { class: 'file-state' }, STATE_WORDS[a.state] + (a.error ? ` (${a.error})` : '')) : null)
  box.append(meta)
  if (a.state === 'downloading') {
    const bar = el('progress', { 'data-progress-for': m.id, 'aria-label': `Downloading ${a.name}` })
    const known = progress.get(m.id)
    paintBar(bar, known?.direction === 'down' ? known.bytes : 0, known?.direction === 'down' ? known.total : 0)
    box.append(bar)
  }
  if (complete) box.append(el('a', { class: 'file-link', href: fileUrl(m), download: a.name }, `Save ${voice ? 'voice note' : a.name}`))
  else if (m.direction === 'in' && (a.state === 'pending' || a.state === 'failed')) {
    box.append(el('button', { type: 'button', class: 'secondary', onclick: () => { void actions.download(m) } }, a.state === 'failed' ? 'Try again' : `Download ${sizeWords(a.size)}`))
  }
  return box
}

function thumbWidth (a) { return a.width > 0 && a.height > 0 ? String(Math.round(THUMB_SIDE * Math.min(1, a.width / a.height))) : undefined }
function thumbHeight (a) { return a.width > 0 && a.height > 0 ? String(Math.round(THUMB_SIDE * Math.min(1, a.height / a.width))) : undefined }

/** Shows a complete picture in `dialog` (a blob: URL of a safe image type, revoked on close). */
export async function viewPicture (m, dialog, image) {
  const blob = await fetchFile(m, m.attachment.mime)
  const url = URL.createObjectURL(blob)
  image.src = url
  image.alt = m.attachment.name
  dialog.querySelector('h2').textContent = m.attachment.name
  dialog.showModal()
  dialog.addEventListener('close', () => { image.removeAttribute('src'); URL.revokeObjectURL(url) }, { once: true })
}

// ---------------------------------------------------------------- sending

/** A JPEG thumbnail of an image file (≤ 160 px, ≤ 9 KiB) and its size, or undefined where the browser cannot decode it. */
export async function thumbnailOf (file) {
  if (!SAFE_IMAGES.has(file.type) || typeof createImageBitmap !== 'function') return undefined
  let bitmap
  try { bitmap = await createImageBitmap(file) } catch { return undefined }
  const { width, height } = bitmap
  for (const side of [THUMB_SIDE, 96]) {
    const scale = Math.min(1, side / Math.max(width, height))
    const canvas = document.createElement('canvas')
    canvas.width = Math.max(1, Math.round(width * scale))
    canvas.height = Math.max(1, Math.round(height * scale))
    canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height)
    for (const quality of [0.7, 0.5, 0.3]) {
      const blob = await new Promise((resolve) => { canvas.toBlob(resolve, 'image/jpeg', quality) })
      if (blob != null && blob.size <= THUMB_MAX_BYTES) {
        bitmap.close()
        return { thumbnail: base64url(new Uint8Array(await blob.arrayBuffer())), width, height }
      }
    }
  }
  bitmap.close()
  return undefined
}

function base64url (bytes) {
  let text = ''
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(text).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')
}

/**
 * Sends `file` (a File or Blob with `name`) to the conversation: the body streams into the
 * daemon's sealer. `extra` adds query fields (durationMs, waveform). `list` shows the upload
 * until its message arrives. Resolves with the message view.
 */
export async function uploadFile (conversationId, file, name, extra, list) {
  const media = extra ?? (await thumbnailOf(file)) ?? {}
  const query = new URLSearchParams({ name, ...(file.type !== '' ? { mime: file.type } : {}) })
  for (const [k, v] of Object.entries(media)) query.set(k, Array.isArray(v) ? v.join(',') : String(v))
  const bar = el('progress', { max: String(Math.max(1, file.size)), value: '0', 'aria-label': `Sending ${name}` })
  const node = el('li', { class: 'msg out upload' }, el('div', { class: 'file-meta' }, el('span', { class: 'file-name' }, `Sending ${name}`), el('span', { class: 'file-size' }, sizeWords(file.size))), bar)
  list.append(node)
  list.scrollTop = list.scrollHeight
  const upload = { conversationId, name, size: file.size, node }
  uploads.push(upload)
  try {
    const res = await fetch(`/v1/conversations/${seg(conversationId)}/files?${query.toString()}`, {
      method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/octet-stream' }, body: file
    })
    const json = await res.json().catch(() => undefined)
    if (!res.ok) throw new ApiError(res.status, json?.error?.code ?? 'ERR_HTTP', json?.error?.message ?? `HTTP ${res.status}`)
    return json.message
  } finally {
    uploads.splice(uploads.indexOf(upload), 1)
    node.remove()
  }
}
