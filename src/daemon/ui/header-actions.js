// The open conversation's header actions: the disappearing timer (a chat's, or a group's
// setting) and a secret chat's life cycle (start, accept, close).
import { api, seg } from './api.js'
import { $ } from './dom.js'

/** `ctx`: `state`, `guard(fn)`, `open(contact, conversation)`, `contactFor(address)`, `renderHeader()`, `renderContacts()`, `groupChanged(group)`. */
export function setupHeaderActions (ctx) {
  const { state, guard, open, contactFor, renderHeader, renderContacts, groupChanged } = ctx
  async function secretAction () {
    const c = state.current
    const action = $('secret').dataset.action
    if (action === 'start') {
      const chat = await guard(() => api('POST', '/v1/secret-chats', { address: c.peer }))
      state.conversations.set(chat.id, chat)
      await open(contactFor(c.peer), chat)
    } else if (action === 'accept') {
      const chat = await guard(() => api('POST', `/v1/conversations/${seg(c.id)}/accept`))
      state.conversations.set(chat.id, chat)
      state.current = chat
      renderHeader()
    } else {
      await guard(() => api('POST', `/v1/conversations/${seg(c.id)}/close`))
    }
    renderContacts()
  }

  async function setTimer () {
    const value = $('timer').value
    const id = state.current.id
    const ms = value === '' ? null : Number(value)
    if (state.current.kind === 'group') {
      // an admin's change of the group's settings: the members see a line for it; refused (not
      // an admin), the banner says why and the picker shows the group's timer again
      try {
        groupChanged(await guard(() => api('PATCH', `/v1/groups/${seg(id)}`, { timerMs: ms })))
      } finally {
        if (state.current?.id === id) renderHeader()
      }
      return
    }
    // the change comes back as a stored notice ("You set disappearing messages to …")
    const updated = await guard(() => api('PATCH', `/v1/conversations/${seg(id)}`, { disappearingTimerMs: ms }))
    state.conversations.set(updated.id, updated)
    if (state.current?.id === updated.id) state.current = updated
  }

  $('secret').addEventListener('click', () => { void secretAction() })
  $('timer').addEventListener('change', () => { state.timerChange = setTimer().catch(() => {}) })
}
