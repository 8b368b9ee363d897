import { MailboxStore, type MailboxStorage, type MailboxStoreLimits } from '../../src/relay/mailbox-store/index.js'
import { PgMailboxStore } from '../../src/relay/pg-store/index.js'
import { tempDir } from './network.js'
import { connectSql, startPostgres, type TestPostgres } from './postgres.js'

/** A store under test and how to reopen it (a new instance on the same data) and to clean up. */
export interface OpenedStorage {
  store: MailboxStorage
  reopen: () => Promise<MailboxStorage>
  /** Another instance on the same data, open beside the first (PostgreSQL: a second relay process's store). */
  another?: () => Promise<MailboxStorage>
  cleanup: () => Promise<void>
}

/** A storage backend the relay's store suites run against. */
export interface StorageBackend {
  name: 'leveldb' | 'postgres'
  setup: () => Promise<void>
  teardown: () => Promise<void>
  open: (limits: MailboxStoreLimits) => Promise<OpenedStorage>
}

export const levelBackend: StorageBackend = {
  name: 'leveldb',
  setup: async () => {},
  teardown: async () => {},
  open: async (limits) => {
    const dir = await tempDir('parley-mbox-')
    const make = (): MailboxStore => new MailboxStore(`${dir.path}/mailboxes`, limits)
    let current = make()
    await current.open()
    return {
      store: current,
      reopen: async () => { await current.close(); current = make(); await current.open(); return current },
      cleanup: async () => { await current.close(); await dir.cleanup() }
    }
  }
}

let databases = 0

/** One PostgreSQL server per test file (setup/teardown); a fresh database per opened store. */
export function postgresBackend (): StorageBackend & { server: () => TestPostgres } {
  let pg: TestPostgres | undefined
  const server = (): TestPostgres => {
    if (pg == null) throw new Error('postgres backend not set up')
    return pg
  }
  return {
    name: 'postgres',
    server,
    setup: async () => { pg = await startPostgres() },
    teardown: async () => { await pg?.destroy(); pg = undefined },
    open: async (limits) => {
      const url = await freshDatabase(server())
      const stores: PgMailboxStore[] = []
      const make = async (): Promise<PgMailboxStore> => {
        const s = new PgMailboxStore({ url, limits })
        await s.open()
        stores.push(s)
        return s
      }
      let current = await make()
      return {
        store: current,
        reopen: async () => { await current.close(); current = await make(); return current },
        another: make,
        cleanup: async () => { for (const s of stores) await s.close() }
      }
    }
  }
}

/** A new empty database on the server; its URL. */
export async function freshDatabase (pg: TestPostgres): Promise<string> {
  const name = `t${process.pid}_${++databases}`
  const admin = await connectSql(pg.url)
  try {
    await admin.unsafe(`CREATE DATABASE ${name}`)
  } finally {
    await admin.end()
  }
  return pg.url.replace(/\/parley$/, `/${name}`)
}
