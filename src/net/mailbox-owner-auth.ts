// Proving mailbox ownership to a relay: the challenge and its signed answer.
import type { AbortOptions } from '@libp2p/interface'
import { equalBytes } from '../bytes.js'
import { MalformedFrameError } from './errors.js'
import type { MailboxChannel, CallLimit } from './mailbox-channel.js'
import { signMailboxChallenge, signMailboxChallengeWith, type MailboxRequest, type MailboxResponse } from './mailbox-codec.js'
import type { MailboxOwnerCredentials } from './mailbox-client-types.js'
import { MailboxRefusedError } from './mailbox-errors.js'

/** The signed answer to a relay's challenge, through the owner's signer or key. */
async function answerChallenge (challenge: MailboxResponse.Challenge, owner: MailboxOwnerCredentials, limit: AbortOptions): Promise<MailboxRequest.Authenticate> {
  const device = owner.device
  if ('sign' in device) return await signMailboxChallengeWith(challenge, device, owner.accountRecord, { signal: limit.signal })
  return signMailboxChallenge(challenge, device, owner.accountRecord)
}

/**
 * Proves mailbox ownership on a fresh channel: asks the relay for a challenge, refuses one that
 * names another relay (signing it would let this relay act as us there), and answers it.
 */
export async function authenticateOwner (channel: MailboxChannel, owner: MailboxOwnerCredentials, limit: CallLimit): Promise<void> {
  const { challenge } = await channel.request({ getChallenge: {} }, limit)
  if (challenge == null) throw new MalformedFrameError('Relay sent no challenge')
  if (!equalBytes(challenge.relayPeerId, channel.remotePeer.toMultihash().bytes)) {
    throw new MailboxRefusedError('Challenge names another relay', 'ERR_AUTH_FAILED')
  }
  await channel.request({ authenticate: await answerChallenge(challenge, owner, limit) }, limit)
  channel.authenticated = true
}
