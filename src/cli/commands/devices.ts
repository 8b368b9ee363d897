import type { Command } from 'commander'
import { createInterface } from 'node:readline/promises'
import type { DeviceView, LinkRequestView } from '../../daemon/api-types.js'
import { ParleyError } from '../../errors.js'
import type { ApiClient } from '../api-client.js'
import { contextOf } from '../context.js'
import { parseDuration } from '../duration.js'
import { terminalQr, wantsQr } from '../format.js'
import { sendingHistoryBar, type SendingHistoryEvent } from '../history-bar.js'
import { readSse } from '../sse-client.js'

/** How long `parley devices link` follows a history with no progress before leaving it to the daemon. */
const HISTORY_IDLE_MS = 120_000

/** `parley devices list|link|rename|unlink`. */
export function registerDevices (program: Command): void {
  const devices = program.command('devices').description('this account\'s devices')

  devices.command('list')
    .description('list this account\'s devices')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }, command: Command) => {
      const ctx = contextOf(command)
      const { items } = await (await ctx.client()).get<{ items: DeviceView[] }>('/v1/devices')
      if (opts.json === true) { ctx.out(JSON.stringify(items)); return }
      for (const d of items) ctx.out(formatDevice(d))
    })

  devices.command('rename')
    .description('name a device of this account (on all of its devices)')
    .argument('<id>', 'device id from `parley devices list` (a unique prefix will do)')
    .argument('<name>', 'the new name')
    .action(async (id: string, name: string, _opts, command: Command) => {
      const ctx = contextOf(command)
      const api = await ctx.client()
      const device = await findDevice(api, id)
      ctx.out(formatDevice(await api.request<DeviceView>('PATCH', `/v1/devices/${device.id}`, { name })))
    })

  devices.command('unlink')
    .description('remove a device from this account: it wipes itself and stops receiving messages')
    .argument('<id>', 'device id from `parley devices list` (a unique prefix will do)')
    .action(async (id: string, _opts, command: Command) => {
      const ctx = contextOf(command)
      const api = await ctx.client()
      const device = await findDevice(api, id)
      await api.request('DELETE', `/v1/devices/${device.id}`)
      ctx.out(`unlinked ${device.name} (${device.id.slice(0, 12)})`)
    })

  devices.command('link')
    .description('print a one-time code for `parley init --link CODE` on a new device, then confirm the new device')
    .option('--ttl <duration>', 'how long the code stays valid', '10m')
    .option('--qr', 'also draw the code as a QR code (default: when stdout is a terminal)')
    .option('--no-qr', 'never draw the QR code')
    .option('--sas <digits>', 'accept the new device only if it shows these digits (without asking)')
    .option('--no-wait', 'only print the code (confirm later: GET/POST /v1/device-links/requests)')
    .action(async (opts: { ttl: string, qr?: boolean, sas?: string, wait: boolean }, command: Command) => {
      const ctx = contextOf(command)
      const api = await ctx.client()
      const ttlMs = parseDuration(opts.ttl)
      // listen before the code exists, so no request is missed
      const stop = new AbortController()
      const events = opts.wait ? await api.fetch('/v1/events?types=device-link-request,history-progress,history-done', { signal: stop.signal }) : undefined
      let idle = false
      try {
        const stream = events?.body != null && events.ok ? readSse(events.body) : undefined
        await stream?.next() // ready
        const { code } = await api.post<{ code: string }>('/v1/device-links', { ttlMs })
        ctx.out(code)
        if (wantsQr(opts)) ctx.out(await terminalQr(code))
        if (stream == null) return
        ctx.out('waiting for the new device (parley init --link CODE)…')
        const timer = setTimeout(() => { stop.abort() }, ttlMs)
        for await (const { event, data } of stream) {
          if (event !== 'device-link-request') continue
          clearTimeout(timer)
          const request = data as LinkRequestView
          const accept = opts.sas != null ? true : await ask(`Does the new device show ${request.sas}? [y/N] `)
          await api.post(`/v1/device-links/requests/${request.id}`, { accept, ...(opts.sas != null ? { sas: opts.sas } : {}) })
          ctx.out(accept ? `linked: the new device ${request.deviceKey.slice(0, 12)} joins this account` : 'declined')
          if (!accept || request.history == null || request.history === 'none') return
          // the history it asked for: a bar while it goes (direct: acknowledged by the new device;
          // relay: sealed for the account's relays), until done or no news for a while
          ctx.out(request.history === 'direct' ? 'sending the history it asked for…' : 'sealing the history it asked for for the account\'s relays…')
          const show = sendingHistoryBar(ctx.out)
          let quiet = setTimeout(() => { idle = true; stop.abort() }, HISTORY_IDLE_MS)
          try {
            for await (const next of stream) {
              const e = next.data as Omit<SendingHistoryEvent, 'type'>
              if ((next.event !== 'history-progress' && next.event !== 'history-done') || e.device !== request.deviceKey) continue
              clearTimeout(quiet)
              quiet = setTimeout(() => { idle = true; stop.abort() }, HISTORY_IDLE_MS)
              if (show({ ...e, type: next.event })) return
            }
          } finally {
            clearTimeout(quiet)
          }
          return
        }
      } catch (err) {
        if (idle) { ctx.out('no news of the history for a while: the daemon carries on with it (it resumes through the relays)'); return }
        if (!stop.signal.aborted) throw err
        ctx.out('the code expired with no new device')
      } finally {
        stop.abort()
      }
    })
}

/** One line: id, name, platform, added, last seen. */
export function formatDevice (d: DeviceView): string {
  const day = (ms: number): string => new Date(ms).toISOString().slice(0, 16).replace('T', ' ')
  const seen = d.thisDevice ? 'this device' : d.lastSeen == null ? 'never seen' : `last seen ${day(d.lastSeen)}`
  return `${d.id.slice(0, 12)}  ${d.name}\t${d.platform}\tadded ${d.addedAt > 0 ? day(d.addedAt) : '?'}\t${seen}`
}

/** The device whose id starts with `prefix` (one only). */
async function findDevice (api: ApiClient, prefix: string): Promise<DeviceView> {
  const { items } = await api.get<{ items: DeviceView[] }>('/v1/devices')
  const matches = items.filter((d) => d.id.startsWith(prefix.toLowerCase()))
  if (matches.length !== 1) throw new ParleyError(matches.length === 0 ? `No device ${prefix} in this account` : `${prefix} names several devices: give more of the id`, matches.length === 0 ? 'ERR_DEVICE_NOT_FOUND' : 'ERR_INVALID_ARGUMENT')
  return matches[0]
}

/** A yes/no question on the terminal (no terminal: no). */
async function ask (question: string): Promise<boolean> {
  if (process.stdin.isTTY !== true) return false
  const rl = createInterface({ input: process.stdin, output: process.stderr })
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim())
  } finally {
    rl.close()
  }
}
