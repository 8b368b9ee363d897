import type { AbortOptions } from '@libp2p/interface'
import { randomBytes } from 'node:crypto'
import type { Database } from './sql.js'

/**
 * The PostgreSQL schema, as numbered migrations: each runs once, in order, in one transaction
 * with its version row, under an advisory lock (many relay processes may start at once).
 * Nothing stored is plaintext: envelope bodies are the sealed envelopes as deposited, mailbox
 * names are device public keys (hex), owner facts are public (account key, record sequence,
 * inactivity period, last login time).
 *
 * - `mailboxes`: one row per mailbox: its owner facts and counters (the row lock serialises
 *   every write to one mailbox across processes, so its quotas are exact).
 * - `envelope_ids`: (mailbox, id) → day and seq: deposits are idempotent by envelope id
 *   (`INSERT … ON CONFLICT DO NOTHING`), acks find their envelope's partition.
 * - `envelopes`: the bodies, `PARTITION BY LIST (day)` with day = expiry in days since the
 *   epoch (UTC): retention drops a whole day's partition once it is past.
 * - `prekeys`, `last_resort`: owners' prekey pools.
 * - `shares`: stored bytes and owned mailboxes per hashed depositing address (kind 0, 1: bytes
 *   per address and per IPv6 /48; kind 2, 3: owned mailboxes), fleet-wide.
 * - `parley_meta`: the fleet's share-hash key (random, made by the first migration).
 * - (2) `channels`, `channel_posts`, `channel_totals`: kept channel history (`channel-history.ts`):
 *   per channel its key, bytes, head and floor; the posts (public, signed) by channel and seq;
 *   the fleet's channel count and bytes in one row, locked by every write (the totals are exact).
 * - (3) `blobs`, `blob_refs`, `blob_pieces`, `blob_shares`, `blob_totals`: the attachments blob
 *   store (`blob-store.ts`): per blob its manifest, length, completeness and upload lease; one
 *   deposit per recipient mailbox (expiry, delete-token hash, depositor's share tag); the
 *   ciphertext as one row per piece (`STORAGE EXTERNAL`: already encrypted, so not compressed);
 *   per-address shares of blob bytes and blobs; the fleet's blob count and bytes in one row.
 * - (4) `channel_feedback`, `channel_feedback_heads`: sealed reader feedback held for channel
 *   owners (`channel-feedback.ts`): the 584-byte boxes by channel and cursor, each once by its
 *   fingerprint, with the depositing peer and address key for the bounds; per channel its last
 *   cursor and the boxes held (the row lock orders a channel's deposits across the fleet).
 */
