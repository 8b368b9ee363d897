#!/usr/bin/env node
/**
 * The `parley` command. `npm start` runs `parley daemon`.
 */
import { Command, Option } from 'commander'
import { ParleyError } from '../errors.js'
import { hasAccount, openHomeNode } from '../node/home.js'
import { exitCodeFor, EXIT } from './exit-codes.js'
import { resolveHome } from './home-dir.js'
import { readPassphrase } from './passphrase.js'

interface GlobalOptions {
  home?: string
  passphraseFile?: string
}

const program = new Command()
program
  .name('parley')
  .description('Parley: a peer-to-peer, end-to-end-encrypted messenger')
  .option('--home <dir>', 'home directory (default: $PARLEY_HOME or ~/.parley)')
  .option('--passphrase-file <file>', 'read the passphrase from a file (else $PARLEY_PASSPHRASE or a prompt)')
  .showHelpAfterError()
  .enablePositionalOptions(false)

/** Global options may stand before or after the subcommand. */
function globals (command: Command): GlobalOptions {
  return command.optsWithGlobals<GlobalOptions>()
}

function collect (value: string, previous: string[]): string[] {
  return [...previous, value]
}

program.command('init')
  .description('create the account and this device; print the account ID')
  .option('--home <dir>', 'home directory')
  .option('--passphrase-file <file>', 'passphrase file')
  .action(async (_opts, command: Command) => {
    const { home, passphraseFile } = globals(command)
    const dir = resolveHome(home)
    if (await hasAccount(dir)) throw new ParleyError(`An account already exists in ${dir}`, 'ERR_ACCOUNT_EXISTS')
    const passphrase = await readPassphrase({ file: passphraseFile, confirm: true })
    const node = await openHomeNode({ home: dir, passphrase, create: true, listen: [] })
    console.log(`account: ${node.address}`)
    console.log(`home:    ${dir}`)
    await node.stop()
  })

program.command('id')
  .description('print the account ID of the home directory')
  .option('--home <dir>', 'home directory')
  .option('--passphrase-file <file>', 'passphrase file')
  .action(async (_opts, command: Command) => {
    const { home, passphraseFile } = globals(command)
    const node = await openHomeNode({ home: resolveHome(home), passphrase: await readPassphrase({ file: passphraseFile }), listen: [] })
    console.log(node.address)
    await node.stop()
  })

program.command('daemon')
  .description('run this device on the network until SIGINT/SIGTERM (creates the account on first run)')
  .option('--home <dir>', 'home directory')
  .option('--passphrase-file <file>', 'passphrase file')
  .option('--listen <multiaddr>', 'listen address (repeatable)', collect, [])
  .option('--bootstrap <multiaddr>', 'bootstrap peer with /p2p/<id> (repeatable; also $PARLEY_BOOTSTRAP, comma-separated)', collect, [])
  .addOption(new Option('--no-create', 'fail instead of creating an account when the home has none'))
  .action(async (opts: { listen: string[], bootstrap: string[], create: boolean }, command: Command) => {
    const { home, passphraseFile } = globals(command)
    const dir = resolveHome(home)
    const creating = opts.create && !(await hasAccount(dir))
    const passphrase = await readPassphrase({ file: passphraseFile, confirm: creating })
    const bootstrap = [...opts.bootstrap, ...(process.env.PARLEY_BOOTSTRAP ?? '').split(',').filter((s) => s.trim() !== '')]
    const node = await openHomeNode({
      home: dir,
      passphrase,
      create: opts.create,
      listen: opts.listen.length > 0 ? opts.listen : undefined,
      bootstrap
    })
    await node.start()
    console.log(`account: ${node.address}${node.created ? ' (new)' : ''}`)
    console.log(`peer:    ${node.peerId.toString()}`)
    for (const addr of node.multiaddrs) console.log(`listen:  ${addr.toString()}`)
    console.log('ready')
    const stop = async (): Promise<void> => {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      await node.stop()
      console.log('stopped')
      process.exit(EXIT.ok)
    }
    const onSignal = (): void => { void stop() }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
  })

try {
  await program.parseAsync(process.argv)
} catch (err) {
  const code = err instanceof ParleyError ? err.code : undefined
  console.error(`parley: ${(err as Error).message}${code != null ? ` (${code})` : ''}`)
  process.exit(exitCodeFor(code))
}
