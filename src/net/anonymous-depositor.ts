import type { AbortOptions, ComponentLogger, Libp2p, Logger } from '@libp2p/interface'
import { toHex } from '../bytes.js'
import type { DepositReceipt, HandedPrekey, RelayOutcome, RelayTarget } from './mailbox-client.js'
import type { Envelope } from './envelope-codec.js'
import { DepositorIdentities, type DepositorIdentitiesInit } from './depositor-identities.js'

/**
 * Creates a throwaway libp2p node (fresh random PeerId, no listeners): `src/node/` hands over
 * `createEphemeralNode` from `src/p2p/` with the platform's options bound.
 */
export type CreateEphemeralNode = (options?: AbortOptions) => Promise<Libp2p>

export interface AnonymousDepositorInit extends Pick<DepositorIdentitiesInit, 'maxAlive' | 'idleMs' | 'lifetimeMs' | 'usesPerIdentity'> {
  logger: ComponentLogger
  /** Where the throwaway identities come from: one node per identity. */
  createEphemeralNode: CreateEphemeralNode
}

/**
 * Talks to relays for things anyone may do (deposits, prekey takes) from throwaway libp2p
 * identities, so that relays see neither the sender's account nor its device, and cannot link
 * one sender's deposits across recipients: deposits for each recipient device go through an
 * identity of their own (kept for that device only, a short while), so copies to the sender's
 * own devices never share one with deposits to others; each prekey take uses a one-shot
 * identity. What still links them is the sender's IP address and timing (docs/PROTOCOL.md §4).
 */
export class AnonymousDepositor {
  private readonly identities: DepositorIdentities
  private readonly log: Logger

  constructor (init: AnonymousDepositorInit) {
    const { logger, maxAlive, idleMs, lifetimeMs, usesPerIdentity, createEphemeralNode } = init
    this.log = logger.forComponent('parley:depositor')
    this.identities = new DepositorIdentities({
      createNode: async () => createEphemeralNode(),
      logger,
      maxAlive,
      idleMs,
      lifetimeMs,
      usesPerIdentity
    })
  }

  /** Throwaway nodes running now. */
  get aliveIdentities (): number {
    return this.identities.aliveCount
  }

  /** Deposits at every relay in parallel, from the identity of the envelope's recipient device; one outcome per relay. */
  async depositToAll (relays: RelayTarget[], envelope: Envelope, options: AbortOptions = {}): Promise<Array<RelayOutcome<DepositReceipt>>> {
    return this.identities.withRecipient(toHex(envelope.recipientDevice),
      async ({ client }) => client.depositToAll(relays, envelope, options), options)
  }

  /** Takes one prekey per kind for a device from the first relay that has any, from a one-shot identity. */
  async takePrekey (relays: RelayTarget[], deviceKey: Uint8Array, options: AbortOptions = {}): Promise<HandedPrekey[]> {
    return this.identities.withOneShot(async ({ client }) => {
      for (const relay of relays) {
        try {
          const prekeys = await client.takePrekey(relay, deviceKey, options)
          if (prekeys.length > 0) return prekeys
        } catch (err) {
          this.log('prekey take failed at a relay, trying the next - %e', err)
        }
      }
      return []
    }, options)
  }

  async stop (): Promise<void> {
    await this.identities.stop()
  }
}
