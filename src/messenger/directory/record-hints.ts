import { RECORD_HINT_INTERVAL_MS, RECORD_HINT_MEMORY } from '../constants.js'
import type { MessengerContext } from '../context.js'
import type { AccountResolver } from './account-resolver.js'

interface HintState { tried: bigint, at: number, timer?: ReturnType<typeof setTimeout> }

/**
 * Every content carries the sequence of its sender's account record (`sender_record_seq`). When
 * it is above the copy this device holds, the sender's account changed (typically: it linked a
 * device) and this device looks the record up again, bypassing the directory's cache, so that
 * what it sends next reaches the new device too (and the resolver's devices-added handler sends
 * it what it missed). A sender costs at most one fresh lookup per `RECORD_HINT_INTERVAL_MS`
 * whatever it claims: a hint inside the interval is kept for one lookup at its end.
 */
export class RecordHints {
  private readonly state = new Map<string, HintState>()

  constructor (private readonly ctx: MessengerContext, private readonly resolver: AccountResolver) {}

  /** A verified content from `sender` said its record is at `claimed`; this device holds `known`. */
  note (sender: string, claimed: bigint, known: bigint): void {
    // this account's own devices tell each other of a new record with a SYNC update
    if (claimed <= known || sender === this.ctx.address || !this.ctx.running) return
    const now = this.ctx.now()
    const state = this.state.get(sender)
    if (state == null) {
      this.remember(sender, { tried: claimed, at: now })
      this.lookup(sender)
      return
    }
    if (state.timer != null) return
    if (now - state.at >= RECORD_HINT_INTERVAL_MS) {
      state.tried = claimed
      state.at = now
      this.lookup(sender)
      return
    }
    const shutdown = this.ctx.shutdown
    const clear = (): void => { clearTimeout(state.timer); state.timer = undefined }
    shutdown.addEventListener('abort', clear, { once: true })
    state.timer = setTimeout(() => {
      state.timer = undefined
      shutdown.removeEventListener('abort', clear)
      if (shutdown.aborted) return
      state.tried = claimed
      state.at = this.ctx.now()
      this.lookup(sender)
    }, RECORD_HINT_INTERVAL_MS - (now - state.at))
  }

  private remember (sender: string, state: HintState): void {
    this.state.set(sender, state)
    while (this.state.size > RECORD_HINT_MEMORY) {
      const [oldest, old] = this.state.entries().next().value as [string, HintState]
      if (old.timer != null) clearTimeout(old.timer)
      this.state.delete(oldest)
    }
  }

  private lookup (sender: string): void {
    const signal = AbortSignal.any([this.ctx.shutdown, AbortSignal.timeout(RECORD_HINT_INTERVAL_MS * 6)])
    void this.resolver.resolve(sender, { fresh: true, signal }).catch((err: unknown) => {
      this.ctx.log('directory')('a fresh lookup of a contact whose record changed failed - %e', err)
    })
  }
}
