import { readFile } from 'node:fs/promises'

/** `METHOD /path` of every operation in docs/openapi.json. */
export async function documentedRoutes (): Promise<string[]> {
  const doc = JSON.parse(await readFile(new URL('../../docs/openapi.json', import.meta.url), 'utf8')) as { paths: Record<string, Record<string, unknown>> }
  const out: string[] = []
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const method of Object.keys(ops)) {
      if (['get', 'post', 'put', 'patch', 'delete'].includes(method)) out.push(`${method.toUpperCase()} ${path}`)
    }
  }
  return out.sort()
}

/** A concrete path for a templated one (`{x}` → `x-value`). */
export function samplePath (path: string): string {
  return path.replace(/\{([A-Za-z]+)\}/g, (_, name: string) => `${name}-value`)
}
