import type { ApiDeps } from '../api-deps.js'
import type { Route } from '../route.js'
import { accountRoutes } from './account.js'
import { authRoutes } from './auth.js'
import { channelRoutes } from './channels.js'
import { channelFileRoutes } from './channel-files.js'
import { contactRoutes } from './contacts.js'
import { conversationRoutes } from './conversations.js'
import { eventRoutes } from './events.js'
import { fileRoutes } from './files.js'
import { groupRoutes } from './groups.js'
import { groupLinkRoutes } from './group-links.js'
import { messageRoutes } from './messages.js'
import { searchRoutes } from './search.js'

/** Hooks the daemon passes to the routes. */
export interface RouteHooks {
  /** The account was deleted through the API: the daemon should stop. */
  onAccountDeleted?: () => void
}

/** Every route of the local API (`/v1/…`), in documentation order. */
export function apiRoutes (deps: ApiDeps, hooks: RouteHooks = {}): Route[] {
  return [
    ...authRoutes(deps),
    ...accountRoutes(deps, hooks),
    ...contactRoutes(deps),
    ...conversationRoutes(deps),
    ...messageRoutes(deps),
    ...fileRoutes(deps),
    ...searchRoutes(deps),
    ...groupLinkRoutes(deps),
    ...groupRoutes(deps),
    ...channelRoutes(deps),
    ...channelFileRoutes(deps),
    ...eventRoutes(deps)
  ]
}
