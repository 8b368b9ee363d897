import { peerIdFromMultihash } from '@libp2p/peer-id'
import { randomBytes } from '@noble/hashes/utils.js'
import * as Digest from 'multiformats/hashes/digest'
import { toHex } from '../../bytes.js'
import { ErrorCode, ParleyError } from '../../errors.js'
import { LINK_CONFIRM_WINDOW_MS } from '../constants.js'
import type { MessengerContext } from '../context.js'
import type { LinkRequestView } from '../types.js'

/** Most link requests waiting for confirmation at once; more are declined. */
export const MAX_PENDING_LINKS = 4

/** No such link request is waiting (it was answered, or the new device gave up). */
export class LinkRequestNotFoundError extends ParleyError {
  static override name = 'LinkRequestNotFoundError'
  constructor (id: string) { super(`No link request ${id} is waiting`, ErrorCode.LINK_REQUEST_NOT_FOUND) }
}

interface Pending { view: LinkRequestView, done: (accept: boolean) => void }

/**
 * Link requests waiting for the user: each is shown (a `device-link-request` event with its
 * short authentication string) and linked only when the user confirms it; declined when the
 * user says no, when the new device gives up (the protocol's deadline) or when the messenger stops.
 */
export class LinkConfirmations {
  private readonly pending = new Map<string, Pending>()

  constructor (private readonly ctx: MessengerContext) {}

  /** The handler the device-link service calls for each request. */
  readonly ask = async (request: { sas: string, deviceKey: Uint8Array, peerId: Uint8Array, history?: 'none' | 'direct' | 'relay' }, { signal }: { signal: AbortSignal }): Promise<boolean> => {
    if (this.pending.size >= MAX_PENDING_LINKS || signal.aborted) return false
    const id = toHex(randomBytes(8))
    const view: LinkRequestView = {
      id,
      sas: request.sas,
      deviceKey: toHex(request.deviceKey),
      peerId: peerIdFromMultihash(Digest.decode(request.peerId)).toString(),
      expiresAt: this.ctx.now() + LINK_CONFIRM_WINDOW_MS,
      history: request.history
    }
    return await new Promise<boolean>((resolve) => {
      const onAbort = (): void => { done(false) }
      const done = (accept: boolean): void => {
        if (!this.pending.delete(id)) return
        signal.removeEventListener('abort', onAbort)
        resolve(accept)
      }
      signal.addEventListener('abort', onAbort, { once: true })
      this.pending.set(id, { view, done })
      this.ctx.emit('device-link-request', view)
    })
  }

  list (): LinkRequestView[] {
    return [...this.pending.values()].map((p) => p.view)
  }

  /** Confirms or declines; a given `sas` that differs declines it (someone else used the code). */
  answer (id: string, accept: boolean, sas?: string): void {
    const pending = this.pending.get(id)
    if (pending == null) throw new LinkRequestNotFoundError(id)
    if (accept && sas != null && sas.replace(/\D/g, '') !== pending.view.sas.replace(/\D/g, '')) {
      pending.done(false)
      throw new ParleyError('The code the new device shows does not match: the link was declined', ErrorCode.LINK_DECLINED)
    }
    pending.done(accept)
  }

  /** Declines everything waiting. */
  stop (): void {
    for (const p of [...this.pending.values()]) p.done(false)
  }
}
