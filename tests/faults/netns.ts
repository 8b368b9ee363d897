/**
 * A small network of Linux network namespaces for partition tests: a hub namespace holding a
 * bridge, and one namespace per member joined to it by a veth pair, each member on 10.213.0.0/24
 * (addresses that exist only inside these namespaces). `cut(member)` takes the member's port
 * on the bridge down (its TCP connections stay open and stall, as in a real partition);
 * `heal(member)` brings it back. Needs root (`ip netns`); `netnsRefusal()` says why not.
 */
import { execFileSync } from 'node:child_process'

const PREFIX = 'parley-t'

function ip (...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
}

/** Why network namespaces cannot be used here (not root, no `ip`, no permission), or undefined. */
export function netnsRefusal (): string | undefined {
  const probe = `${PREFIX}-probe-${process.pid}`
  try {
    ip('netns', 'add', probe)
    ip('-n', probe, 'link', 'add', 'br0', 'type', 'bridge')
    return undefined
  } catch (err) {
    return ((err as { stderr?: string }).stderr ?? (err as Error).message).trim().split('\n')[0]
  } finally {
    try { ip('netns', 'del', probe) } catch { /* was never made */ }
  }
}

/** Deletes namespaces left by test processes that are gone (a run that was SIGKILLed). */
function removeStale (): void {
  for (const line of ip('netns', 'list').split('\n')) {
    const name = line.split(' ')[0]
    const pid = Number(name.startsWith(`${PREFIX}-`) ? name.split('-')[2] : NaN)
    if (!Number.isInteger(pid)) continue
    let alive = true
    try { process.kill(pid, 0) } catch { alive = false }
    if (!alive) try { ip('netns', 'del', name) } catch { /* raced with its own cleanup */ }
  }
}

export interface Lab {
  /** The namespace a member's processes run in. */
  ns: (member: string) => string
  /** The member's address (10.213.0.x). */
  addr: (member: string) => string
  /** Prefix for `spawnScript`: runs a command inside the member's namespace. */
  launcher: (member: string) => string[]
  cut: (member: string) => void
  heal: (member: string) => void
  /** Deletes every namespace of the lab (their veths go with them); safe to call twice. */
  destroy: () => void
}

/** Builds the lab with `members` (in order: 10.213.0.1, .2, …). */
export function createLab (members: string[]): Lab {
  removeStale()
  const id = `${PREFIX}-${process.pid}-${Math.random().toString(36).slice(2, 6)}`
  const hub = `${id}-hub`
  const spaces: string[] = [hub]
  const ns = (member: string): string => `${id}-${member}`
  const port = (member: string): string => `p${members.indexOf(member)}`
  const destroy = (): void => {
    for (const space of spaces.splice(0)) try { ip('netns', 'del', space) } catch { /* already gone */ }
  }
  try {
    ip('netns', 'add', hub)
    ip('-n', hub, 'link', 'set', 'lo', 'up')
    ip('-n', hub, 'link', 'add', 'br0', 'type', 'bridge')
    ip('-n', hub, 'link', 'set', 'br0', 'up')
    members.forEach((member, i) => {
      const space = ns(member)
      ip('netns', 'add', space)
      spaces.push(space)
      ip('-n', space, 'link', 'set', 'lo', 'up')
      ip('-n', hub, 'link', 'add', port(member), 'type', 'veth', 'peer', 'name', 'eth0', 'netns', space)
      ip('-n', hub, 'link', 'set', port(member), 'master', 'br0', 'up')
      ip('-n', space, 'addr', 'add', `10.213.0.${i + 1}/24`, 'dev', 'eth0')
      ip('-n', space, 'link', 'set', 'eth0', 'up')
    })
  } catch (err) {
    destroy()
    throw err
  }
  const known = (member: string): string => {
    if (!members.includes(member)) throw new Error(`no member ${member}`)
    return member
  }
  return {
    ns: (member) => ns(known(member)),
    addr: (member) => `10.213.0.${members.indexOf(known(member)) + 1}`,
    launcher: (member) => ['ip', 'netns', 'exec', ns(known(member))],
    cut: (member) => { ip('-n', hub, 'link', 'set', port(known(member)), 'down') },
    heal: (member) => { ip('-n', hub, 'link', 'set', port(known(member)), 'up') },
    destroy
  }
}
