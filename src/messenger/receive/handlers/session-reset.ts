import type { Effect } from '../../effects.js'
import type { ReceivedContent } from './types.js'

/** The peer started a new session after losing ours: re-send what it has not confirmed. */
export async function handleSessionReset ({ conversation, fromSelf }: ReceivedContent): Promise<Effect[]> {
  return fromSelf ? [] : [{ kind: 'resend-undelivered', conversation }]
}
