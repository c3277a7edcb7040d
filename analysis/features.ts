// Text → sparse hashed features. Shared verbatim by training and inference so
// the model sees exactly the same features in both. Written for speed (the
// platform needs >10k tweets/s on one core): one normalising pass, typed-array
// sorting instead of Maps, reusable scratch buffers.
import { lexiconStats } from './lexicon';
import type { Language } from './types';

export interface FeatureConfig {
  /** Largest word n-gram (1 = unigrams only). */
  wordN: number;
  /** Character n-gram length range over the normalised text; charMax 0 disables. */
  charMin: number;
  charMax: number;
  /** Mark tokens after a negator ("not good" → "¬good") up to the next punctuation. */
  negation: boolean;
  /** Weight of the char block relative to the word block (each is L2-normalised). */
  charWeight: number;
  /** Weight of the dense lexicon features; 0 disables. */
  lexiconWeight: number;
}

export const DEFAULT_FEATURES: FeatureConfig = {
  wordN: 2,
  charMin: 3,
  charMax: 5,
  negation: true,
  charWeight: 1,
  lexiconWeight: 2,
};

/** Sparse vector; keys may repeat (values then add up). */
export interface Features {
  keys: Uint32Array;
  vals: Float64Array;
  /** The first nWord entries are the word n-gram block (what root-cause models use). */
  nWord: number;
}

const NEGATORS = new Set([
  'not', 'no', 'never', 'nothing', 'nobody', 'none', 'cannot', 'without', 'nor', 'neither',
  'dont', 'doesnt', 'didnt', 'isnt', 'arent', 'wasnt', 'werent', 'cant', 'couldnt', 'wont', 'wouldnt', 'shouldnt',
  'havent', 'hasnt', 'hadnt', 'aint',
  'nicht', 'kein', 'keine', 'keinen', 'keinem', 'keiner', 'keines', 'nie', 'niemals', 'nichts', 'niemand', 'ohne', 'weder',
]);
const NEG_SCOPE = 3;

/**
 * Lowercase; URLs → "http"; HTML entities decoded; digit runs → "0";
 * 3+ repeated letters → 2 ("soooo" → "soo"); whitespace collapsed.
 */
export function normalize(text: string): string {
  let s = text;
  if (s.indexOf('&') >= 0) s = s.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"');
  if (s.indexOf('http') >= 0 || s.indexOf('www.') >= 0) s = s.replace(/https?:\/\/\S+|www\.\S+/g, ' http ');
  s = s.toLowerCase();
  let out = '';
  let prev = -1;
  let run = 0;
  let lastSpace = true;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c === 0x2019 || c === 0x2018 || c === 0x60 || c === 0xb4) c = 0x27; // curly/back quotes → '
    if (c >= 48 && c <= 57) {
      if (prev === 48) continue; // digit run → single 0
      c = 48;
    } else if (c === 32 || c === 9 || c === 10 || c === 13 || c === 0xa0) {
      if (lastSpace) continue;
      lastSpace = true;
      out += ' ';
      prev = 32;
      run = 0;
      continue;
    }
    if (c === prev && isLetter(c)) {
      run++;
      if (run >= 2) continue;
    } else run = 0;
    out += String.fromCharCode(c);
    prev = c;
    lastSpace = false;
  }
  return lastSpace && out.length ? out.slice(0, -1) : out;
}

function isLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 0xdf && c <= 0x24f);
}
function isWordChar(c: number): boolean {
  return isLetter(c) || (c >= 48 && c <= 57) || c === 95 || c === 45 || c === 0x27 || (c >= 0x370 && c <= 0x1fff);
}

/**
 * Word tokens of normalised text: letters/digits/_/-/' runs (apostrophes
 * dropped so "don't" = "dont", a leading @ or # kept), "!"/"?" runs, other
 * punctuation as single chars (they end negation scopes), emoji as tokens.
 */
export function tokenize(norm: string): string[] {
  const out: string[] = [];
  const n = norm.length;
  let i = 0;
  while (i < n) {
    const c = norm.charCodeAt(i);
    if (c === 32) {
      i++;
      continue;
    }
    if (isWordChar(c) || ((c === 64 || c === 35) && i + 1 < n && isWordChar(norm.charCodeAt(i + 1)))) {
      let j = i + 1;
      while (j < n && isWordChar(norm.charCodeAt(j))) j++;
      let w = norm.slice(i, j);
      if (w.indexOf("'") >= 0) w = w.replace(/'/g, '');
      if (w.length > 0 && w !== '-') out.push(w);
      i = j;
    } else if ((c === 58 || c === 59 || c === 61) && i + 1 < n && EMOTICON_RE.test(norm.slice(i, i + 3))) {
      const m = EMOTICON_RE.exec(norm.slice(i, i + 3))!;
      out.push(m[0].replace('-', ''));
      i += m[0].length;
    } else if (c === 33 || c === 63) {
      let j = i + 1;
      while (j < n && (norm.charCodeAt(j) === 33 || norm.charCodeAt(j) === 63)) j++;
      out.push(norm.slice(i, Math.min(j, i + 3)));
      i = j;
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      out.push(norm.slice(i, i + 2)); // astral symbol, e.g. emoji
      i += 2;
    } else {
      // punctuation that ends negation scopes, and symbols (not emoji joiners/variation selectors)
      if (c === 46 || c === 44 || c === 59 || c === 58 || (c >= 0x2000 && c !== 0xfe0f && c !== 0x200d)) out.push(norm[i]);
      i++;
    }
  }
  return out;
}

// ASCII emoticons after lowercasing: :) :-) ;) :d :( :-( :/ =) ...
const EMOTICON_RE = /^[:;=]-?[()dp/\\|]/;

function isBoundary(t: string): boolean {
  const c = t.charCodeAt(0);
  return t.length <= 3 && (c === 46 || c === 44 || c === 59 || c === 58 || c === 33 || c === 63);
}

/** Tokens with negation scopes marked; punctuation ends a scope. */
export function markNegation(tokens: string[]): string[] {
  const out: string[] = new Array(tokens.length);
  let left = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (isBoundary(t)) {
      left = 0;
      out[i] = t;
    } else if (NEGATORS.has(t)) {
      left = NEG_SCOPE;
      out[i] = t;
    } else if (left > 0) {
      out[i] = '¬' + t;
      left--;
    } else out[i] = t;
  }
  return out;
}

