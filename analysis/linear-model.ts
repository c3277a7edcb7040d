// Sparse linear model over hashed features: an open-addressing table from
// feature hash to K class weights. Lookups are a multiply and a probe or two,
// which keeps analyze() well under the 100 µs/text budget.
import type { Features } from './features';

export interface LinearTable {
  k: number;
  /** Feature hashes, one per row of `weights`. */
  keys: Uint32Array;
  /** keys.length × k weights, row-major. */
  weights: Float32Array;
  bias: number[];
}

export interface LinearScorer {
  readonly k: number;
  /** Writes the K raw scores of the first `limit` features into `out` and returns it. */
  score(f: Features, out: Float64Array, limit?: number): Float64Array;
  /** Whether the model has any weight for this feature hash. */
  knows(key: number): boolean;
}

export function createScorer(t: LinearTable): LinearScorer {
  const n = t.keys.length;
  const k = t.k;
  let cap = 1;
  while (cap < n * 2) cap <<= 1;
  const mask = cap - 1;
  // Keys and weights laid out by slot, so a hit costs two cache lines, not three.
  const slotKey = new Uint32Array(cap);
  const filled = new Uint8Array(cap);
  const slotW = new Float32Array(cap * k);
  for (let i = 0; i < n; i++) {
    let s = (Math.imul(t.keys[i], 0x9e3779b1) >>> 0) & mask;
    while (filled[s]) s = (s + 1) & mask;
    filled[s] = 1;
    slotKey[s] = t.keys[i];
    for (let c = 0; c < k; c++) slotW[s * k + c] = t.weights[i * k + c];
  }
  const find = (key: number): number => {
    let s = (Math.imul(key, 0x9e3779b1) >>> 0) & mask;
    while (filled[s]) {
      if (slotKey[s] === key) return s;
      s = (s + 1) & mask;
    }
    return -1;
  };
  return {
    k,
    knows: (key) => find(key) >= 0,
    score(f, out, limit = f.keys.length) {
      for (let c = 0; c < k; c++) out[c] = t.bias[c];
      const keys = f.keys;
      const vals = f.vals;
      for (let j = 0; j < limit; j++) {
        const s = find(keys[j]);
        if (s < 0) continue;
        const v = vals[j];
        const o = s * k;
        for (let c = 0; c < k; c++) out[c] += slotW[o + c] * v;
      }
      return out;
    },
  };
}

/** Softmax of (A·s + b), A given row-major K×K. */
export function calibrate(scores: Float64Array, a: readonly number[], b: readonly number[], out: Float64Array): Float64Array {
  const k = b.length;
  let mx = -Infinity;
  for (let c = 0; c < k; c++) {
    let z = b[c];
    for (let j = 0; j < k; j++) z += a[c * k + j] * scores[j];
    out[c] = z;
    if (z > mx) mx = z;
  }
  let sum = 0;
  for (let c = 0; c < k; c++) {
    out[c] = Math.exp(out[c] - mx);
    sum += out[c];
  }
  for (let c = 0; c < k; c++) out[c] /= sum;
  return out;
}
