import type { Effect } from '../../effects.js'
import { handleMessage } from './text.js'
import type { ReceivedContent } from './types.js'

/**
 * A content this version cannot read (undecodable, or a kind it does not know such as
 * attachments): kept as an `unsupported` message so the user sees something arrived; no receipt.
 */
export async function handleUnknown (received: ReceivedContent): Promise<Effect[]> {
  return handleMessage(received)
}
