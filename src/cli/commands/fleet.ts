import type { Command } from 'commander'
import { collect } from '../context.js'
import { parseDuration } from '../duration.js'
import { UsageError } from '../errors.js'

/** Default validity of a signed fleet record. */
const DEFAULT_FLEET_LIFETIME = '30d'

/**
 * `parley fleet keygen|sign|show`: operator tools for a relay fleet. They work offline (no
 * daemon, no network): the operator key never needs to be on a relay.
 */
export function registerFleet (program: Command): void {
  const fleet = program.command('fleet')
    .description('relay fleets: an offline operator key signs the list of member relays (docs/RELAY.md, "Running a fleet")')

  fleet.command('keygen')
    .description('create an operator key (keep the file offline); prints the fleet id')
    .requiredOption('--out <file>', 'where to write the key (created with mode 0600; never overwritten)')
    .action(async (opts: { out: string }) => {
      const { writeOperatorKeyFile } = await import('../../relay/fleet/fleet-files.js')
      const fleetId = await writeOperatorKeyFile(opts.out)
      process.stdout.write(`fleet ${fleetId}\noperator key written to ${opts.out}: keep it offline\n`)
    })

  fleet.command('sign')
    .description('sign a fleet record listing the member relays; prints the record file (JSON) for each member\'s fleet.record')
    .requiredOption('--key <file>', 'the operator key (parley fleet keygen)')
    .option('--member <peerId=multiaddr>', 'a member relay and one of its addresses (repeatable; repeat a PeerId for more addresses)', collect, [])
    .option('--expires <duration>', 'how long the record stays valid (e.g. 30d, 12w; at most 400 days)', DEFAULT_FLEET_LIFETIME)
    .option('--previous <file>', 'the record file this one replaces: the new sequence is above its own')
    .action(async (opts: { key: string, member: string[], expires: string, previous?: string }) => {
      if (opts.member.length === 0) throw new UsageError('name at least one --member <peerId>=<multiaddr>')
      const files = await import('../../relay/fleet/fleet-files.js')
      const operator = await files.readOperatorKeyFile(opts.key)
      const previous = opts.previous == null ? undefined : await files.readFleetRecordFile(opts.previous, { now: 0 })
      process.stdout.write(files.signFleetFile(operator, files.parseMembers(opts.member), {
        lifetimeMs: parseDuration(opts.expires),
        previousSequence: previous?.body.sequence
      }))
    })

  fleet.command('show')
    .description('verify a fleet record file and print what it lists')
    .argument('<file>', 'a fleet record file')
    .action(async (file: string) => {
      const files = await import('../../relay/fleet/fleet-files.js')
      const view = files.fleetFileOf(await files.readFleetRecordFile(file))
      const lines = [`fleet     ${view.fleet}`, `sequence  ${view.sequence}`, `issued    ${view.issuedAt}`, `expires   ${view.expiresAt}`, 'members']
      for (const member of view.members) lines.push(`  ${member.peerId}`, ...member.multiaddrs.map((a) => `    ${a}`))
      process.stdout.write(lines.join('\n') + '\n')
    })
}