export const MIGRATIONS: ReadonlyArray<{ version: number, name: string, sql: string }> = [
  {
    version: 1,
    name: 'mailboxes, envelopes by expiry day, ids, prekeys, shares',
    sql: `
CREATE TABLE parley_meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE mailboxes (
  mailbox text PRIMARY KEY,
  owner bytea,
  owned boolean NOT NULL DEFAULT false,
  provisional boolean NOT NULL DEFAULT false,
  since bigint,
  owned_at bigint,
  creator bigint,
  count integer NOT NULL DEFAULT 0,
  bytes bigint NOT NULL DEFAULT 0,
  prekeys integer NOT NULL DEFAULT 0,
  prekey_bytes bigint NOT NULL DEFAULT 0,
  prekey_tag bigint,
  budget_tokens double precision,
  budget_at bigint
);
CREATE INDEX mailboxes_unowned ON mailboxes (since) WHERE NOT owned;
CREATE INDEX mailboxes_provisional ON mailboxes (owned_at) WHERE provisional;
CREATE INDEX mailboxes_owned ON mailboxes (mailbox) WHERE owner IS NOT NULL;
CREATE SEQUENCE envelope_seq;
CREATE TABLE envelope_ids (
  mailbox text NOT NULL,
  id text NOT NULL,
  day integer NOT NULL,
  seq bigint NOT NULL DEFAULT nextval('envelope_seq'),
  PRIMARY KEY (mailbox, id)
);
CREATE INDEX envelope_ids_day ON envelope_ids (day);
CREATE TABLE envelopes (
  day integer NOT NULL,
  mailbox text NOT NULL,
  seq bigint NOT NULL,
  id text NOT NULL,
  expires_at bigint NOT NULL,
  secret boolean NOT NULL,
  depositor bigint NOT NULL,
  body bytea NOT NULL,
  PRIMARY KEY (mailbox, seq, day)
) PARTITION BY LIST (day);
CREATE TABLE prekeys (
  mailbox text NOT NULL,
  kind text NOT NULL,
  id bigint NOT NULL,
  blob bytea NOT NULL,
  PRIMARY KEY (mailbox, kind, id)
);
CREATE TABLE last_resort (
  mailbox text NOT NULL,
  kind text NOT NULL,
  blob bytea NOT NULL,
  PRIMARY KEY (mailbox, kind)
);
CREATE TABLE shares (
  kind smallint NOT NULL,
  bucket integer NOT NULL,
  amount bigint NOT NULL,
  PRIMARY KEY (kind, bucket)
);
`
  },
  {
    version: 2,
    name: 'channel history',
    sql: `
CREATE TABLE channels (
  channel text PRIMARY KEY,
  channel_key bytea NOT NULL,
  bytes bigint NOT NULL DEFAULT 0,
  head bigint NOT NULL DEFAULT 0,
  floor bigint NOT NULL DEFAULT 0
);
CREATE TABLE channel_posts (
  channel text NOT NULL,
  seq bigint NOT NULL,
  hash bytea NOT NULL,
  prev bytea NOT NULL,
  received_at bigint NOT NULL,
  body bytea NOT NULL,
  PRIMARY KEY (channel, seq)
);
CREATE TABLE channel_totals (id smallint PRIMARY KEY CHECK (id = 1), channels integer NOT NULL, bytes bigint NOT NULL);
INSERT INTO channel_totals VALUES (1, 0, 0);
`
  },
  {
    version: 3,
    name: 'blob store',
    sql: `
CREATE TABLE blobs (
  digest bytea PRIMARY KEY,
  cipher_length bigint NOT NULL,
  pieces integer NOT NULL,
  manifest bytea NOT NULL,
  complete boolean NOT NULL DEFAULT false,
  uploader text,
  upload_until bigint
);
CREATE TABLE blob_refs (
  digest bytea NOT NULL REFERENCES blobs ON DELETE CASCADE,
  mailbox text NOT NULL,
  expires_at bigint NOT NULL,
  delete_hash text NOT NULL,
  tag bigint NOT NULL,
  PRIMARY KEY (digest, mailbox)
);
CREATE INDEX blob_refs_mailbox ON blob_refs (mailbox);
CREATE INDEX blob_refs_expires ON blob_refs (expires_at);
CREATE TABLE blob_pieces (
  digest bytea NOT NULL REFERENCES blobs ON DELETE CASCADE,
  idx integer NOT NULL,
  body bytea NOT NULL,
  PRIMARY KEY (digest, idx)
);
ALTER TABLE blob_pieces ALTER COLUMN body SET STORAGE EXTERNAL;
CREATE TABLE blob_shares (kind smallint NOT NULL, bucket integer NOT NULL, bytes bigint NOT NULL, blobs integer NOT NULL, PRIMARY KEY (kind, bucket));
CREATE TABLE blob_totals (id smallint PRIMARY KEY CHECK (id = 1), blobs integer NOT NULL, bytes bigint NOT NULL);
INSERT INTO blob_totals VALUES (1, 0, 0);
`
  },
  {
    version: 4,
    name: 'channel feedback',
    sql: `
CREATE TABLE channel_feedback_heads (channel text PRIMARY KEY, last_cursor bigint NOT NULL DEFAULT 0, held integer NOT NULL DEFAULT 0);
CREATE TABLE channel_feedback (
  channel text NOT NULL,
  cursor bigint NOT NULL,
  fingerprint bytea NOT NULL,
  at bigint NOT NULL,
  peer text NOT NULL,
  address text,
  synced boolean NOT NULL DEFAULT false,
  sealed bytea NOT NULL,
  PRIMARY KEY (channel, cursor)
);
CREATE UNIQUE INDEX channel_feedback_fingerprint ON channel_feedback (channel, fingerprint);
CREATE INDEX channel_feedback_peer ON channel_feedback (channel, peer);
CREATE INDEX channel_feedback_address ON channel_feedback (channel, address) WHERE address IS NOT NULL;
CREATE INDEX channel_feedback_at ON channel_feedback (at);
`
  }
]

/** The newest schema version this code knows. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version

/** Advisory lock key held while migrating ('parl' 'eymg'). */
const MIGRATION_LOCK = 0x7061726c65796d67n

/**
 * Brings the database to {@link SCHEMA_VERSION}; returns the fleet's share-hash key. Refuses a
 * database written by a newer relay.
 */
export async function migrate (database: Database, options: AbortOptions = {}): Promise<Uint8Array> {
  options.signal?.throwIfAborted()
  return await database.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK.toString()}::bigint)`
    await tx`CREATE TABLE IF NOT EXISTS parley_schema (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`
    const [row] = await tx<Array<{ v: number | null }>>`SELECT max(version) AS v FROM parley_schema`
    const current = row?.v ?? 0
    if (current > SCHEMA_VERSION) throw new Error(`Mailbox database has schema ${current}; this relay knows up to ${SCHEMA_VERSION} (newer relay version?)`)
    for (const m of MIGRATIONS) {
      if (m.version <= current) continue
      await tx.unsafe(m.sql)
      await tx`INSERT INTO parley_schema (version, name) VALUES (${m.version}, ${m.name})`
    }
    await tx`INSERT INTO parley_meta (key, value) VALUES ('share_key', ${randomBytes(32).toString('hex')}) ON CONFLICT DO NOTHING`
    const [key] = await tx<Array<{ value: string }>>`SELECT value FROM parley_meta WHERE key = 'share_key'`
    return Uint8Array.from(Buffer.from(key.value, 'hex'))
  })
}
