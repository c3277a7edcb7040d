// (De)serialisation of model bundles. Pure: callers pass bytes in and get
// bytes out, so the same code serves the loader, the trainer and tests.
// Weights are stored as int16 with one scale per table: a third of the size
// of float32 JSON, and byte-identical across runs.
import type { LinearTable } from './linear-model';
import type { ClassifierModel, Language, ModelBundle } from './types';

const MAGIC = 0x3142544c; // "LTB1"

export function encodeTable(t: LinearTable): Buffer {
  const n = t.keys.length;
  let maxAbs = 0;
  for (const w of t.weights) maxAbs = Math.max(maxAbs, Math.abs(w));
  const scale = maxAbs > 0 ? maxAbs / 32767 : 1;
  const buf = Buffer.alloc(20 + n * 4 + n * t.k * 2);
  buf.writeUInt32LE(MAGIC, 0);
  buf.writeUInt32LE(n, 4);
  buf.writeUInt32LE(t.k, 8);
  buf.writeDoubleLE(scale, 12);
  let o = 20;
  for (let i = 0; i < n; i++, o += 4) buf.writeUInt32LE(t.keys[i], o);
  for (let i = 0; i < n * t.k; i++, o += 2) buf.writeInt16LE(Math.round(t.weights[i] / scale), o);
  return buf;
}

export function decodeTable(buf: Buffer, bias: number[]): LinearTable {
  if (buf.length < 20 || buf.readUInt32LE(0) !== MAGIC) throw new Error('not a linear table file');
  const n = buf.readUInt32LE(4);
  const k = buf.readUInt32LE(8);
  const scale = buf.readDoubleLE(12);
  if (buf.length !== 20 + n * 4 + n * k * 2) throw new Error('truncated linear table file');
  const keys = new Uint32Array(n);
  const weights = new Float32Array(n * k);
  let o = 20;
  for (let i = 0; i < n; i++, o += 4) keys[i] = buf.readUInt32LE(o);
  for (let i = 0; i < n * k; i++, o += 2) weights[i] = buf.readInt16LE(o) * scale;
  return { k, keys, weights, bias };
}

/** What models/manifest.json holds: everything but the weight tables. */
export interface Manifest {
  version: string;
  models: Array<{
    task: 'sentiment' | 'rootCause';
    language: Language;
    file: string;
    labels: string[];
    features: ClassifierModel<string>['features'];
    bias: number[];
    calibA: number[];
    calibB: number[];
  }>;
}

const r6 = (x: number) => Math.round(x * 1e6) / 1e6;

export function encodeBundle(b: ModelBundle): { manifest: string; files: Record<string, Buffer> } {
  const files: Record<string, Buffer> = {};
  const models: Manifest['models'] = [];
  for (const task of ['sentiment', 'rootCause'] as const) {
    for (const language of ['en', 'de'] as const) {
      const m = b[task][language] as ClassifierModel<string> | undefined;
      if (!m) continue;
      const file = `${task === 'sentiment' ? 'sentiment' : 'rootcause'}-${language}.bin`;
      files[file] = encodeTable(m.table);
      models.push({
        task,
        language,
        file,
        labels: m.labels,
        features: m.features,
        bias: m.table.bias.map(r6),
        calibA: m.calibA.map(r6),
        calibB: m.calibB.map(r6),
      });
    }
  }
  const manifest: Manifest = { version: b.version, models };
  return { manifest: JSON.stringify(manifest, null, 1) + '\n', files };
}

export function decodeBundle(manifestJson: string, readFile: (name: string) => Buffer): ModelBundle {
  const m = JSON.parse(manifestJson) as Manifest;
  const bundle: ModelBundle = { version: m.version, sentiment: {}, rootCause: {} };
  for (const e of m.models) {
    const model: ClassifierModel<string> = {
      labels: e.labels,
      features: e.features,
      table: decodeTable(readFile(e.file), e.bias),
      calibA: e.calibA,
      calibB: e.calibB,
    };
    (bundle[e.task] as Record<string, ClassifierModel<string>>)[e.language] = model;
  }
  return bundle;
}
