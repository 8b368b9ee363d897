import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

/**
 * Runs one full garbage collection after start-up. Opening the store runs scrypt, whose 32 MiB
 * working buffer (and the rest of start-up's garbage) would otherwise stay resident for as long
 * as an idle daemon triggers no major GC — i.e. for ever. Best effort: a no-op where V8 refuses.
 */
export function releaseStartupMemory (): void {
  try {
    setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as (() => void) | undefined
    gc?.()
  } catch { /* not available: nothing to do */ }
}
