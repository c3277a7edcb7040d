// Seeded, stratified train/held-out split so every run sees the same partition.
import { createHash } from 'node:crypto';

/** mulberry32: tiny deterministic PRNG. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffleInPlace<T>(xs: T[], rand: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

/** Indices of the held-out part: `fraction` of each stratum, chosen with `seed`. */
export function stratifiedHoldout(strata: readonly string[], fraction: number, seed: number): Set<number> {
  const by = new Map<string, number[]>();
  strata.forEach((s, i) => {
    const list = by.get(s) ?? [];
    list.push(i);
    by.set(s, list);
  });
  const rand = rng(seed);
  const held = new Set<number>();
  for (const key of [...by.keys()].sort()) {
    const idx = shuffleInPlace(by.get(key)!.slice(), rand);
    const n = Math.round(idx.length * fraction);
    for (const i of idx.slice(0, n)) held.add(i);
  }
  return held;
}

/** k stratified folds (fold id per item), deterministic for a seed. */
export function stratifiedFolds(strata: readonly string[], k: number, seed: number): number[] {
  const by = new Map<string, number[]>();
  strata.forEach((s, i) => {
    const list = by.get(s) ?? [];
    list.push(i);
    by.set(s, list);
  });
  const rand = rng(seed);
  const fold = new Array<number>(strata.length).fill(0);
  let offset = 0;
  for (const key of [...by.keys()].sort()) {
    const idx = shuffleInPlace(by.get(key)!.slice(), rand);
    idx.forEach((i, j) => (fold[i] = (j + offset) % k));
    offset += idx.length;
  }
  return fold;
}

/**
 * Position of a text in [0, 1) fixed by its content alone: the first 32 bits of SHA-256 of the
 * whitespace-collapsed, lower-cased text. Held-out membership by this hash does not move when
 * other texts are added, removed or reordered, and duplicates always land on the same side.
 */
export function contentPosition(text: string): number {
  const norm = text.normalize('NFC').replace(/\s+/g, ' ').trim().toLowerCase();
  return createHash('sha256').update(norm, 'utf8').digest().readUInt32BE(0) / 4294967296;
}

/** Indices whose content hash falls below `fraction`: the held-out part. */
export function hashHoldout(texts: readonly string[], fraction: number): Set<number> {
  const held = new Set<number>();
  texts.forEach((t, i) => {
    if (contentPosition(t) < fraction) held.add(i);
  });
  return held;
}
