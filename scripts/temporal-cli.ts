// Finds (or builds) the Temporal CLI and runs its dev server. Shared by `npm start` and `npm test`.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { SearchAttributeType } from '@temporalio/common';
import { SEARCH_ATTRIBUTES } from '../domain/messages';

export const CLI_VERSION = 'v1.5.1';
const GO_MODULE = `github.com/temporalio/cli/cmd/temporal@${CLI_VERSION}`;

export type CliSource = 'TEMPORAL_CLI_PATH' | 'PATH' | 'cache' | 'go build' | 'sdk download';
export interface CliLocation {
  path: string | null; // null: let the SDK download it
  source: CliSource;
}

export function cacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'engagement-platform', `temporal-cli-${CLI_VERSION}`);
}

function works(bin: string): boolean {
  return spawnSync(bin, ['--version'], { stdio: 'ignore', timeout: 20_000 }).status === 0;
}

function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const p = path.join(dir, name);
    if (dir && fs.existsSync(p)) return p;
  }
  return null;
}

function goBinary(): string | null {
  return onPath('go') ?? (fs.existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : null);
}

/** Explicit path, PATH, our cache, a build with Go, and last the SDK's own download. */
export function findTemporalCli(log: (msg: string) => void = console.log): CliLocation {
  const explicit = process.env.TEMPORAL_CLI_PATH;
  if (explicit) {
    if (!works(explicit)) throw new Error(`TEMPORAL_CLI_PATH=${explicit} is not a working temporal binary`);
    return { path: explicit, source: 'TEMPORAL_CLI_PATH' };
  }
  const fromPath = onPath('temporal');
  if (fromPath && works(fromPath)) return { path: fromPath, source: 'PATH' };
  const cached = path.join(cacheDir(), 'temporal');
  if (fs.existsSync(cached) && works(cached)) return { path: cached, source: 'cache' };

  const go = goBinary();
  if (go) {
    log(`Building the Temporal CLI ${CLI_VERSION} with Go into ${cacheDir()} (a few minutes the first time)…`);
    fs.mkdirSync(cacheDir(), { recursive: true });
    const r = spawnSync(go, ['install', GO_MODULE], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, GOBIN: cacheDir(), GOFLAGS: '-mod=mod' },
    });
    if (r.status === 0 && works(cached)) return { path: cached, source: 'go build' };
    log(`go install ${GO_MODULE} failed (exit ${r.status}); trying the SDK's download.`);
  }
  log('No temporal binary found and Go is unavailable: the Temporal SDK will download the CLI (needs internet).');
  return { path: null, source: 'sdk download' };
}

export interface DevServer {
  address: string;
  uiUrl: string | null;
  source: CliSource;
  stop(): Promise<void>;
}

export interface DevServerOptions {
  /** SQLite file for persistence; in-memory when absent. */
  dbFile?: string;
  port?: number;
  uiPort?: number | null; // null: headless
  /** Register our search attributes at start (default true). */
  registerSearchAttributes?: boolean;
  log?: (msg: string) => void;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`temporal dev server exited with code ${child.exitCode}`);
    if (await portInUse(port)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`temporal dev server did not open port ${port} within ${timeoutMs} ms`);
}

/**
 * Runs the command given as arguments and ends it when its stdin closes: the parent holds the other
 * end of that pipe, and the kernel closes it however the parent ends, even on SIGKILL.
 */
const WATCHDOG = `
const { spawn } = require('node:child_process');
const [bin, ...args] = process.argv.slice(1);
const server = spawn(bin, args, { stdio: ['ignore', 'ignore', 'inherit'] });
const end = (signal) => { try { server.kill(signal); } catch {} };
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
process.on('SIGTERM', () => end('SIGTERM'));
process.on('SIGINT', () => end('SIGINT'));
const orphaned = () => { end('SIGTERM'); setTimeout(() => end('SIGKILL'), 5000).unref(); };
process.stdin.on('data', () => {});
process.stdin.on('end', orphaned);
process.stdin.on('error', orphaned);
`;

const SA_TYPE_FLAG: Record<string, string> = {
  [SearchAttributeType.KEYWORD]: 'Keyword',
  [SearchAttributeType.DOUBLE]: 'Double',
  [SearchAttributeType.KEYWORD_LIST]: 'KeywordList',
};

/** Starts `temporal server start-dev` with our search attributes registered. */
export async function startDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
  const log = opts.log ?? console.log;
  const cli = findTemporalCli(log);
  const port = opts.port ?? (await freePort());
  for (const p of [port, opts.uiPort].filter((x): x is number => typeof x === 'number')) {
    if (await portInUse(p)) {
      throw new Error(`port ${p} is already in use (another Temporal dev server?): stop it, or set TEMPORAL_ADDRESS to use a running server`);
    }
  }
  const uiPort = opts.uiPort === undefined ? null : opts.uiPort;
  const searchAttrs = opts.registerSearchAttributes === false ? [] : Object.values(SEARCH_ATTRIBUTES);
  // A journey's batch activity goes back with the workflow task that schedules it, to the worker that
  // runs the journey, instead of through the task queue (eager activity execution; off by default).
  const eagerActivities = ['--dynamic-config-value', 'system.enableActivityEagerExecution=true'];

  if (cli.path === null) {
    const { TestWorkflowEnvironment } = await import('@temporalio/testing');
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'cached-download' },
        ip: '127.0.0.1',
        port,
        dbFilename: opts.dbFile,
        ui: uiPort !== null,
        uiPort: uiPort ?? undefined,
        searchAttributes: searchAttrs,
        extraArgs: eagerActivities,
      },
    });
    return { address: `127.0.0.1:${port}`, uiUrl: uiPort ? `http://127.0.0.1:${uiPort}` : null, source: cli.source, stop: () => env.teardown() };
  }

  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'error'];
  args.push(...eagerActivities);
  args.push(...(uiPort === null ? ['--headless'] : ['--ui-port', String(uiPort)]));
  if (opts.dbFile) args.push('--db-filename', opts.dbFile);
  for (const key of searchAttrs) args.push('--search-attribute', `${key.name}=${SA_TYPE_FLAG[key.type]}`);
  // Its own process group, so stopping it never leaves a child behind; started through WATCHDOG, so
  // it also ends when this process dies without running any handler (SIGKILL, a crash).
  const child = spawn(process.execPath, ['-e', WATCHDOG, cli.path, ...args], { stdio: ['pipe', 'ignore', 'inherit'], detached: true });
  // Whatever way this process ends, the server does not outlive it.
  const killOnExit = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 5000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitForPort(port, child, 60_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { address: `127.0.0.1:${port}`, uiUrl: uiPort !== null ? `http://127.0.0.1:${uiPort}` : null, source: cli.source, stop };
}

if (require.main === module) {
  // `npm run temporal:cli`: provision the binary and say where it is (CI calls this first).
  const cli = findTemporalCli();
  if (cli.path) console.log(`temporal CLI (${cli.source}): ${cli.path} — ${execFileSync(cli.path, ['--version']).toString().trim()}`);
  else console.log('temporal CLI: will be downloaded by the SDK at start');
}
