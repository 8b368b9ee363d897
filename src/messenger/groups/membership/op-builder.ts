import type { AbortOptions } from '@libp2p/interface'
import { randomBytes } from '@noble/hashes/utils.js'
import type { Signer } from '../../../crypto/index.js'
import { GroupOp } from '../../../wire/groups.js'
import { GROUP_OP_VERSION } from './constants.js'
import type { GroupLog } from './group-log.js'
import { signGroupOp } from './op-codec.js'

/** Who signs: the author's account key and the signing device. */
export interface OpAuthor {
  accountKey: Uint8Array
  signer: Signer
  now: number
}

export type OpFields = Partial<Pick<GroupOp, 'members' | 'name' | 'timerMs' | 'addBy' | 'renameBy' | 'linkId' | 'expiresAt' | 'linkJoin'>>

function build (kind: GroupOp.Kind, author: OpAuthor, fields: OpFields, groupId: Uint8Array, parents: Uint8Array[]): GroupOp {
  return {
    version: GROUP_OP_VERSION,
    groupId,
    parents,
    author: author.accountKey,
    device: author.signer.publicKey,
    createdAt: BigInt(author.now),
    kind,
    members: fields.members ?? [],
    name: fields.name ?? '',
    timerMs: fields.timerMs ?? 0n,
    addBy: fields.addBy ?? GroupOp.Who.ADMINS,
    renameBy: fields.renameBy ?? GroupOp.Who.ADMINS,
    nonce: randomBytes(16),
    linkId: fields.linkId ?? new Uint8Array(0),
    expiresAt: fields.expiresAt ?? 0n,
    linkJoin: fields.linkJoin ?? GroupOp.LinkJoin.APPROVE
  }
}

/** A signed CREATE operation (the founding one; the group id is its hash). */
export async function createOp (author: OpAuthor, name: string, members: Uint8Array[], options: AbortOptions = {}): Promise<Uint8Array> {
  return signGroupOp(build(GroupOp.Kind.CREATE, author, { name, members }, new Uint8Array(0), []), author.signer, options)
}

/** A signed operation on `log`, naming its current heads as parents. */
export async function nextOp (log: GroupLog, kind: GroupOp.Kind, author: OpAuthor, fields: OpFields = {}, options: AbortOptions = {}): Promise<Uint8Array> {
  return signGroupOp(build(kind, author, fields, log.groupId, log.heads()), author.signer, options)
}
