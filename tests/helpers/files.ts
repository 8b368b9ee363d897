import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'

/** Every file under `dir` whose bytes contain `needle` (a string is searched as UTF-8). */
export async function filesContaining (dir: string, needle: string | Uint8Array): Promise<string[]> {
  const bytes = Buffer.from(needle)
  const hits: string[] = []
  const walk = async (d: string): Promise<void> => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const path = join(d, entry.name)
      if (entry.isDirectory()) await walk(path)
      else if ((await readFile(path)).includes(bytes)) hits.push(path)
    }
  }
  await walk(dir)
  return hits
}
