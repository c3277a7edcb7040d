// npm run train [-- --extra FILE.jsonl]
// Rebuilds models/ from the corpora (plus optional company-labelled examples).
// Deterministic: fixed split seed, seeded learners, stable serialisation.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkComplaints } from '../analysis/training/complaints';
import {
  analyzerFrom,
  evaluateCorpus,
  loadCorpora,
  MODEL_VERSION,
  readExtra,
  roundTrip,
  trainLanguage,
  type ExtraExample,
} from '../analysis/training/pipeline';
import type { ModelBundle } from '../analysis/types';

function parseArgs(argv: string[]): { extra?: string; out: string } {
  let extra: string | undefined;
  let out = path.resolve(__dirname, '../models');
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--extra') extra = argv[++i];
    else if (argv[i] === '--out') out = path.resolve(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]} (use --extra FILE.jsonl, --out DIR)`);
  }
  return { extra, out };
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const log = (m: string) => process.stderr.write(m + '\n');
  const corpora = loadCorpora();
  let extra: ExtraExample[] = [];
  let version = MODEL_VERSION;
  if (args.extra) {
    extra = readExtra(args.extra);
    const digest = crypto.createHash('sha256').update(fs.readFileSync(args.extra)).digest('hex').slice(0, 8);
    version = `${MODEL_VERSION}+custom.${digest}`;
    log(`adding ${extra.length} labelled examples from ${args.extra}`);
  }
  const bundle: ModelBundle = { version, sentiment: {}, rootCause: {} };

  for (const c of corpora) {
    const train = [...c.train, ...extra.filter((e) => e.language === c.language)];
    const m = trainLanguage(c.language, train, log);
    bundle.sentiment[c.language] = m.sentiment;
    if (m.rootCause) bundle.rootCause[c.language] = m.rootCause;

  }
  const rt = roundTrip(bundle);
  const analyzer = analyzerFrom(rt.bundle);
  const reports = corpora.map((c) => evaluateCorpus(analyzer, c));
  const complaints = checkComplaints(analyzer);

  fs.mkdirSync(args.out, { recursive: true });
  for (const [name, buf] of Object.entries(rt.files)) fs.writeFileSync(path.join(args.out, name), buf);
  fs.writeFileSync(path.join(args.out, 'manifest.json'), rt.manifest);
  const r4 = (x: number) => Math.round(x * 1e4) / 1e4;
  const metrics = {
    version,
    heldout: Object.fromEntries(
      reports.map((r) => [
        r.language,
        {
          corpus: r.corpus,
          n: r.metrics.n,
          accuracy: r4(r.metrics.accuracy),
          macroF1: r4(r.metrics.macroF1),
          negativeF1: r4(r.metrics.negativeF1),
          confusion: r.metrics.confusion,
          majorityBaseline: { label: r.majority.label, accuracy: r4(r.majority.metrics.accuracy), macroF1: r4(r.majority.metrics.macroF1) },
          rootCauseAccuracy: r4(r.rootCause.accuracy),
        },
      ]),
    ),
    complaints: { n: complaints.n, negativeRate: r4(complaints.negativeRate) },
  };
  fs.writeFileSync(path.join(args.out, 'metrics.json'), JSON.stringify(metrics, null, 1) + '\n');
  for (const r of reports) log(`${r.corpus}: held-out accuracy ${r.metrics.accuracy.toFixed(4)}, macro-F1 ${r.metrics.macroF1.toFixed(4)}, negative F1 ${r.metrics.negativeF1.toFixed(4)}`);
  log(`unseen-domain complaints: ${(complaints.negativeRate * 100).toFixed(1)}% negative`);
}

main();
