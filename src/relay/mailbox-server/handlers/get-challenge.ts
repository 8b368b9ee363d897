import type { MailboxHandler } from './types.js'

/** Issues a fresh challenge for the stream's next `authenticate`. */
export const getChallengeHandler: MailboxHandler<'getChallenge'> = {
  ownerRate: true,
  ownerOnly: false,
  async handle (ctx, session) {
    const challenge = ctx.auth.challenge()
    session.pending = { nonce: challenge.nonce, timestamp: challenge.timestamp }
    return { challenge: challenge.response }
  }
}
