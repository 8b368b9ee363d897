import { createInterface } from 'node:readline/promises'
import type { Command } from 'commander'
import type { QuarantinedView, StatusView } from '../../daemon/api-types.js'
import { contextOf, kdfFromEnv, type CliContext } from '../context.js'
import { INACTIVITY_PERIODS } from '../duration.js'
import { NoDaemonError, UsageError } from '../errors.js'
import { formatQuarantined, formatStatus, terminalQr, unreadableLine, wantsQr } from '../format.js'
import { readPassphrase } from '../passphrase.js'
import { readPublicAccount, writePublicAccount, type PublicAccount } from '../public-account.js'

/** `parley id`, `status`, `unreadable`, `ui`, `settings set`, `account delete`. */
export function registerAccount (program: Command): void {
  program.command('id')
    .description('print this account\'s ID (address) and invite link (with its QR code on a terminal)')
    .option('--json', 'print JSON')
    .option('--qr', 'also draw the invite link as a QR code (default: when stdout is a terminal)')
    .option('--no-qr', 'never draw the QR code')
    .action(async (opts: { json?: boolean, qr?: boolean }, command: Command) => {
      const ctx = contextOf(command)
      const account = await accountOf(ctx)
      if (opts.json === true) { ctx.out(JSON.stringify(account)); return }
      ctx.out(account.address)
      ctx.out(account.inviteLink)
      if (wantsQr(opts)) ctx.out(await terminalQr(account.inviteLink))
    })

  program.command('status')
    .description('peers, relays, DHT table size, outbox size and versions')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }, command: Command) => {
      const ctx = contextOf(command)
      const api = await ctx.client()
      const status = await api.get<StatusView & { daemonVersion: string }>('/v1/status')
      if (opts.json === true) ctx.out(JSON.stringify({ ...status, api: api.url }))
      else formatStatus(status, api.url).forEach(ctx.out)
    })

  program.command('unreadable')
    .description('messages that could not be read: relay envelopes given up on after bounded retries, with the reason')
    .option('--json', 'print JSON')
    .option('--retry', 'first receive the kept envelopes again (after the network or the sender\'s record came back)')
    .action(async (opts: { json?: boolean, retry?: boolean }, command: Command) => {
      const ctx = contextOf(command)
      const api = await ctx.client()
      if (opts.retry === true) {
        const retried = await api.post<{ received: number, failed: number }>('/v1/quarantine/retry')
        if (opts.json !== true) ctx.out(`retried: ${retried.received} received, ${retried.failed} still unreadable`)
      }
      const { items } = await api.get<{ items: QuarantinedView[] }>('/v1/quarantine')
      if (opts.json === true) { ctx.out(JSON.stringify(items)); return }
      ctx.out(unreadableLine(items.length))
      items.forEach((q) => { ctx.out(formatQuarantined(q)) })
    })

  program.command('ui')
    .description('print a new one-time login link for the web UI')
    .action(async (_opts, command: Command) => {
      const ctx = contextOf(command)
      ctx.out((await (await ctx.client()).post<{ url: string }>('/v1/login-links')).url)
    })

  const settings = program.command('settings').description('account settings')
  settings.command('set')
    .description('set a setting: `inactivity 1m|3m|6m|12m` (self-destruct after months of silence) or `read-receipts on|off`')
    .argument('<key>', 'inactivity | read-receipts')
    .argument('<value>', 'the value')
    .action(async (key: string, value: string, _opts, command: Command) => {
      const ctx = contextOf(command)
      let body: Record<string, unknown>
      if (key === 'inactivity') {
        const days = INACTIVITY_PERIODS[value]
        if (days == null) throw new UsageError('inactivity must be 1m, 3m, 6m or 12m')
        body = { inactivityDays: days }
      } else if (key === 'read-receipts') {
        if (value !== 'on' && value !== 'off') throw new UsageError('read-receipts must be on or off')
        body = { readReceipts: value === 'on' }
      } else {
        throw new UsageError(`Unknown setting "${key}" (inactivity, read-receipts)`)
      }
      await (await ctx.client()).request('PATCH', '/v1/settings', body)
      ctx.out(`${key} set to ${value}`)
    })

  const account = program.command('account').description('the account itself')
  account.command('delete')
    .description('delete the account for good: publish a tombstone, purge relays, wipe this device')
    .option('--yes', 'do not ask for confirmation')
    .action(async (opts: { yes?: boolean }, command: Command) => {
      const ctx = contextOf(command)
      const api = await ctx.client()
      const { address } = await api.get<{ address: string }>('/v1/account')
      if (opts.yes !== true) {
        if (process.stdin.isTTY !== true) throw new UsageError('Pass --yes to delete the account without a terminal')
        const rl = createInterface({ input: process.stdin, output: process.stderr })
        const answer = await rl.question(`Delete account ${address} and every message on this device? Type "delete": `)
        rl.close()
        if (answer.trim() !== 'delete') { ctx.out('kept'); return }
      }
      await api.request('DELETE', `/v1/account?confirm=${encodeURIComponent(address)}`)
      ctx.out(`account ${address} deleted`)
    })
}

/**
 * The address and invite link: from the running daemon; else from `<home>/account.json` (written
 * by `init` and `daemon`); else, for a home made before that file existed, from the store itself
 * (asks for the passphrase, touches no network) — and the file is written for next time.
 */
async function accountOf (ctx: CliContext): Promise<PublicAccount> {
  try {
    return await (await ctx.client()).get<PublicAccount>('/v1/account')
  } catch (err) {
    if (!(err instanceof NoDaemonError)) throw err
  }
  const saved = await readPublicAccount(ctx.home)
  if (saved != null) return saved
  const [{ openDaemonMessenger }, { hasAccount, NoAccountError }] = await Promise.all([
    import('../../daemon/open-messenger.js'), import('../../daemon/home.js')
  ])
  if (!(await hasAccount(ctx.home))) throw new NoAccountError(`No account in ${ctx.home}: create one with \`parley init\` (or \`parley daemon\`)`)
  const passphrase = await readPassphrase({ file: ctx.passphraseFile })
  const opened = await openDaemonMessenger({ home: ctx.home, passphrase, listen: [], kdf: kdfFromEnv() })
  try {
    const account = { address: opened.messenger.address, inviteLink: opened.messenger.inviteLink() }
    await writePublicAccount(ctx.home, account)
    return account
  } finally {
    await opened.stop()
  }
}
