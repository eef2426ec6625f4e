// What edge, viewer and POS keys (edge-key.service.ts, viewer-key.service.ts, pos-key.service.ts) share: only the SHA-256 of a
// key is stored, a key is looked up by that hash among the unrevoked rows (through VerifiedKeyMemory), and
// revocation stamps revoked_at once and has every API process forget the key.
import { createHash } from 'node:crypto';
import { NotFoundException } from '@nestjs/common';
import { type FindOptionsWhere, IsNull, type Repository } from 'typeorm';
import type { VerifiedKeyMemory } from './verified-key-memory.service.ts';

/** The columns every key table has. */
export interface KeyRow {
  id: string;
  keyHash: string;
  revokedAt: Date | null;
}

export function hashKey(plaintext: string): string {
  return createHash('sha256').update(plaintext).digest('hex');
}

/**
 * The scope of a live key, or null for a malformed, unknown or revoked one: keys not in `format` are refused
 * before any lookup; otherwise VerifiedKeyMemory answers, loading the unrevoked row with the key's hash on a
 * miss and making its scope with `scopeOf`.
 */
export async function verifyKey<K extends KeyRow, S>(
  plaintext: string,
  format: RegExp,
  keys: Repository<K>,
  memory: VerifiedKeyMemory,
  scopeOf: (row: K) => S | Promise<S>,
): Promise<S | null> {
  if (!format.test(plaintext)) return null;
  const hash = hashKey(plaintext);
  return memory.lookup(hash, async (): Promise<S | null> => {
    const row = await keys.findOneBy({ keyHash: hash, revokedAt: IsNull() } as FindOptionsWhere<K>);
    return row ? scopeOf(row) : null;
  });
}

/**
 * Revokes the key `id` (a revoked key keeps its first revocation time), then has every API process forget it
 * (VerifiedKeyMemory): immediate. 404 naming `what` when there is no such key.
 */
export async function revokeKey(
  keys: Pick<Repository<KeyRow>, 'findOneBy' | 'update'>,
  memory: VerifiedKeyMemory,
  id: string,
  what: string,
): Promise<{ id: string; revoked_at: string }> {
  const key = await keys.findOneBy({ id });
  if (!key) throw new NotFoundException({ statusCode: 404, error: 'Not Found', message: `id: ${what} ${id} does not exist`, field: 'id' });
  const revokedAt = key.revokedAt ?? new Date();
  if (!key.revokedAt) await keys.update({ id }, { revokedAt });
  await memory.revoked(key.keyHash);
  return { id, revoked_at: revokedAt.toISOString() };
}

/**
 * Stamps revoked_at on every live key matching `where` (a store's, an organisation's, a camera's) → the hashes of
 * all matching keys, revoked now or before, which every process must forget (VerifiedKeyMemory.forget).
 */
export async function revokeKeysWhere<K extends KeyRow>(keys: Repository<K>, where: FindOptionsWhere<K>): Promise<string[]> {
  await keys.update({ ...where, revokedAt: IsNull() } as FindOptionsWhere<K>, { revokedAt: new Date() } as never);
  return keyHashesWhere(keys, where);
}

/** The hashes of every key matching `where`, live or revoked. */
export async function keyHashesWhere<K extends KeyRow>(keys: Repository<K>, where: FindOptionsWhere<K>): Promise<string[]> {
  const rows = await keys.find({ where, select: { keyHash: true } as never });
  return rows.map((r) => r.keyHash);
}
