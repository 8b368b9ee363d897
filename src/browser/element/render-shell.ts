/**
 * The element's fixed markup: header (address, status, invite and notification buttons), sidebar
 * (add-contact form, error line, chat and contact lists) and the conversation pane, with the
 * controls that need a messenger disabled until one is attached.
 */
import { fill, h } from './dom.js'
import { STYLES } from './styles.js'

/** The parts of the shell the element updates. */
export interface ShellUi {
  me: HTMLElement
  status: HTMLElement
  copy: HTMLButtonElement
  qr: HTMLButtonElement
  notify: HTMLButtonElement
  error: HTMLElement
  chats: HTMLUListElement
  contacts: HTMLUListElement
  addForm: HTMLFormElement
  addInput: HTMLInputElement
  addName: HTMLInputElement
  addButton: HTMLButtonElement
  link: HTMLButtonElement
  devices: HTMLButtonElement
  newGroup: HTMLButtonElement
  /** Channels (issue #21): the list and its two buttons; the list is filled by channel-views.ts. */
  channels: HTMLUListElement
  newChannel: HTMLButtonElement
  follow: HTMLButtonElement
  searchInput: HTMLInputElement
  searchResults: HTMLUListElement
  main: HTMLElement
}

/** What the shell's controls do. */
export interface ShellActions {
  addContact: () => void
  copyInvite: () => void
  showInviteQr: () => void
  askNotifications: () => void
  linkDevice: () => void
  /** The Devices dialog (a lazy chunk). */
  showDevices: () => void
  /** The New group dialog (a lazy chunk). */
  newGroup: () => void
  /** The New channel or Follow dialog (a lazy chunk). */
  channels: (what: 'new' | 'follow') => void
  search: (text: string) => void
}

/** Fills `root` with the styles and the shell; returns the parts to update. */
export function renderShell (root: ShadowRoot, on: ShellActions): ShellUi {
  // nothing can work before a messenger is attached: the controls start disabled
  const addInput = h('input', { id: 'add-address', name: 'address', required: true, disabled: true, autocomplete: 'off', spellcheck: 'false', placeholder: 'parley:… or address', part: 'input' })
  const addName = h('input', { id: 'add-name', name: 'name', disabled: true, autocomplete: 'off', placeholder: 'Name (optional)', part: 'input' })
  const addButton = h('button', { type: 'submit', class: 'primary', part: 'button', disabled: true }, 'Add contact')
  const addForm = h('form', { part: 'add-contact', 'aria-label': 'Add a contact', onsubmit: (evt: Event) => { evt.preventDefault(); on.addContact() } },
    h('label', { for: 'add-address' }, 'Add contact by address or invite link'),
    addInput,
    h('label', { for: 'add-name', class: 'visually-hidden' }, 'Contact name'),
    addName,
    addButton)
  const copy = h('button', { type: 'button', class: 'secondary', part: 'button', disabled: true, onclick: () => { on.copyInvite() } }, 'Copy invite link')
  const qr = h('button', { type: 'button', class: 'secondary', part: 'button', disabled: true, onclick: () => { on.showInviteQr() } }, 'Show QR code')
  const notify = h('button', { type: 'button', class: 'secondary', part: 'button', hidden: true, onclick: () => { on.askNotifications() } }, 'Turn on notifications')
  const link = h('button', { type: 'button', class: 'secondary', part: 'button', disabled: true, onclick: () => { on.linkDevice() } }, 'Link a device')
  const devices = h('button', { type: 'button', class: 'secondary', part: 'button devices-button', disabled: true, 'aria-haspopup': 'dialog', onclick: () => { on.showDevices() } }, 'Devices')
  const newGroup = h('button', { type: 'button', class: 'secondary small', part: 'button new-group-button', disabled: true, 'aria-haspopup': 'dialog', onclick: () => { on.newGroup() } }, 'New group')
  const newChannel = h('button', { type: 'button', class: 'secondary small', part: 'button new-channel-button', disabled: true, 'aria-haspopup': 'dialog', onclick: () => { on.channels('new') } }, 'New channel')
  const follow = h('button', { type: 'button', class: 'secondary small', part: 'button follow-button', disabled: true, 'aria-haspopup': 'dialog', onclick: () => { on.channels('follow') } }, 'Follow')
  const channels = h('ul', { 'aria-labelledby': 'channels-h', part: 'channel-list' }, h('li', { class: 'empty' }, 'No channels yet'))
  const searchInput = h('input', { id: 'search', name: 'q', type: 'search', disabled: true, autocomplete: 'off', maxlength: 200, placeholder: 'Search messages', part: 'input' })
  const searchResults = h('ul', { 'aria-label': 'Search results', part: 'search-results', class: 'search-results', hidden: true })
  const searchForm = h('form', { part: 'search', role: 'search', 'aria-label': 'Search messages', onsubmit: (evt: Event) => { evt.preventDefault(); on.search(searchInput.value) } },
    h('label', { for: 'search', class: 'visually-hidden' }, 'Search messages'), searchInput)
  const ui: ShellUi = {
    me: h('div', { class: 'me', part: 'me' }, 'Starting…'),
    status: h('span', { class: 'status', role: 'status', 'data-state': 'starting', part: 'status' }, 'starting'),
    copy,
    qr,
    notify,
    addButton,
    link,
    devices,
    newGroup,
    channels,
    newChannel,
    follow,
    searchInput,
    searchResults,
    error: h('p', { class: 'error', role: 'alert', hidden: true, part: 'error' }),
    chats: h('ul', { 'aria-label': 'Chats', part: 'chat-list' }),
    contacts: h('ul', { 'aria-label': 'Contacts', part: 'contact-list' }),
    addForm,
    addInput,
    addName,
    main: h('main', { part: 'conversation', 'aria-label': 'Conversation' })
  }
  fill(root,
    h('style', {}, STYLES),
    h('div', { class: 'layout', part: 'layout' },
      h('header', { part: 'header' }, ui.me, ui.status, copy, qr, link, devices, notify),
      // focusable: on narrow screens it scrolls, and keyboards must reach its scroll
      h('aside', { part: 'sidebar', 'aria-label': 'Chats and contacts', tabindex: 0 },
        addForm, searchForm, searchResults, ui.error,
        h('div', { class: 'list-head' }, h('h2', { id: 'chats-h' }, 'Chats'), newGroup), ui.chats,
        h('div', { class: 'list-head' }, h('h2', { id: 'channels-h' }, 'Channels'), h('span', { class: 'attach' }, newChannel, follow)), channels,
        h('h2', { id: 'contacts-h' }, 'Contacts'), ui.contacts),
      ui.main))
  return ui
}
