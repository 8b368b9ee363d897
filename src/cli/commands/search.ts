import type { Command } from 'commander'
import type { SearchResult } from '../../daemon/api-types.js'
import { contextOf } from '../context.js'
import { UsageError } from '../errors.js'
import { formatMessage } from '../format.js'

/** `parley search <text>`: the local history search of the running daemon (`GET /v1/search`). */
export function registerSearch (program: Command): void {
  program.command('search')
    .description('search the local message history (newest first); the daemon decrypts and matches in memory, no index is kept')
    .argument('<text>', 'text to find (case- and accent-insensitive)')
    .option('--limit <n>', 'at most this many hits (1-200)', '50')
    .option('--json', 'print the API answer as JSON')
    .action(async (text: string, opts: { limit: string, json?: boolean }, command: Command) => {
      const ctx = contextOf(command)
      const limit = Number(opts.limit)
      if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw new UsageError('--limit must be from 1 to 200')
      if (text.trim() === '' || text.length > 200) throw new UsageError('the search text must be 1 to 200 characters')
      const api = await ctx.client()
      const result = await api.get<SearchResult>(`/v1/search?q=${encodeURIComponent(text)}&limit=${limit}`)
      if (opts.json === true) { ctx.out(JSON.stringify(result)); return }
      for (const hit of result.hits) ctx.out(`${hit.conversationTitle}  ${formatMessage(hit.message, hit.conversationTitle)}`)
      if (result.hits.length === 0) ctx.out('no messages found')
      else if (!result.complete) ctx.out(`(more may match: showing ${result.hits.length}; narrow the text or raise --limit)`)
    })
}
