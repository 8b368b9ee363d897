import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Command } from 'commander'
import { ParleyError } from '../../errors.js'
import { collect, contextOf, kdfFromEnv, testNetworkFromEnv } from '../context.js'
import { UsageError } from '../errors.js'
import { historyBar } from '../history-bar.js'
import { readPassphrase } from '../passphrase.js'
import { writePublicAccount } from '../public-account.js'

interface InitOptions {
  name?: string
  link?: string
  bootstrap: string[]
  relay: string[]
  history: string
  historyVia: string
}

/** `parley init [--name NAME] [--link CODE]`: creates the account (or joins one) and this device. */
export function registerInit (program: Command): void {
  program.command('init')
    .description('create the account and this device (or join an account with --link); print the account ID and an invite link')
    .option('--name <name>', 'a label for this account on this machine (kept in the home directory; not shared)')
    .option('--link <code>', 'join an existing account as a new device: a code from `parley devices link` on one of its devices')
    .option('--bootstrap <multiaddr>', 'with --link: a peer to reach the other device through (repeatable)', collect, [])
    .option('--relay <multiaddr>', 'with --link: a relay of the account (repeatable)', collect, [])
    .option('--history <scope>', 'with --link: the history to bring over: all, none or <days>d (normal chats only; never secret chats)', '30d')
    .option('--history-via <way>', 'with --link: direct (now, from the other device) or relay (sealed for the account\'s relays: arrives once this device runs, even if the other is offline by then)', 'direct')
    .action(async (opts: InitOptions, command: Command) => {
      const ctx = contextOf(command)
      // loaded here so that client commands do not pay for libp2p at start
      const [{ openDaemonMessenger }, { hasAccount }] = await Promise.all([import('../../daemon/open-messenger.js'), import('../../daemon/home.js')])
      if (await hasAccount(ctx.home)) throw new ParleyError(`An account already exists in ${ctx.home}`, 'ERR_ACCOUNT_EXISTS')
      if (opts.historyVia !== 'direct' && opts.historyVia !== 'relay') throw new UsageError(`--history-via is direct or relay, not ${opts.historyVia}`)
      const passphrase = await readPassphrase({ file: ctx.passphraseFile, confirm: true })
      const opened = await openDaemonMessenger({
        home: ctx.home,
        passphrase,
        create: true,
        linkCode: opts.link,
        onLinkSas: (sas) => { ctx.out(`confirm on your other device that it shows: ${sas}`) },
        history: opts.history,
        historyVia: opts.historyVia,
        onHistoryProgress: historyBar(ctx.out),
        listen: [],
        bootstrap: opts.bootstrap,
        relays: opts.relay,
        kdf: kdfFromEnv(),
        testNetwork: testNetworkFromEnv()
      })
      try {
        if (opts.name != null) await writeLabel(ctx.home, opts.name)
        await writePublicAccount(ctx.home, { address: opened.messenger.address, inviteLink: opened.messenger.inviteLink() })
        ctx.out(`account: ${opened.messenger.address}${opts.link != null ? ' (joined as a new device)' : ''}`)
        ctx.out(`invite:  ${opened.messenger.inviteLink()}`)
        ctx.out(`home:    ${ctx.home}`)
      } finally {
        await opened.stop()
      }
    })
}

/** Keeps `--name` as a local label file `<home>/name` (the protocol has no profile names yet). */
async function writeLabel (home: string, name: string): Promise<void> {
  await writeFile(join(home, 'name'), name + '\n', { mode: 0o600 })
}
