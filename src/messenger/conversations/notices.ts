import { randomBytes } from '@noble/hashes/utils.js'
import { toHex } from '../../bytes.js'
import type { Message } from '../../store/index.js'
import type { NoticeInfo } from '../types.js'
import { encodeBody } from './message-body.js'

const UNITS: Array<[number, string]> = [[604_800_000, 'week'], [86_400_000, 'day'], [3_600_000, 'hour'], [60_000, 'minute'], [1000, 'second']]

/** A timer in words: "1 hour", "4 weeks", "30 seconds". */
export function durationWords (ms: number): string {
  for (const [size, name] of UNITS) {
    if (ms >= size) {
      const n = Math.round(ms / size)
      return `${n} ${name}${n === 1 ? '' : 's'}`
    }
  }
  return `${ms} ms`
}

/** What a notice says after the name of who did it ("You", "Bob"): the words every UI shows. */
export function noticeText (notice: NoticeInfo): string {
  switch (notice.type) {
    case 'timer': return notice.ttlMs == null ? 'turned off disappearing messages' : `set disappearing messages to ${durationWords(notice.ttlMs)}`
    case 'secret-accepted': return 'accepted the secret chat: its messages are end-to-end encrypted on these two devices only'
    case 'screenshot': return 'took a screenshot'
  }
}

/**
 * A notice stored as a message of kind `notice` (a line in the conversation, kept across
 * reloads): a timer changed, a secret chat accepted. Never unread (no read receipt goes out for
 * it), never expires, never forwarded.
 */
export function noticeMessage (init: { conversationId: string, clock: number, at: number, direction: 'in' | 'out', sender: string, notice: NoticeInfo }): Message {
  return {
    id: toHex(randomBytes(16)),
    conversationId: init.conversationId,
    clock: init.clock,
    senderTimestamp: init.at,
    direction: init.direction,
    sender: init.sender,
    content: encodeBody({ kind: 'notice', text: noticeText(init.notice), notice: init.notice, reactions: {}, forwardable: false }),
    status: init.direction === 'in' ? 'read' : 'sent',
    expiresAt: null
  }
}
