import type { Libp2p } from '@libp2p/interface'
import { MailboxClient, type DepositReceipt, type HandedPrekey, type RelayOutcome, type RelayTarget } from '../net/mailbox-client.js'
import type { Envelope } from '../net/envelope-codec.js'
import { createEphemeralLibp2p } from '../node/create-libp2p.js'
import type { PlatformOptions } from '../node/platform-options.js'

/** Deposits made before the throwaway identity is replaced. */
const DEPOSITS_PER_IDENTITY = 500
/** …or after this long. */
const IDENTITY_LIFETIME_MS = 30 * 60 * 1000

/**
 * Deposits envelopes at relays from a throwaway libp2p identity, replaced every few hundred
 * deposits or half hour, so that relays see neither the sender's account nor its device.
 */
export class AnonymousDepositor {
  private current: { node: Libp2p, client: MailboxClient, created: number, deposits: number } | undefined
  private opening: Promise<{ node: Libp2p, client: MailboxClient, created: number, deposits: number }> | undefined

  constructor (private readonly init: PlatformOptions & { allowPrivateAddresses?: boolean } = {}) {}

  private async identity (): Promise<{ node: Libp2p, client: MailboxClient, created: number, deposits: number }> {
    const now = Date.now()
    if (this.current != null && this.current.deposits < DEPOSITS_PER_IDENTITY && now - this.current.created < IDENTITY_LIFETIME_MS) return this.current
    if (this.opening != null) return this.opening
    const old = this.current
    this.current = undefined
    this.opening = (async () => {
      if (old != null) { void old.client.stop().then(async () => old.node.stop()).catch(() => {}) }
      const node = await createEphemeralLibp2p(this.init)
      await node.start()
      const fresh = { node, client: new MailboxClient(node), created: Date.now(), deposits: 0 }
      this.current = fresh
      return fresh
    })()
    try { return await this.opening } finally { this.opening = undefined }
  }

  /** Deposits at every relay in parallel; one outcome per relay. */
  async depositToAll (relays: RelayTarget[], envelope: Envelope, options: { signal?: AbortSignal } = {}): Promise<Array<RelayOutcome<DepositReceipt>>> {
    const id = await this.identity()
    id.deposits++
    return id.client.depositToAll(relays, envelope, options)
  }

  /** Takes one prekey per kind for a device from the first relay that has any (anonymously). */
  async takePrekey (relays: RelayTarget[], deviceKey: Uint8Array, options: { signal?: AbortSignal } = {}): Promise<HandedPrekey[]> {
    const id = await this.identity()
    for (const relay of relays) {
      try {
        const prekeys = await id.client.takePrekey(relay, deviceKey, options)
        if (prekeys.length > 0) return prekeys
      } catch { /* next relay */ }
    }
    return []
  }

  async stop (): Promise<void> {
    const current = this.current ?? (this.opening != null ? await this.opening.catch(() => undefined) : undefined)
    this.current = undefined
    if (current != null) {
      await current.client.stop()
      await current.node.stop()
    }
  }
}
