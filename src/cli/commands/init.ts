import type { Command } from 'commander'
import { openHomeMessenger } from '../../daemon/open-messenger.js'
import { ParleyError } from '../../errors.js'
import { hasAccount } from '../../node/home.js'
import { contextOf, kdfFromEnv } from '../context.js'
import { readPassphrase } from '../passphrase.js'

/** `parley init [--name NAME]`: creates the account and this device. */
export function registerInit (program: Command): void {
  program.command('init')
    .description('create the account and this device; print the account ID and an invite link')
    .option('--name <name>', 'a name for this device (shown in `parley status`)')
    .action(async (_opts: { name?: string }, command: Command) => {
      const ctx = contextOf(command)
      if (await hasAccount(ctx.home)) throw new ParleyError(`An account already exists in ${ctx.home}`, 'ERR_ACCOUNT_EXISTS')
      const passphrase = await readPassphrase({ file: ctx.passphraseFile, confirm: true })
      const opened = await openHomeMessenger({ home: ctx.home, passphrase, create: true, listen: [], kdf: kdfFromEnv() })
      try {
        ctx.out(`account: ${opened.messenger.address}`)
        ctx.out(`invite:  ${opened.messenger.inviteLink()}`)
        ctx.out(`home:    ${ctx.home}`)
      } finally {
        await opened.stop()
      }
    })
}
