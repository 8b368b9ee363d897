import type { AbortOptions } from '@libp2p/interface'
import parallel from 'it-parallel'
import { equalBytes } from '@noble/ciphers/utils.js'
import { toHex } from '../../bytes.js'
import type { Target } from '../components.js'
import type { MessengerContext } from '../context.js'
import type { AccountResolver } from '../directory/account-resolver.js'
import { GROUP_RESOLVE_CONCURRENCY } from './constants.js'

/** Maps `items` through `fn`, at most `limit` at a time, keeping the order (it-parallel). */
export async function mapBounded<T, R> (items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = []
  for await (const result of parallel(items.map((item) => async () => fn(item)), { concurrency: limit, ordered: true })) out.push(result)
  return out
}

/**
 * Every device a group content goes to: each member's devices (account records resolved
 * {@link GROUP_RESOLVE_CONCURRENCY} at a time, never one after the other), and this account's
 * other devices. A member whose record cannot be found now is left out of this send (logged):
 * it cannot be sealed for, and blocking the group on one member would deny the others.
 */
export async function groupTargets (ctx: MessengerContext, resolver: AccountResolver, members: string[], options: AbortOptions = {}): Promise<Target[]> {
  const log = ctx.log('groups')
  const others = members.filter((m) => m !== ctx.address)
  const resolved = await mapBounded(others, GROUP_RESOLVE_CONCURRENCY, async (address) => {
    try {
      const record = await resolver.resolve(address, options)
      return record.body.deleted ? [] : record.body.devices.map((device): Target => ({ address, device, sync: false }))
    } catch (err) {
      options.signal?.throwIfAborted()
      log('a member\'s account record could not be found, left out of this send - %e', err)
      return []
    }
  })
  const targets = resolved.flat()
  const mine = ctx.components.signer.publicKey
  for (const device of ctx.components.accountRecords.ownBody()?.devices ?? []) {
    if (!equalBytes(device.deviceKey, mine)) targets.push({ address: ctx.address, device, sync: true })
  }
  return targets
}

export const deviceHex = (target: Target): string => toHex(target.device.deviceKey)
