/**
 * The invariants every fault test checks afterwards: each acknowledged message delivered exactly
 * once, none shown (decrypted) twice, no plaintext on a relay's disk.
 */
import { expect } from 'vitest'
import { filesContaining } from '../helpers/files.js'
import type { Peer } from '../helpers/peers.js'
import type { ScriptProcess } from '../helpers/processes.js'

/** Texts of the `message` events a peer process printed (every decrypted, shown message). */
export function shownTexts (procs: ScriptProcess[]): string[] {
  return procs.flatMap((p) => p.lines.filter((l) => l.startsWith('{"event":"message"')).map((l) => (JSON.parse(l) as { text: string }).text))
}

/** Texts of the conversation with `other`, from the peer's store, oldest first. */
export async function storedTexts (peer: Peer, other: string): Promise<string[]> {
  return (await peer.request({ cmd: 'texts', with: other })).texts as string[]
}

/**
 * Every acknowledged text is there exactly once; nothing is there twice; nothing is there
 * that was never sent.
 */
export function expectExactlyOnce (acked: string[], sent: string[], received: string[]): void {
  const counts = new Map<string, number>()
  for (const t of received) counts.set(t, (counts.get(t) ?? 0) + 1)
  expect([...counts].filter(([, n]) => n > 1), 'received twice').toEqual([])
  expect(acked.filter((t) => counts.get(t) !== 1), 'acknowledged but not delivered').toEqual([])
  expect(received.filter((t) => !sent.includes(t)), 'never sent').toEqual([])
}

/** No relay data directory holds `marker` (plaintext) or `secret` bytes. */
export async function expectNothingOnRelays (dirs: string[], needles: Array<string | Uint8Array>): Promise<void> {
  for (const dir of dirs) {
    for (const needle of needles) expect(await filesContaining(dir, needle), `${String(needle)} in ${dir}`).toEqual([])
  }
}

/** Sends `texts` to `to` without waiting between them; returns the texts whose send was acknowledged, as they are. */
export function pipelineSends (peer: Peer, to: string, texts: string[]): { acked: () => string[], done: Promise<unknown> } {
  const acked: string[] = []
  const done = Promise.allSettled(texts.map(async (text) => {
    await peer.request({ cmd: 'send', to, text })
    acked.push(text)
  }))
  return { acked: () => [...acked], done }
}

/** A line matcher that holds on the `n`th line for which `match` holds. */
export function nth (n: number, match: (line: string) => boolean): (line: string) => boolean {
  let seen = 0
  return (line) => match(line) && ++seen >= n
}
