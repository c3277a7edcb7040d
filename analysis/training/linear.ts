// Linear learners for sparse text features. Everything is deterministic:
// fixed iteration order, seeded permutations, no parallelism.
import type { Csr } from './matrix';
import { rng, shuffleInPlace } from './split';

export interface SoftmaxModel {
  /** cols × K weights, row-major (weights of column j at j*K .. j*K+K-1). */
  w: Float64Array;
  b: Float64Array;
  k: number;
}

/** Multinomial logistic regression, L2-regularised, fitted with L-BFGS. */
export function trainSoftmax(
  x: Csr,
  y: Int32Array,
  k: number,
  opts: { l2: number; sampleWeight?: Float64Array; maxIter?: number; tol?: number },
): SoftmaxModel {
  const d = x.cols;
  const n = x.rows;
  const dim = d * k + k;
  const sw = opts.sampleWeight ?? new Float64Array(n).fill(1);
  let wsum = 0;
  for (let i = 0; i < n; i++) wsum += sw[i];
  const logits = new Float64Array(k);

  const fg = (theta: Float64Array, grad: Float64Array): number => {
    grad.fill(0);
    let loss = 0;
    const bOff = d * k;
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < k; c++) logits[c] = theta[bOff + c];
      for (let p = x.ptr[i]; p < x.ptr[i + 1]; p++) {
        const base = x.idx[p] * k;
        const v = x.val[p];
        for (let c = 0; c < k; c++) logits[c] += theta[base + c] * v;
      }
      let mx = -Infinity;
      for (let c = 0; c < k; c++) if (logits[c] > mx) mx = logits[c];
      let z = 0;
      for (let c = 0; c < k; c++) z += Math.exp(logits[c] - mx);
      const lz = mx + Math.log(z);
      const wi = sw[i] / wsum;
      loss += wi * (lz - logits[y[i]]);
      for (let c = 0; c < k; c++) {
        const g = wi * (Math.exp(logits[c] - lz) - (c === y[i] ? 1 : 0));
        logits[c] = g;
        grad[bOff + c] += g;
      }
      for (let p = x.ptr[i]; p < x.ptr[i + 1]; p++) {
        const base = x.idx[p] * k;
        const v = x.val[p];
        for (let c = 0; c < k; c++) grad[base + c] += logits[c] * v;
      }
    }
    for (let j = 0; j < d * k; j++) {
      loss += 0.5 * opts.l2 * theta[j] * theta[j];
      grad[j] += opts.l2 * theta[j];
    }
    return loss;
  };

  const theta = lbfgs(fg, new Float64Array(dim), opts.maxIter ?? 300, opts.tol ?? 1e-6);
  return { w: theta.subarray(0, d * k), b: theta.subarray(d * k), k };
}

