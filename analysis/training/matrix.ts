import type { Features } from '../features';

/** Row-compressed sparse matrix over a compact column space. */
export interface Csr {
  rows: number;
  cols: number;
  ptr: Int32Array;
  idx: Int32Array;
  val: Float64Array;
}

/** Feature hashes seen in at least `minDf` rows, as sorted column order (deterministic). */
export function buildVocab(rows: readonly Features[], minDf = 1): { hashes: Uint32Array; col: Map<number, number> } {
  const df = new Map<number, number>();
  for (const r of rows) for (let j = 0; j < r.keys.length; j++) df.set(r.keys[j], (df.get(r.keys[j]) ?? 0) + 1);
  const kept: number[] = [];
  for (const [k, c] of df) if (c >= minDf) kept.push(k);
  const hashes = Uint32Array.from(kept).sort();
  const col = new Map<number, number>();
  hashes.forEach((h, i) => col.set(h, i));
  return { hashes, col };
}

/** Same vector with repeated keys summed (keys sorted). Training needs unique columns per row. */
export function mergeDuplicates(f: Features): Features {
  // key·2^20 + position (< 2^53, exact in a double) sorts natively and keeps
  // equal keys in text order; analyseText caps texts well below 2^20 features.
  if (f.keys.length >= 1 << 20) throw new Error('feature vector too long');
  const packed = new Float64Array(f.keys.length);
  for (let i = 0; i < f.keys.length; i++) packed[i] = f.keys[i] * 1048576 + i;
  packed.sort();
  const keys: number[] = [];
  const vals: number[] = [];
  for (const p of packed) {
    const i = p % 1048576;
    if (keys.length && keys[keys.length - 1] === f.keys[i]) vals[vals.length - 1] += f.vals[i];
    else {
      keys.push(f.keys[i]);
      vals.push(f.vals[i]);
    }
  }
  return { keys: Uint32Array.from(keys), vals: Float64Array.from(vals), nWord: f.nWord };
}

export function toCsr(rows: readonly Features[], col: Map<number, number>): Csr {
  let nnz = 0;
  for (const r of rows) for (let j = 0; j < r.keys.length; j++) if (col.has(r.keys[j])) nnz++;
  const ptr = new Int32Array(rows.length + 1);
  const idx = new Int32Array(nnz);
  const val = new Float64Array(nnz);
  let p = 0;
  rows.forEach((r, i) => {
    for (let j = 0; j < r.keys.length; j++) {
      const c = col.get(r.keys[j]);
      if (c === undefined) continue;
      idx[p] = c;
      val[p] = r.vals[j];
      p++;
    }
    ptr[i + 1] = p;
  });
  return { rows: rows.length, cols: col.size, ptr, idx, val };
}

/** Copy of the given rows (in that order). */
export function subsetRows(m: Csr, rows: readonly number[]): Csr {
  let nnz = 0;
  for (const r of rows) nnz += m.ptr[r + 1] - m.ptr[r];
  const ptr = new Int32Array(rows.length + 1);
  const idx = new Int32Array(nnz);
  const val = new Float64Array(nnz);
  let p = 0;
  rows.forEach((r, i) => {
    const a = m.ptr[r];
    const b = m.ptr[r + 1];
    idx.set(m.idx.subarray(a, b), p);
    val.set(m.val.subarray(a, b), p);
    p += b - a;
    ptr[i + 1] = p;
  });
  return { rows: rows.length, cols: m.cols, ptr, idx, val };
}
