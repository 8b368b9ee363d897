// Channel admins in the web UI (issue #21): the owner names and removes admins by their admin
// keys; a follower shows its own admin key to give to the owner (an admin signs with a key of its
// own, made on its device, never the owner's).
import { api, seg } from './api.js'
import { $, el } from './dom.js'

const KEY = /^[0-9a-f]{64}$/

/** `current()`: the open channel; `upsert(channel)`: the channel changed. */
export function setupChannelAdmins ({ current, upsert }) {
  const dialog = $('channel-admins-dialog')
  const note = $('channel-admins-error')

  function render (c) {
    $('channel-admins').textContent = c.role === 'owner' ? 'Admins' : 'Admin key'
  }

  function renderList (c) {
    const owner = c.role === 'owner'
    $('channel-admins-title').textContent = owner ? `Admins of ${c.name}` : `Become an admin of ${c.name}`
    $('channel-admins-owner').hidden = !owner
    $('channel-admins-follower').hidden = owner
    $('channel-admins-list').replaceChildren(...c.admins.map((key) => el('li', {},
      el('code', { title: key }, `${key.slice(0, 12)}…${key.slice(-6)}`),
      owner ? el('button', { type: 'button', class: 'quiet', 'aria-label': `Remove admin ${key.slice(0, 12)}`, onclick: () => { void save(c.admins.filter((k) => k !== key)) } }, 'Remove') : null)))
    if (c.admins.length === 0) $('channel-admins-list').append(el('li', { class: 'hint' }, 'No admins: only the owner posts.'))
  }

  async function save (keys) {
    const c = current()
    if (c == null) return
    note.textContent = 'Saving… (a signed post announces the new list)'
    try {
      const updated = await api('PUT', `/v1/channels/${seg(c.id)}/admins`, { keys })
      upsert(updated)
      renderList(updated)
      note.textContent = ''
    } catch (err) { note.textContent = err.message }
  }

  $('channel-admins').addEventListener('click', async () => {
    const c = current()
    if (c == null) return
    note.textContent = ''
    $('channel-admin-new').value = ''
    renderList(c)
    dialog.showModal()
    if (c.role !== 'owner') {
      $('channel-admin-mine').value = ''
      try {
        $('channel-admin-mine').value = (await api('GET', `/v1/channels/${seg(c.id)}/admin-key`)).key
        $('channel-admin-role').textContent = c.role === 'admin' ? 'You are an admin of this channel: you post, edit and delete. Reactions and views are sealed to the owner\'s key, so only the owner\'s device counts them: the counts change while it is online.' : 'Give this key to the channel\'s owner. Once they add it, you can post, edit and delete here.'
      } catch (err) { note.textContent = err.message }
    }
  })

  $('channel-admin-add').addEventListener('click', () => {
    const c = current()
    const key = $('channel-admin-new').value.trim().toLowerCase()
    if (c == null) return
    if (!KEY.test(key)) { note.textContent = 'An admin key is 64 hexadecimal characters: ask the new admin for the key their "Admin key" button shows.'; return }
    if (c.admins.includes(key)) { note.textContent = 'That key is an admin already.'; return }
    void save([...c.admins, key])
  })

  $('channel-admin-copy').addEventListener('click', async () => {
    const key = $('channel-admin-mine').value
    if (key === '') return
    try { await navigator.clipboard.writeText(key); note.textContent = 'Copied.' } catch { $('channel-admin-mine').select() }
  })

  return { render }
}