export function lbfgs(
  fg: (x: Float64Array, g: Float64Array) => number,
  x0: Float64Array,
  maxIter: number,
  tol: number,
  m = 10,
): Float64Array {
  const dim = x0.length;
  const x = Float64Array.from(x0);
  const g = new Float64Array(dim);
  let f = fg(x, g);
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  const dir = new Float64Array(dim);
  const xn = new Float64Array(dim);
  const gn = new Float64Array(dim);
  const alpha = new Array<number>(m);
  for (let it = 0; it < maxIter; it++) {
    // two-loop recursion
    for (let j = 0; j < dim; j++) dir[j] = -g[j];
    for (let h = S.length - 1; h >= 0; h--) {
      alpha[h] = rho[h] * dot(S[h], dir);
      axpy(-alpha[h], Y[h], dir);
    }
    if (S.length > 0) {
      const last = S.length - 1;
      const gamma = dot(S[last], Y[last]) / dot(Y[last], Y[last]);
      for (let j = 0; j < dim; j++) dir[j] *= gamma;
    } else {
      const gn0 = Math.sqrt(dot(g, g));
      if (gn0 === 0) break;
      for (let j = 0; j < dim; j++) dir[j] /= gn0;
    }
    for (let h = 0; h < S.length; h++) {
      const beta = rho[h] * dot(Y[h], dir);
      axpy(alpha[h] - beta, S[h], dir);
    }
    let slope = dot(g, dir);
    if (slope >= 0) {
      for (let j = 0; j < dim; j++) dir[j] = -g[j];
      slope = dot(g, dir);
      S.length = 0;
      Y.length = 0;
      rho.length = 0;
    }
    let step = 1;
    let fn = 0;
    for (let ls = 0; ls < 40; ls++) {
      for (let j = 0; j < dim; j++) xn[j] = x[j] + step * dir[j];
      fn = fg(xn, gn);
      if (fn <= f + 1e-4 * step * slope) break;
      step *= 0.5;
    }
    const s = new Float64Array(dim);
    const yv = new Float64Array(dim);
    for (let j = 0; j < dim; j++) {
      s[j] = xn[j] - x[j];
      yv[j] = gn[j] - g[j];
    }
    const sy = dot(s, yv);
    x.set(xn);
    g.set(gn);
    const rel = (f - fn) / Math.max(1, Math.abs(f));
    f = fn;
    if (sy > 1e-12) {
      S.push(s);
      Y.push(yv);
      rho.push(1 / sy);
      if (S.length > m) {
        S.shift();
        Y.shift();
        rho.shift();
      }
    }
    if (rel < tol) break;
  }
  return x;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
function axpy(a: number, xv: Float64Array, yv: Float64Array): void {
  for (let i = 0; i < xv.length; i++) yv[i] += a * xv[i];
}

/**
 * Binary L2-regularised L2-loss SVM via dual coordinate descent (the liblinear
 * algorithm). y in {-1,+1}; per-sample C = c * weight. Bias is a constant
 * feature of value `biasValue`.
 */
export function trainSvmDual(
  x: Csr,
  y: Float64Array,
  opts: { c: number; sampleWeight?: Float64Array; epochs?: number; seed?: number; biasValue?: number; eps?: number },
): { w: Float64Array; b: number } {
  const n = x.rows;
  const B = opts.biasValue ?? 1;
  const w = new Float64Array(x.cols);
  let b = 0;
  const a = new Float64Array(n);
  const qd = new Float64Array(n);
  const dii = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const ci = opts.c * (opts.sampleWeight ? opts.sampleWeight[i] : 1);
    dii[i] = 0.5 / ci;
    let s = B * B;
    for (let p = x.ptr[i]; p < x.ptr[i + 1]; p++) s += x.val[p] * x.val[p];
    qd[i] = s + dii[i];
  }
  const order = Array.from({ length: n }, (_, i) => i);
  const rand = rng(opts.seed ?? 1);
  const eps = opts.eps ?? 0.01;
  for (let ep = 0; ep < (opts.epochs ?? 100); ep++) {
    shuffleInPlace(order, rand);
    let maxPg = -Infinity;
    let minPg = Infinity;
    for (const i of order) {
      let wx = b * B;
      for (let p = x.ptr[i]; p < x.ptr[i + 1]; p++) wx += w[x.idx[p]] * x.val[p];
      const G = y[i] * wx - 1 + dii[i] * a[i];
      const pg = a[i] === 0 ? Math.min(G, 0) : G;
      if (pg > maxPg) maxPg = pg;
      if (pg < minPg) minPg = pg;
      if (Math.abs(pg) > 1e-12) {
        const old = a[i];
        a[i] = Math.max(old - G / qd[i], 0);
        const dlt = (a[i] - old) * y[i];
        for (let p = x.ptr[i]; p < x.ptr[i + 1]; p++) w[x.idx[p]] += dlt * x.val[p];
        b += dlt * B;
      }
    }
    if (maxPg - minPg < eps) break;
  }
  return { w, b: b * B };
}
