import type { AuthenticatedOwner } from '../../auth.js'
import { AuthRequiredError } from '../../errors.js'
import type { MailboxSession } from '../session.js'

/** The stream's authenticated owner (the dispatcher checked it for owner-only operations). */
export function ownerOf (session: MailboxSession): AuthenticatedOwner {
  if (session.owner == null) throw new AuthRequiredError()
  return session.owner
}
