import type { Command } from 'commander'
import { contextOf } from '../context.js'
import { parseDuration } from '../duration.js'
import { terminalQr, wantsQr } from '../format.js'

/** `parley devices list|link`. */
export function registerDevices (program: Command): void {
  const devices = program.command('devices').description('this account\'s devices')

  devices.command('list')
    .description('list this account\'s devices')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }, command: Command) => {
      const ctx = contextOf(command)
      const { items } = await (await ctx.client()).get<{ items: Array<{ deviceKey: string, peerId: string, thisDevice: boolean }> }>('/v1/devices')
      if (opts.json === true) { ctx.out(JSON.stringify(items)); return }
      for (const d of items) ctx.out(`${d.deviceKey}\t${d.peerId}${d.thisDevice ? '\t(this device)' : ''}`)
    })

  devices.command('link')
    .description('print a one-time code for `parley init --link CODE` on a new device')
    .option('--ttl <duration>', 'how long the code stays valid', '10m')
    .option('--qr', 'also draw the code as a QR code (default: when stdout is a terminal)')
    .option('--no-qr', 'never draw the QR code')
    .action(async (opts: { ttl: string, qr?: boolean }, command: Command) => {
      const ctx = contextOf(command)
      const { code } = await (await ctx.client()).post<{ code: string }>('/v1/device-links', { ttlMs: parseDuration(opts.ttl) })
      ctx.out(code)
      if (wantsQr(opts)) ctx.out(await terminalQr(code))
    })
}
