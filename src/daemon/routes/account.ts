import type { ApiDeps } from '../api-deps.js'
import { InvalidRequestError } from '../errors.js'
import type { Route } from '../route.js'
import { object, optionalBoolean, optionalInteger, optionalString } from '../validate.js'

const INACTIVITY_DAYS = [30, 90, 180, 365] as const

/** Account, status, settings and account deletion. */
export function accountRoutes (deps: ApiDeps, hooks: { onAccountDeleted?: () => void } = {}): Route[] {
  const { messenger } = deps
  return [{
    method: 'GET',
    path: '/v1/account',
    summary: 'This account\'s address and invite link',
    handler: async () => ({ address: messenger.address, inviteLink: messenger.inviteLink() })
  }, {
    method: 'GET',
    path: '/v1/status',
    summary: 'Network and outbox status, versions',
    handler: async ({ signal }) => ({ ...(await messenger.status({ signal })), daemonVersion: deps.version })
  }, {
    method: 'GET',
    path: '/v1/quarantine',
    summary: 'Relay envelopes that could not be read and were quarantined, with the reason (oldest first)',
    handler: async ({ signal }) => ({ items: await messenger.quarantined({ signal }) })
  }, {
    method: 'POST',
    path: '/v1/quarantine/retry',
    summary: 'Receive the kept quarantined envelopes again; those that open leave the quarantine',
    handler: async ({ signal }) => await messenger.retryQuarantined({ signal })
  }, {
    method: 'PATCH',
    path: '/v1/settings',
    summary: 'Change account settings (inactivity period, read receipts)',
    handler: async ({ body, signal }) => {
      const input = object(await body())
      const inactivityDays = optionalInteger(input, 'inactivityDays', 1, 365)
      const readReceipts = optionalBoolean(input, 'readReceipts')
      if (inactivityDays !== undefined) {
        if (!(INACTIVITY_DAYS as readonly number[]).includes(inactivityDays)) throw new InvalidRequestError('"inactivityDays" must be 30, 90, 180 or 365')
        await messenger.setInactivityPeriod(inactivityDays as 30 | 90 | 180 | 365, { signal })
      }
      if (readReceipts !== undefined) await messenger.setReadReceipts(readReceipts, { signal })
      return { ...(inactivityDays !== undefined ? { inactivityDays } : {}), ...(readReceipts !== undefined ? { readReceipts } : {}) }
    }
  }, {
    method: 'GET',
    path: '/v1/devices',
    summary: 'This account\'s devices',
    handler: async () => ({ items: await messenger.devices() })
  }, {
    method: 'PATCH',
    path: '/v1/devices/{id}',
    summary: 'Rename a device of this account (on all of its devices)',
    handler: async ({ params, body, signal }) => {
      const name = optionalString(object(await body()), 'name', 64)
      if (name === undefined) throw new InvalidRequestError('Pass "name"')
      return await messenger.renameDevice(params.id, name, { signal })
    }
  }, {
    method: 'DELETE',
    path: '/v1/devices/{id}',
    summary: 'Unlink a device from this account: the record is re-signed without it and it wipes itself',
    handler: async ({ params, signal }) => {
      await messenger.unlinkDevice(params.id, { signal })
      return undefined
    }
  }, {
    method: 'POST',
    path: '/v1/device-links',
    status: 201,
    summary: 'A one-time code with which a new device joins this account (`parley init --link CODE`)',
    handler: async ({ body }) => {
      const ttlMs = optionalInteger(object(await body()), 'ttlMs', 10_000, 3_600_000)
      return { code: await messenger.createDeviceLink(ttlMs !== undefined ? { ttlMs } : {}) }
    }
  }, {
    method: 'GET',
    path: '/v1/device-links/requests',
    summary: 'Link requests waiting for confirmation (compare each sas with the new device\'s)',
    handler: async () => ({ items: messenger.deviceLinkRequests() })
  }, {
    method: 'POST',
    path: '/v1/device-links/requests/{id}',
    summary: 'Confirm (accept: true, after comparing the string; sas checked when given) or decline a link request',
    handler: async ({ params, body }) => {
      const input = object(await body())
      const accept = optionalBoolean(input, 'accept')
      if (accept === undefined) throw new InvalidRequestError('Pass "accept"')
      await messenger.confirmDeviceLink(params.id, accept, { sas: optionalString(input, 'sas', 16) })
      return undefined
    }
  }, {
    method: 'DELETE',
    path: '/v1/account',
    summary: 'Delete the account: signed tombstone, relays purged, this device wiped; the daemon stops',
    handler: async ({ query, signal }) => {
      if (query.get('confirm') !== messenger.address) throw new InvalidRequestError('Pass ?confirm=<your address> to delete the account')
      await messenger.deleteAccount({ signal })
      hooks.onAccountDeleted?.()
      return undefined
    }
  }]
}
