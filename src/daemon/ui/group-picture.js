// The group picture in the web UI (issue #20): shown at the top of a group's members panel;
// whoever may rename the group sets it from a small image file (at most 16 KiB of PNG, JPEG or
// WebP) or removes it. The picture travels with the group's state to every member.
import { api, seg } from './api.js'
import { $, el } from './dom.js'

const MAX_BYTES = 16 * 1024
const TYPES = ['image/png', 'image/jpeg', 'image/webp']

/** `ctx`: `state` (current, groups), `groupChanged(group)`. */
export function setupGroupPicture (ctx) {
  const { state } = ctx
  const image = el('img', { id: 'group-picture', class: 'group-picture', width: '96', height: '96', alt: '', hidden: true })
  const input = el('input', { type: 'file', id: 'group-picture-file', accept: TYPES.join(','), hidden: true, 'aria-label': 'Group picture file' })
  const label = el('button', { type: 'button', id: 'group-picture-set', class: 'secondary', onclick: () => { input.click() } }, 'Set picture')
  const remove = el('button', { type: 'button', id: 'group-picture-remove', class: 'secondary' }, 'Remove picture')
  const status = el('p', { id: 'group-picture-status', class: 'hint', role: 'status' })
  $('group-summary').after(el('div', { class: 'group-picture-row' }, image, input, label, remove, status))

  async function show () {
    const id = state.current?.id
    if (id == null || state.current.kind !== 'group') return
    status.textContent = ''
    try {
      const p = await api('GET', `/v1/groups/${seg(id)}/picture`)
      image.hidden = p == null
      remove.hidden = p == null
      if (p != null) {
        image.src = `data:${p.mime};base64,${p.data}`
        image.alt = `Picture of ${state.groups.get(id)?.name ?? 'the group'}`
      }
    } catch (err) { status.textContent = err.message }
  }
  async function put (body) {
    status.textContent = ''
    try {
      ctx.groupChanged(await api('PUT', `/v1/groups/${seg(state.current.id)}/picture`, body))
      await show()
    } catch (err) { status.textContent = err.message }
  }
  $('members').addEventListener('click', () => { void show() })
  input.addEventListener('change', async () => {
    const file = input.files?.[0]
    input.value = ''
    if (file == null) return
    if (!TYPES.includes(file.type)) { status.textContent = 'Choose a PNG, JPEG or WebP image.'; return }
    if (file.size > MAX_BYTES) { status.textContent = `The picture is ${Math.ceil(file.size / 1024)} KiB; a group picture has at most 16 KiB (a small image, e.g. 256×256).`; return }
    const bytes = new Uint8Array(await file.arrayBuffer())
    let binary = ''
    for (const b of bytes) binary += String.fromCharCode(b)
    await put({ mime: file.type, data: btoa(binary) })
  })
  remove.addEventListener('click', () => { void put({ data: null }) })
  // a picture changed by another member while the panel is open
  const updated = ctx.handlers['group-updated']
  ctx.handlers['group-updated'] = (detail) => {
    updated?.(detail)
    if ($('group-dialog').open && detail.group.id === state.current?.id) void show()
  }
}
