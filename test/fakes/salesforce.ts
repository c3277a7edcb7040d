// A local server that answers like the Salesforce REST API (what @salesforce/core's AuthInfo and
// Connection ask, and sobjects Case create/update and SOQL query), for the real client.
import { randomBytes } from 'node:crypto';
import { startFakeServer, type FakeReply } from './http';

export type FakeCase = Record<string, unknown> & { Id: string };

export async function startFakeSalesforce(opts: { accessToken: string }) {
  const cases: FakeCase[] = [];
  const requests: { method: string; path: string; query: string | null }[] = [];
  let dropNextCreateReplies = 0;
  let createDelayMs = 0;
  const id = (prefix: string) => `${prefix}${randomBytes(8).toString('hex').slice(0, 15)}`.slice(0, 18);
  const orgId = id('00D');
  const userId = id('005');

  const query = (soql: string): FakeReply => {
    const records = (() => {
      const m = /^SELECT\s+(.+?)\s+FROM\s+Case\s+WHERE\s+(\w+)\s*=\s*'((?:[^'\\]|\\.)*)'/i.exec(soql);
      if (m) return cases.filter((c) => String(c[m[2]]) === m[3].replace(/\\(.)/g, '$1')).map((c) => ({ attributes: { type: 'Case' }, ...c }));
      if (/FROM\s+Organization/i.test(soql)) return [{ attributes: { type: 'Organization' }, Name: 'Fake Org', InstanceName: 'FAKE1', IsSandbox: false, TrialExpirationDate: null, NamespacePrefix: null, OrganizationType: 'Developer Edition' }];
      return [];
    })();
    return { status: 200, json: { totalSize: records.length, done: true, records } };
  };

  const server = await startFakeServer(async (req) => {
    requests.push({ method: req.method, path: req.path, query: req.query.get('q') });
    if (req.headers.authorization !== `Bearer ${opts.accessToken}`) {
      return { status: 401, json: [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }] };
    }
    if (req.path === '/services/oauth2/userinfo') {
      return { status: 200, json: { user_id: userId, organization_id: orgId, preferred_username: 'integration@example.com', email: 'integration@example.com' } };
    }
    if (req.path === '/services/data' || req.path === '/services/data/') {
      return { status: 200, json: [{ label: "Winter '24", url: '/services/data/v60.0', version: '60.0' }] };
    }
    const m = /^\/services\/data\/v(\d+\.\d+)(\/.*)$/.exec(req.path);
    if (!m) return { status: 404, json: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }] };
    const rest = m[2];
    if (rest === '/query' || rest === '/query/') return query(req.query.get('q') ?? '');
    if (/^\/sobjects\/User\//.test(rest)) return { status: 200, json: { attributes: { type: 'User' }, Id: userId, Username: 'integration@example.com' } };
    if (rest === '/sobjects/Case' && req.method === 'POST') {
      if (createDelayMs > 0) await new Promise((r) => setTimeout(r, createDelayMs));
      const fields = JSON.parse(req.body || '{}');
      const c: FakeCase = { ...fields, Id: id('500'), CaseNumber: String(1000 + cases.length + 1) };
      cases.push(c);
      if (dropNextCreateReplies > 0) {
        dropNextCreateReplies -= 1;
        return { status: 503, json: [{ errorCode: 'SERVER_UNAVAILABLE', message: 'created, but the reply was lost' }] };
      }
      return { status: 201, json: { id: c.Id, success: true, errors: [] } };
    }
    const one = /^\/sobjects\/Case\/([A-Za-z0-9]{15,18})$/.exec(rest);
    if (one && req.method === 'PATCH') {
      const c = cases.find((x) => x.Id === one[1]);
      if (!c) return { status: 404, json: [{ errorCode: 'NOT_FOUND', message: 'Provided external ID field does not exist or is not accessible' }] };
      Object.assign(c, JSON.parse(req.body || '{}'));
      return { status: 204 };
    }
    if (one && req.method === 'GET') {
      const c = cases.find((x) => x.Id === one[1]);
      return c ? { status: 200, json: { attributes: { type: 'Case' }, ...c } } : { status: 404, json: [{ errorCode: 'NOT_FOUND', message: 'not found' }] };
    }
    return { status: 404, json: [{ errorCode: 'NOT_FOUND', message: `no fake for ${req.method} ${rest}` }] };
  });
  return {
    ...server,
    cases,
    requests,
    /** The next create stores the case but answers 503, as if the reply was lost on the way. */
    loseNextCreateReply: () => {
      dropNextCreateReplies += 1;
    },
    /** Creates take this long (a slow instance): lookups made meanwhile do not see the case yet. */
    slowCreates: (ms: number) => {
      createDelayMs = ms;
    },
  };
}

export type FakeSalesforce = Awaited<ReturnType<typeof startFakeSalesforce>>;
