// Sharding by object uid: FNV-1a 64 of the uid, placed with Lamping & Veach's jump consistent
// hash, so a replica keeps the objects whose bucket equals its ordinal and a change of replica
// count moves as few objects as possible.

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK64 = 0xffffffffffffffffn;

export function fnv1a64(text: string): bigint {
  let hash = FNV_OFFSET;
  for (const byte of Buffer.from(text, "utf8")) {
    hash ^= BigInt(byte);
    hash = (hash * FNV_PRIME) & MASK64;
  }
  return hash;
}

/** Jump consistent hash: a bucket in [0, buckets) for a 64-bit key. */
export function jumpHash(key: bigint, buckets: number): number {
  let b = -1;
  let j = 0;
  let k = key;
  while (j < buckets) {
    b = j;
    k = (k * 2862933555777941757n + 1n) & MASK64;
    j = Math.floor(((b + 1) * 2 ** 31) / Number((k >> 33n) + 1n));
  }
  return b;
}

/** Does this shard own the object? With one shard, always. */
export function ownsUid(uid: string, shard: number, totalShards: number): boolean {
  return totalShards <= 1 || jumpHash(fnv1a64(uid), totalShards) === shard;
}
