import { openBrowserNode, type BrowserNode, type BrowserNodeInit } from './browser-node.js'

export type CreateParleyOptions = BrowserNodeInit

/** What `createParley` returns (the Messenger once `src/messenger/messenger.ts` lands). */
export type Parley = BrowserNode

/**
 * Opens Parley in this tab.
 *
 * @example
 * ```ts
 * const parley = await createParley({ relays: ['/dns4/relay.example/tcp/443/wss/p2p/12D3Koo…'] })
 * ```
 */
export async function createParley (options: CreateParleyOptions): Promise<Parley> {
  return openBrowserNode(options)
}
