/**
 * Desktop notifications for messages that arrive while the page is in a background tab: only
 * after the user granted the browser's permission (asked from a click, never on load).
 */
import type { ConversationView, MessageView } from '../../messenger/types.js'
import { shortAddress } from './dom.js'

/** `unsupported`, or the browser's permission for this page's notifications. */
export function notificationPermission (): NotificationPermission | 'unsupported' {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission
}

/** Asks the browser for permission (call from a user gesture); resolves with the answer. */
export async function askNotificationPermission (): Promise<NotificationPermission | 'unsupported'> {
  if (typeof Notification === 'undefined') return 'unsupported'
  return Notification.requestPermission()
}

/**
 * Shows a notification when the page is hidden and permission is granted; returns it (or
 * undefined when none was shown). One per conversation at a time (`tag`).
 */
export function notifyInBackground (init: { title: string, body: string, tag: string, onclick: () => void }): Notification | undefined {
  if (document.visibilityState !== 'hidden' || notificationPermission() !== 'granted') return undefined
  const notification = new Notification(init.title, { body: init.body, tag: init.tag })
  notification.onclick = () => { window.focus(); init.onclick(); notification.close() }
  return notification
}

/** Title, text and tag of the notification for `message` (in `conversation`, when known). */
export function messageNotification (message: MessageView, conversation: ConversationView | undefined): { title: string, body: string, tag: string } {
  const secret = conversation?.kind === 'secret'
  return {
    title: conversation?.title ?? shortAddress(message.sender),
    // secret chats do not put their text on the lock screen
    body: secret ? 'New message in a secret chat' : message.kind === 'text' ? (message.text ?? '') : 'New message',
    tag: message.conversationId
  }
}