// FNV-1a 32 bit; the seed separates namespaces (word n-gram order, chars).
function hashStr(s: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Dense lexicon feature keys: tiny integers no n-gram hash is likely to hit. */
export const LEX_KEYS = { pos: 11, neg: 12, nPos: 13, nNeg: 14, balance: 15, exclaim: 16 } as const;

let scratch = new Uint32Array(4096);

export interface Analysed {
  norm: string;
  tokens: string[];
  features: Features;
  lexNeg: number;
  lexPos: number;
  negWords: string[];
}

/**
 * Word 1..wordN-grams (binary, L2-normalised) and character n-grams (term
 * frequency / sqrt(number of n-grams)), plus a few dense lexicon features.
 */
/** Longer texts are cut: the first 20k characters decide, and cost stays bounded. */
export const MAX_TEXT_CHARS = 20_000;

export function analyseText(text: string, lang: Language, cfg: FeatureConfig): Analysed {
  const norm = normalize(text.length > MAX_TEXT_CHARS ? text.slice(0, MAX_TEXT_CHARS) : text);
  const toks = tokenize(norm);
  const words = cfg.negation ? markNegation(toks) : toks;
  const maxChar = cfg.charMax > 0 ? (norm.length + 2) * (cfg.charMax - cfg.charMin + 1) : 0;
  const need = words.length * cfg.wordN + maxChar + 8;
  if (scratch.length < need) scratch = new Uint32Array(need * 2);

  // word block
  let nw = 0;
  for (let i = 0; i < words.length; i++) {
    scratch[nw++] = hashStr(words[i], 1);
    let g = words[i];
    for (let n = 2; n <= cfg.wordN && i + n - 1 < words.length; n++) {
      g += ' ' + words[i + n - 1];
      scratch[nw++] = hashStr(g, n);
    }
  }
  const wordKeys = scratch.subarray(0, nw).sort();
  let nwu = 0;
  for (let i = 0; i < nw; i++) if (i === 0 || wordKeys[i] !== wordKeys[i - 1]) wordKeys[nwu++] = wordKeys[i];

  // char block, written after the unique word keys
  let nc = 0;
  const base = nwu;
  if (cfg.charMax > 0) {
    const s = ' ' + norm + ' ';
    for (let i = 0; i < s.length; i++) {
      let h = 0x811c9dc5 ^ 99;
      for (let n = 1; n <= cfg.charMax && i + n <= s.length; n++) {
        h ^= s.charCodeAt(i + n - 1);
        h = Math.imul(h, 0x01000193);
        if (n >= cfg.charMin) scratch[base + nc++] = (h ^ n) >>> 0;
      }
    }
  }
  // Char n-grams are emitted as they come, repeats included (their values add
  // up in a linear model), scaled by 1/sqrt(count): no sorting or counting per
  // text, which is most of the feature cost otherwise.
  const ck = nc > 0 ? cfg.charWeight / Math.sqrt(nc) : 0;
  const lex = lexiconStats(words, lang);
  const nLex = cfg.lexiconWeight > 0 ? 6 : 0;
  const total = nwu + nc + nLex;
  const keys = new Uint32Array(total);
  const vals = new Float64Array(total);
  const wv = nwu > 0 ? 1 / Math.sqrt(nwu) : 0;
  for (let i = 0; i < nwu; i++) {
    keys[i] = wordKeys[i];
    vals[i] = wv;
  }
  for (let i = 0; i < nc; i++) {
    keys[nwu + i] = scratch[base + i];
    vals[nwu + i] = ck;
  }
  if (nLex) {
    const w = cfg.lexiconWeight;
    let o = nwu + nc;
    let excl = 0;
    for (const t of toks) if (t.charCodeAt(0) === 33) excl++;
    keys[o] = LEX_KEYS.pos;
    vals[o++] = (w * lex.pos) / 4;
    keys[o] = LEX_KEYS.neg;
    vals[o++] = (w * lex.neg) / 4;
    keys[o] = LEX_KEYS.nPos;
    vals[o++] = (w * lex.nPos) / 3;
    keys[o] = LEX_KEYS.nNeg;
    vals[o++] = (w * lex.nNeg) / 3;
    keys[o] = LEX_KEYS.balance;
    vals[o++] = w * Math.tanh((lex.pos - lex.neg) / 4);
    keys[o] = LEX_KEYS.exclaim;
    vals[o++] = (w * Math.min(excl, 3)) / 3;
  }
  return { norm, tokens: toks, features: { keys, vals, nWord: nwu }, lexNeg: lex.neg, lexPos: lex.pos, negWords: lex.negWords };
}
