import type { AbortOptions } from '@libp2p/interface'
import type { GroupView } from '../daemon/api-types.js'
import type { ApiClient } from './api-client.js'
import { AmbiguousContactError, ContactNotFoundError, GroupNotFoundError } from './errors.js'
import { resolveContact } from './contact-ref.js'

/** The group `<group>` names (its id, or its name, case-insensitive), or undefined. Throws AmbiguousContactError for a name several groups share. */
export async function findGroup (api: ApiClient, ref: string, options: AbortOptions = {}): Promise<GroupView | undefined> {
  const { items } = await api.get<{ items: GroupView[] }>('/v1/groups', options)
  const byId = items.find((g) => g.id === ref)
  if (byId != null) return byId
  const byName = items.filter((g) => g.name.toLowerCase() === ref.toLowerCase())
  if (byName.length > 1) throw new AmbiguousContactError(ref, byName.length)
  return byName[0]
}

/** As `findGroup`, but throws GroupNotFoundError when none matches. */
export async function resolveGroup (api: ApiClient, ref: string, options: AbortOptions = {}): Promise<GroupView> {
  const group = await findGroup(api, ref, options)
  if (group == null) throw new GroupNotFoundError(ref)
  return group
}

/**
 * The conversation `<contact-or-group>` names: a contact (address or name) first, else a group
 * (id or name). Returns the conversation id and a display name of the peer (for groups: empty,
 * each message shows its sender).
 */
export async function contactOrGroup (api: ApiClient, ref: string, options: AbortOptions = {}): Promise<{ group: GroupView } | { group?: undefined }> {
  try {
    await resolveContact(api, ref, options)
    return {}
  } catch (err) {
    if (!(err instanceof ContactNotFoundError)) throw err
    const group = await findGroup(api, ref, options)
    if (group == null) throw err
    return { group }
  }
}

/** What an address looks like (base58btc, 40+ characters); the daemon checks it. */
const ADDRESS_LIKE = /^[1-9A-HJ-NP-Za-km-z]{40,64}$/

/** Member addresses of `<contact…>` refs: contacts' addresses or names, or any account's address. */
export async function memberAddresses (api: ApiClient, refs: string[], options: AbortOptions = {}): Promise<string[]> {
  const out: string[] = []
  for (const ref of refs) {
    try {
      out.push((await resolveContact(api, ref, options)).address)
    } catch (err) {
      // a member need not be a contact (another admin added them): an address is taken as it is
      if (!(err instanceof ContactNotFoundError) || !ADDRESS_LIKE.test(ref)) throw err
      out.push(ref)
    }
  }
  return out
}
