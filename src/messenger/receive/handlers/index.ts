import { Content } from '../../../wire/content.js'
import { handleAttachment } from './attachment.js'
import { handleDelete } from './delete.js'
import { handleEdit } from './edit.js'
import { handleReaction } from './reaction.js'
import { handleReceipt } from './receipt.js'
import { handleScreenshot } from './screenshot.js'
import { handleSecretControl } from './secret-control.js'
import { handleSessionReset } from './session-reset.js'
import { handleMessage } from './text.js'
import { handleTimer } from './timer.js'
import type { ReceiveHandler } from './types.js'
import { handleTyping } from './typing.js'
import { handleUnknown } from './unknown.js'

export type { ReceiveHandler, ReceivedContent } from './types.js'

/** One handler per content kind (in the manner of kad-dht's `rpc/handlers`). */
export const RECEIVE_HANDLERS: Readonly<Record<Content.Kind, ReceiveHandler>> = {
  [Content.Kind.TEXT]: handleMessage,
  [Content.Kind.EDIT]: handleEdit,
  [Content.Kind.REACTION]: handleReaction,
  [Content.Kind.DELETE]: handleDelete,
  [Content.Kind.RECEIPT]: handleReceipt,
  [Content.Kind.SESSION_RESET]: handleSessionReset,
  [Content.Kind.TYPING]: handleTyping,
  [Content.Kind.SCREENSHOT]: handleScreenshot,
  [Content.Kind.TIMER]: handleTimer,
  [Content.Kind.SECRET_CONTROL]: handleSecretControl,
  [Content.Kind.UNKNOWN]: handleUnknown,
  [Content.Kind.ATTACHMENT]: handleAttachment,
  // group contents are routed before this table (groups/group-receive.ts)
  [Content.Kind.GROUP_UPDATE]: handleUnknown,
  [Content.Kind.GROUP_MESSAGE]: handleUnknown,
  [Content.Kind.GROUP_JOIN]: handleUnknown,
  // applied by route.ts before any conversation (devices/apply-sync.ts); never reaches the table
  [Content.Kind.SYNC]: async () => []
}
