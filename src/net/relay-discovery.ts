import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'

/** The string whose CID relays provide in the DHT. */
export const RELAY_PROVIDER_KEY = '/parley/relays/v1'

/**
 * The CID every Parley relay provides in the DHT: CIDv1 (raw, sha2-256) of `/parley/relays/v1`.
 * Find relays with `libp2p.contentRouting.findProviders(await relayProviderCid())`.
 *
 * @example
 * ```ts
 * for await (const provider of libp2p.contentRouting.findProviders(await relayProviderCid())) console.log(provider.id)
 * ```
 */
export async function relayProviderCid (): Promise<CID> {
  return CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode(RELAY_PROVIDER_KEY)))
}
