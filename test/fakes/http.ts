// A tiny loopback HTTP server for fakes of external APIs.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface FakeReply {
  status: number;
  json?: unknown;
}

export async function startFakeServer(handle: (req: FakeRequest) => FakeReply | Promise<FakeReply>) {
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (body += c));
    req.on('end', async () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      try {
        const r = await handle({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body });
        res.statusCode = r.status;
        if (r.json === undefined) return void res.end();
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(r.json));
      } catch (err) {
        res.statusCode = 500;
        res.end(JSON.stringify({ message: (err as Error).message }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
