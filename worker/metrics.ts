// The worker's /metrics: what its activities counted (api/metrics.ts), its process metrics, and the
// Temporal SDK's worker metrics (task slots, poll and schedule-to-start latencies, …), which the
// SDK's Rust core serves on its own address; this listener appends them, so one scrape target per
// worker has everything.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { platformRegistry } from '../api/metrics';

export interface WorkerMetricsServer {
  port: number;
  close: () => Promise<void>;
}

export async function startWorkerMetrics(opts: { host: string; port: number; sdkMetricsUrl?: string | null }): Promise<WorkerMetricsServer> {
  const own = new Registry();
  collectDefaultMetrics({ register: own });
  const registry = Registry.merge([own, platformRegistry]);
  const server = http.createServer(async (req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    try {
      let body = await registry.metrics();
      if (opts.sdkMetricsUrl) {
        // Best effort: the SDK's exporter may not be up yet.
        const sdk = await fetch(opts.sdkMetricsUrl, { signal: AbortSignal.timeout(2000) })
          .then((r) => (r.ok ? r.text() : ''))
          .catch(() => '');
        if (sdk) body += `\n${sdk}`;
      }
      res.writeHead(200, { 'content-type': registry.contentType }).end(body);
    } catch {
      res.writeHead(500).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
