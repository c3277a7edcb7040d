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
