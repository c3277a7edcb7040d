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
  while (cap * 0.6 < n) cap <<= 1;
  const mask = cap - 1;
  // One slot = [key, w0 .. wk-1] in a single buffer, so a probe that hits
  // reads one cache line. Key 0 marks an empty slot; a feature whose hash is
  // exactly 0 is dropped (one in four billion).
  const stride = k + 1;
  const buf = new ArrayBuffer(cap * stride * 4);
  const slotKey = new Uint32Array(buf);
  const slotW = new Float32Array(buf);
  for (let i = 0; i < n; i++) {
    const key = t.keys[i];
    if (key === 0) continue;
    let s = (Math.imul(key, 0x9e3779b1) >>> 0) & mask;
    while (slotKey[s * stride] !== 0) s = (s + 1) & mask;
    slotKey[s * stride] = key;
    for (let c = 0; c < k; c++) slotW[s * stride + 1 + c] = t.weights[i * k + c];
  }
  const find = (key: number): number => {
    let s = (Math.imul(key, 0x9e3779b1) >>> 0) & mask;
    for (;;) {
      const kk = slotKey[s * stride];
      if (kk === key) return key === 0 ? -1 : s * stride + 1;
      if (kk === 0) return -1;
      s = (s + 1) & mask;
    }
  };
  return {
    k,
    knows: (key) => find(key) >= 0,
    score(f, out, limit = f.keys.length) {
      for (let c = 0; c < k; c++) out[c] = t.bias[c];
      const keys = f.keys;
      const vals = f.vals;
      for (let j = 0; j < limit; j++) {
        const o = find(keys[j]);
        if (o < 0) continue;
        const v = vals[j];
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
