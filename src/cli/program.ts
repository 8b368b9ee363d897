import { Command } from 'commander'
import { VERSION } from '../version.js'
import { registerAccount } from './commands/account.js'
import { registerChat } from './commands/chat.js'
import { registerChannels } from './commands/channels.js'
import { registerContacts } from './commands/contacts.js'
import { registerDaemon } from './commands/daemon.js'
import { registerDevices } from './commands/devices.js'
import { registerFleet } from './commands/fleet.js'
import { registerFiles } from './commands/files.js'
import { registerGroups } from './commands/groups.js'
import { registerInit } from './commands/init.js'
import { registerMessages } from './commands/messages.js'
import { registerSearch } from './commands/search.js'
import { registerRelay } from './commands/relay.js'
import { registerSecret } from './commands/secret.js'

/**
 * The `parley` command tree. Global options (`--home`, `--passphrase-file`) may stand before
 * or after the subcommand. `init`, `daemon` and `relay` work on their own; every other command
 * is a client of the running daemon's local API.
 */
export function buildProgram (): Command {
  const program = new Command()
  program
    .name('parley')
    .description('Parley: a peer-to-peer, end-to-end-encrypted messenger')
    .version(VERSION, '-V, --version')
    .option('--home <dir>', 'home directory (default: $PARLEY_HOME or ~/.parley)')
    .option('--passphrase-file <file>', 'read the passphrase from a file (else $PARLEY_PASSPHRASE or a prompt)')
    .showHelpAfterError()
    .exitOverride()
  registerInit(program)
  registerDaemon(program)
  registerAccount(program)
  registerContacts(program)
  registerMessages(program)
  registerFiles(program)
  registerSearch(program)
  registerChat(program)
  registerSecret(program)
  registerDevices(program)
  registerRelay(program)
  registerFleet(program)
  registerGroups(program)
  registerChannels(program)
  // exitOverride is not inherited by subcommands created before it is set on them
  const override = (command: Command): void => { command.exitOverride(); command.commands.forEach(override) }
  override(program)
  return program
}
