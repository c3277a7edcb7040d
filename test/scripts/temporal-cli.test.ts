import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { freePort } from '../../scripts/temporal-cli';

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

describe('the Temporal dev server started by `npm start`', () => {
  it('ends with its parent, even when the parent is killed with SIGKILL', async function () {
    this.timeout(90_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'temporal-orphan-'));
    const [port, uiPort] = [await freePort(), await freePort()];
    // A parent that starts the dev server as scripts/start.ts does (a database file, the Web UI), then idles.
    const script = `
      require('./scripts/temporal-cli').startDevServer({ dbFile: ${JSON.stringify(path.join(dir, 'temporal.db'))}, port: ${port}, uiPort: ${uiPort}, log: () => {} })
        .then(() => { console.log('ready'); setInterval(() => {}, 1000); }, (err) => { console.error(err); process.exit(1); });`;
    const parent = spawn(process.execPath, ['-r', 'tsx/cjs', '-e', script], { cwd: path.join(__dirname, '../..'), stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        parent.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
        parent.once('exit', (code) => reject(new Error(`the parent exited (${code}) before the dev server was ready`)));
      });
      expect(await listening(port), 'dev server listening').to.equal(true);

      parent.kill('SIGKILL');
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline && ((await listening(port)) || (await listening(uiPort)))) await new Promise((r) => setTimeout(r, 200));
      expect(await listening(port), `something still listens on ${port}`).to.equal(false);
      expect(await listening(uiPort), `something still listens on ${uiPort}`).to.equal(false);
    } finally {
      parent.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
