/**
 * What the element hands its lazy views (devices, groups): its DOM builder and dialogs, passed
 * in rather than imported, so that a lazy chunk shares no module with the element's first load
 * (esbuild would otherwise split the shared modules into a chunk of their own, one more request
 * before the element paints).
 */
import type { ContactView, MessengerApi } from '../../messenger/types.js'
import type { confirmAction, showDialog, showQr } from './dialogs.js'
import type { TIMER_CHOICES, fill, formatTime, h, shortAddress } from './dom.js'

export interface ViewKit {
  h: typeof h
  fill: typeof fill
  showDialog: typeof showDialog
  confirmAction: typeof confirmAction
  /** A QR code and its text (the encoder loads on first use). */
  showQr: typeof showQr
  formatTime: typeof formatTime
  shortAddress: typeof shortAddress
  timerChoices: typeof TIMER_CHOICES
}

/** What a lazy view needs of the element. */
export interface ViewHost {
  readonly root: ShadowRoot
  readonly kit: ViewKit
  messenger: () => MessengerApi | undefined
  /** The contacts as last listed. */
  contacts: () => ContactView[]
  /** Shows an error (role=alert) and fires `parley-error`. */
  fail: (err: unknown) => void
  /** Re-renders the open conversation (nothing fetched). */
  rerender: () => void
  /** Lists again (contacts, chats, the open conversation), then renders. */
  refresh: () => void
  openConversation: (id: string) => Promise<void>
  /** A line in the normal chat with `address` (when there is one). */
  note: (address: string, text: string) => void
}
