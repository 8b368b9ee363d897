// Files and voice notes in channel posts (issue #21): the owner's or an admin's upload (the
// request body is the File itself), and in a post the file's name, size and state, a Download
// button (fetched from the relays that hold it, verified), then Save and, for voice, Play.
import { ApiError, api, seg } from './api.js'
import { el } from './dom.js'
import { sizeWords } from './attachments.js'

const STATE_WORDS = { pending: 'not downloaded', downloading: 'downloading…', failed: 'download failed' }

function fileUrl (post) { return `/v1/channels/${seg(post.channelId)}/posts/${post.seq}/file` }

/** The file box of a post; `onChange(post)` gets the post after a download. */
export function channelFileBox (post, { onChange, onError }) {
  const f = post.file
  const voice = f.durationMs != null && f.durationMs > 0 && f.mime.startsWith('audio/')
  const label = voice ? `Voice note (${Math.round(f.durationMs / 1000)} s)` : f.name
  const box = el('div', { class: `file ${f.state}`, 'data-state': f.state },
    el('div', { class: 'file-meta' },
      el('span', { class: 'file-name' }, label),
      el('span', { class: 'file-size' }, sizeWords(f.size)),
      STATE_WORDS[f.state] != null ? el('span', { class: 'file-state' }, STATE_WORDS[f.state] + (f.error != null ? ` (${f.error})` : '')) : null))
  if (f.state === 'complete') {
    box.append(el('a', { class: 'file-link', href: fileUrl(post), download: f.name }, `Save ${voice ? 'voice note' : f.name}`))
    if (voice) {
      box.append(el('button', {
        type: 'button',
        class: 'secondary',
        onclick: async (event) => {
          try {
            const res = await fetch(fileUrl(post), { credentials: 'same-origin' })
            if (!res.ok) throw new ApiError(res.status, 'ERR_HTTP', `HTTP ${res.status}`)
            const audio = el('audio', { controls: true, src: URL.createObjectURL(new Blob([await res.arrayBuffer()], { type: f.mime })), 'aria-label': label })
            event.target.replaceWith(audio)
            void audio.play().catch(() => {})
          } catch (err) { onError(err) }
        }
      }, 'Play'))
    }
  } else if (f.state !== 'downloading') {
    box.append(el('button', {
      type: 'button',
      class: 'secondary',
      onclick: async () => {
        try { onChange(await api('POST', `/v1/channels/${seg(post.channelId)}/posts/${post.seq}/download`)) } catch (err) { onError(err) }
      }
    }, f.state === 'failed' ? 'Try again' : `Download ${sizeWords(f.size)}`))
  }
  return box
}

/** Posts the file picked in `input` to the open channel (`channel()`); `onPosted(post)`. */
export function setupChannelUpload (input, { channel, onPosted, onError }) {
  input.addEventListener('change', async () => {
    const file = input.files?.[0]
    const c = channel()
    input.value = ''
    if (file == null || c == null) return
    const query = new URLSearchParams({ name: file.name, ...(file.type !== '' ? { mime: file.type } : {}) })
    try {
      const res = await fetch(`/v1/channels/${seg(c.id)}/files?${query.toString()}`, {
        method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/octet-stream' }, body: file
      })
      const json = await res.json().catch(() => undefined)
      if (!res.ok) throw new ApiError(res.status, json?.error?.code ?? 'ERR_HTTP', json?.error?.message ?? `HTTP ${res.status}`)
      onPosted(json)
    } catch (err) { onError(err) }
  })
}
