/**
 * Random bytes for ids, drawn from a pool filled a few kilobytes at a time: the simulator
 * makes several ids per message copy, and one crypto call per id dominated loading a large
 * tenant. The bytes are still from the CSPRNG; ids are unguessable, as Exchange's are.
 */
import { randomFillSync } from 'node:crypto';

const POOL_SIZE = 16 * 1024;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let offset = POOL_SIZE;

/** `n` fresh random bytes (a copy, safe to keep). */
export function poolRandomBytes(n: number): Buffer {
  if (n > POOL_SIZE) return randomFillSync(Buffer.allocUnsafe(n));
  if (offset + n > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const out = Buffer.from(pool.subarray(offset, offset + n));
  offset += n;
  return out;
}
