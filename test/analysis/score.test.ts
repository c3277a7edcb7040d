import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

function score(input: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'score-'));
  const file = path.join(dir, 'in.jsonl');
  fs.writeFileSync(file, input);
  return spawnSync(process.execPath, ['--require', 'tsx/cjs', path.join(ROOT, 'scripts/score.ts'), file], { cwd: ROOT, encoding: 'utf8' });
}

describe('npm run score', function () {
  this.timeout(60_000);

  it('writes one line per valid input in order and reports bad lines on stderr', () => {
    const r = score(
      [
        '{"id":"a","text":"I will sue you, this is the third time you lost my bag"}',
        'this is not json',
        '{"id":2,"text":"Der Zug hatte wieder 40 Minuten Verspätung, unmöglich!"}',
        '{"text":"missing id"}',
        '{"id":"c","text":"Thanks, lovely crew!","language":"en"}',
      ].join('\n') + '\n',
    );
    expect(r.status).to.equal(0);
    const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(out.map((o) => o.id)).to.deep.equal(['a', 2, 'c']);
    expect(out[0]).to.include({ language: 'en', label: 'negative', legalThreat: true });
    expect(out[0].risk.legal).to.be.greaterThan(0.5);
    expect(['moderate', 'high', 'critical']).to.include(out[0].tier);
    expect(out[1]).to.include({ language: 'de', label: 'negative', rootCause: 'delivery_delay' });
    expect(out[2]).to.include({ label: 'positive', tier: 'low' });
    for (const o of out) expect(Object.keys(o)).to.deep.equal(['id', 'language', 'sentiment', 'label', 'rootCause', 'legalThreat', 'risk', 'score', 'tier']);
    expect(r.stderr).to.match(/:2: skipped: not valid JSON/);
    expect(r.stderr).to.match(/:4: skipped: "id"/);
  });

  it('exits non-zero when the file cannot be read', () => {
    const r = spawnSync(process.execPath, ['--require', 'tsx/cjs', path.join(ROOT, 'scripts/score.ts'), '/nonexistent/file.jsonl'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).to.equal(1);
    expect(r.stderr).to.match(/cannot read/);
  });
});
