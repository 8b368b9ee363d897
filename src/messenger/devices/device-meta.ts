import { toHex } from '../../bytes.js'
import type { StoreRepos } from '../../store/index.js'
import type { Content } from '../../wire/content.js'

/** Most characters of a device name. */
export const MAX_DEVICE_NAME = 64

/** What this device knows of one device of its account beyond the record: its name, when it was last heard from. */
export interface DeviceMeta {
  name?: string
  lastSeen?: number
}

type Repos = Pick<StoreRepos, 'settings'>

const metaKey = (deviceHex: string): string => `device-meta:${deviceHex}`

export async function readDeviceMeta (repos: Repos, deviceHex: string): Promise<DeviceMeta> {
  const value = await repos.settings.get(metaKey(deviceHex))
  if (value == null || typeof value !== 'object' || value instanceof Uint8Array || Array.isArray(value)) return {}
  const v = value as { name?: unknown, lastSeen?: unknown }
  return { name: typeof v.name === 'string' ? v.name : undefined, lastSeen: typeof v.lastSeen === 'number' ? v.lastSeen : undefined }
}

export async function writeDeviceMeta (repos: Repos, deviceHex: string, change: DeviceMeta): Promise<void> {
  const meta = { ...(await readDeviceMeta(repos, deviceHex)), ...change }
  const value: Record<string, string | number> = {}
  if (meta.name != null) value.name = meta.name
  if (meta.lastSeen != null) value.lastSeen = meta.lastSeen
  await repos.settings.put(metaKey(deviceHex), value)
}

/** Minimum time between two writes of one own device's "last seen" (a write per message would cost a put each). */
export const LAST_SEEN_RESOLUTION_MS = 60_000

/** Notes that another device of this account was just heard from (at most once a minute per device). */
export async function noteOwnDeviceSeen (repos: Repos, deviceKey: Uint8Array, now: number): Promise<void> {
  const hex = toHex(deviceKey)
  const meta = await readDeviceMeta(repos, hex)
  if (meta.lastSeen != null && now - meta.lastSeen < LAST_SEEN_RESOLUTION_MS) return
  await writeDeviceMeta(repos, hex, { lastSeen: now })
}

/**
 * Last-writer-wins per (group, subject): a sync update (or a local change) applies only when its
 * version, (sent_at, message id), is above the last one applied to the same thing. Applying an
 * update twice, or an older one after a newer, changes nothing.
 */
export async function claimVersion (repos: Repos, group: string, subject: Uint8Array, content: Pick<Content, 'sentAt' | 'messageId'>): Promise<boolean> {
  const key = `sync-lww:${group}:${toHex(subject)}`
  const version = `${content.sentAt.toString().padStart(20, '0')}:${toHex(content.messageId)}`
  const last = await repos.settings.get(key)
  if (typeof last === 'string' && last >= version) return false
  await repos.settings.put(key, version)
  return true
}
