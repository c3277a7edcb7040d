// A worker in a process of its own, so a fault test can SIGKILL it. Built with worker/create.ts
// against the test database and a dev server; configured by FAULT_* variables (see faults.ts).
// FAULT_FREEZE_AFTER_ALERT_COMMIT=1: right after the first transaction that stored an alert has
// committed, print FROZEN and block the event loop, so the activity never reports its result
// (the parent then SIGKILLs this process: the worst moment for idempotency).
import fs from 'node:fs';
import pg from 'pg';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { loadTextAnalyzer } from '../../analysis';
import { createDb } from '../../db';
import { createCodec } from '../../privacy';
import { createWorker } from '../../worker/create';

const env = (name: string) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};

/** Per Postgres connection: once a transaction that inserted an alert commits, freeze for good. */
function freezeAfterFirstAlertCommit() {
  const storedAlert = new WeakSet<object>();
  const query = pg.Client.prototype.query as (...args: any[]) => any;
  (pg.Client.prototype as any).query = function (this: object, ...args: any[]) {
    const text = String(typeof args[0] === 'string' ? args[0] : args[0]?.text ?? '').toLowerCase();
    // (Alerts are inserted inside a WITH … statement together with their events.)
    if (text.includes('insert into "alerts"')) storedAlert.add(this);
    const callback = args[args.length - 1];
    if (text.startsWith('commit') && storedAlert.has(this) && typeof callback === 'function') {
      args[args.length - 1] = (err: unknown, ...rest: unknown[]) => {
        if (!err) {
          fs.writeSync(1, 'FROZEN\n');
          for (;;); // committed, and nothing more runs here until the parent's SIGKILL
        }
        return callback(err, ...rest);
      };
    }
    return query.apply(this, args);
  };
}

async function run() {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const db = createDb(env('FAULT_DATABASE_URL'));
  if (process.env.FAULT_FREEZE_AFTER_ALERT_COMMIT === '1') freezeAfterFirstAlertCommit();
  const connection = await NativeConnection.connect({ address: env('FAULT_TEMPORAL_ADDRESS') });
  const worker = await createWorker({
    db,
    analyzer: loadTextAnalyzer(),
    connection,
    namespace: 'default',
    taskQueue: env('FAULT_TASK_QUEUE'),
    workflowBundle: JSON.parse(fs.readFileSync(env('FAULT_BUNDLE'), 'utf8')),
    codec: createCodec(db, [{ id: env('FAULT_MASTER_KEY_ID'), key: Buffer.from(env('FAULT_MASTER_KEY'), 'hex') }]),
    pseudonymSecret: env('FAULT_PSEUDONYM_SECRET'),
  });
  const running = worker.run();
  const ready = setInterval(() => {
    if (worker.getState() === 'RUNNING') {
      clearInterval(ready);
      fs.writeSync(1, 'READY\n');
    }
  }, 50);
  try {
    await running;
  } finally {
    clearInterval(ready);
    await connection.close();
    await db.destroy();
  }
}

run().catch((err) => {
  console.error(err);
  process.exit(1);
});
