// npm run score -- FILE.jsonl
// One JSON line in per text ({"id", "text", "language"?, "signalType"?}), one
// JSON line out per valid input, same order:
// {id, language, sentiment, label, rootCause, legalThreat, risk, score, tier}.
// Invalid lines are reported on stderr with their line number and skipped.
import * as fs from 'node:fs';
import { loadTextAnalyzer } from '../analysis';
import { assessRisk } from '../domain/risk';

interface InputLine {
  id: string | number;
  text: string;
  language?: string;
  signalType?: string;
}

function parseLine(line: string): InputLine | string {
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch {
    return 'not valid JSON';
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return 'expected a JSON object';
  const r = o as Record<string, unknown>;
  if (typeof r.id !== 'string' && typeof r.id !== 'number') return '"id" must be a string or number';
  if (typeof r.text !== 'string') return '"text" must be a string';
  if (r.language !== undefined && r.language !== null && typeof r.language !== 'string') return '"language" must be a string';
  if (r.signalType !== undefined && typeof r.signalType !== 'string') return '"signalType" must be a string';
  return { id: r.id, text: r.text, language: (r.language as string | null) ?? undefined, signalType: r.signalType as string | undefined };
}

function main(): number {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: npm run score -- FILE.jsonl\n');
    return 2;
  }
  let src: string;
  try {
    src = fs.readFileSync(file, 'utf8');
  } catch (e) {
    process.stderr.write(`cannot read ${file}: ${(e as Error).message}\n`);
    return 1;
  }
  const analyzer = loadTextAnalyzer();
  const lines = src.split(/\r?\n/);
  const out: string[] = [];
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    const p = parseLine(line);
    if (typeof p === 'string') {
      process.stderr.write(`${file}:${i + 1}: skipped: ${p}\n`);
      return;
    }
    const a = analyzer.analyze(p.text, p.language);
    const r = assessRisk({ text: a, signalType: p.signalType ?? 'feedback' });
    out.push(
      JSON.stringify({
        id: p.id,
        language: a.language,
        sentiment: a.sentiment,
        label: a.label,
        rootCause: a.rootCause,
        legalThreat: a.legalThreat,
        risk: r.risk,
        score: r.score,
        tier: r.tier,
      }),
    );
  });
  if (out.length) process.stdout.write(out.join('\n') + '\n');
  return 0;
}

process.exitCode = main();
