// The ops console: preact + htm (no build step), chart.js for the charts. Talks to /v1 with the
// session cookie; the CSRF token lives in this module's memory only (a reload asks the server).
import { h, render } from './vendor/preact.mjs';
import { useCallback, useEffect, useMemo, useRef, useState } from './vendor/hooks.mjs';
import htm from './vendor/htm.mjs';

const html = htm.bind(h);

const ALERT_TYPES = {
  churn_signal: 'Churn signal',
  legal_threat: 'Legal threat',
  critical_escalation: 'Critical escalation',
  high_risk_compound: 'Several risks at once',
  volume_spike: 'Volume spike',
  sentiment_cliff: 'Sentiment cliff',
  geo_concentration: 'Geographic concentration',
  outreach_escalation: 'Outreach escalation',
  processing_failed: 'Processing failed',
};
const SEVERITIES = ['low', 'medium', 'high', 'critical', 'crisis'];
const STATUSES = ['active', 'acknowledged', 'resolved'];
const TIERS = ['low', 'moderate', 'high', 'critical'];
const PALETTE = ['#0b57d0', '#b3261e', '#1e7f34', '#8a4b00', '#6b2fa0', '#00696b', '#5c5200', '#4a5361', '#8c1d18'];
const STREAM_EVENTS = ['alert.created', 'alert.acknowledged', 'alert.resolved', 'alert.suppressed'];

// ---------------------------------------------------------------------------------------------
// Talking to the API

let csrfToken = null;
let onSignedOut = () => {};

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function api(path, { method = 'GET', body } = {}) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const res = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  const data = res.status === 204 ? null : await res.json().catch(() => null);
  if (!res.ok) {
    if (res.status === 401 && !path.startsWith('/console/session')) onSignedOut();
    throw new ApiError(res.status, data?.error?.message ?? `request failed (${res.status})`);
  }
  return data;
}

const query = (params) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
};

// ---------------------------------------------------------------------------------------------
// Small pieces

const fmtTime = (iso) => (iso ? new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' }) : '—');
const Time = ({ at }) => (at ? html`<time datetime=${at}>${fmtTime(at)}</time>` : html`<span>—</span>`);
const typeLabel = (t) => ALERT_TYPES[t] ?? t;
const Severity = ({ value }) => html`<span class=${`sev sev-${value}`}>${value}</span>`;
const pct = (v) => (v === null || v === undefined ? '—' : `${Math.round(v * 10) / 10}%`);
const words = (k) => k.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/_/g, ' ').toLowerCase();
/** Evidence values in words: numbers rounded, objects as "name value" pairs. */
const plain = (v) =>
  typeof v === 'number'
    ? String(Math.round(v * 100) / 100)
    : Array.isArray(v)
      ? v.map(plain).join(', ')
      : v && typeof v === 'object'
        ? Object.entries(v)
            .map(([k, x]) => `${words(k)} ${plain(x)}`)
            .join(', ')
        : String(v);
const EVIDENCE_LABELS = { risk: 'Risk components', rule: 'Why the rule fired', tier: 'Risk tier', score: 'Risk score', sentiment: 'Sentiment' };
const customerHref = (id) => `#/customers/${encodeURIComponent(id)}`;

function useHashRoute() {
  const read = () => {
    const parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
    return { view: parts[0] || 'alerts', id: parts[1] || null };
  };
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const on = () => setRoute(read());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

/** A chart.js chart; the canvas has a text summary for screen readers. */
function ChartView({ id, type = 'line', title, labels, datasets, summary, yMax, integer = false }) {
  const ref = useRef(null);
  const key = JSON.stringify([type, labels, datasets, yMax, integer]);
  useEffect(() => {
    const Chart = window.Chart;
    if (!Chart || !ref.current) return undefined;
    const round = type === 'doughnut';
    const chart = new Chart(ref.current, {
      type,
      data: {
        labels,
        datasets: datasets.map((d, i) => ({
          borderColor: round ? '#ffffff' : PALETTE[i % PALETTE.length],
          backgroundColor: round || type === 'bar' ? (d.colors ?? labels.map((_l, j) => PALETTE[(i + j) % PALETTE.length])) : PALETTE[i % PALETTE.length],
          borderWidth: 2,
          pointRadius: 3,
          spanGaps: true,
          tension: 0.2,
          ...d,
          colors: undefined,
        })),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: round || datasets.length > 1, labels: { color: '#1b1f24' } } },
        scales: round
          ? {}
          : {
              x: { ticks: { color: '#4a5361', maxRotation: 0, autoSkip: true } },
              y: { beginAtZero: true, ...(yMax !== undefined ? { max: yMax } : {}), ticks: { color: '#4a5361', precision: integer ? 0 : 2 } },
            },
      },
    });
    return () => chart.destroy();
  }, [key]);
  return html`<figure class="panel" style=${{ margin: 0 }}>
    <figcaption><h3 style=${{ margin: '0 0 0.4rem' }}>${title}</h3></figcaption>
    <div class="chart-box"><canvas id=${id} ref=${ref} role="img" aria-label=${`${title}: ${summary}`}></canvas></div>
    <p class="visually-hidden">${summary}</p>
  </figure>`;
}

// ---------------------------------------------------------------------------------------------
// Sign-in

function SignIn({ onSignedIn }) {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const input = useRef(null);
  useEffect(() => input.current?.focus(), []);
  const submit = async (e) => {
    e.preventDefault();
    const key = input.current.value.trim();
    if (!key) {
      setError('Paste your API key first.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const session = await api('/console/session', { method: 'POST', body: { key } });
      input.current.value = '';
      onSignedIn(session);
    } catch (err) {
      setError(
        err.status === 401
          ? 'This key was not accepted: it is unknown or revoked.'
          : err.status === 429
            ? 'Too many failed attempts from this address; wait a minute and try again.'
            : err.message,
      );
      input.current?.focus();
    } finally {
      setBusy(false);
    }
  };
  return html`<main id="main" class="signin">
    <div class="panel">
      <h1>Ops console: sign in</h1>
      <p class="hint">Paste an operator or admin API key once. The console keeps a session cookie; the key itself is not stored in this browser.</p>
      <form onSubmit=${submit} novalidate>
        <label for="api-key">API key</label>
        <input id="api-key" name="api-key" type="password" autocomplete="off" spellcheck="false" ref=${input} aria-describedby=${error ? 'signin-error' : undefined} />
        <div class="actions"><button type="submit" disabled=${busy}>Sign in</button></div>
      </form>
      <p id="signin-error" class="error" role="alert">${error ?? ''}</p>
    </div>
  </main>`;
}

// ---------------------------------------------------------------------------------------------
// Alerts: live list and detail

function AlertsView({ config, selectedId }) {
  const [filters, setFilters] = useState({ status: 'active', type: '', severity: '', customerId: '' });
  const [items, setItems] = useState([]);
  const [fresh, setFresh] = useState(() => new Set());
  const [live, setLive] = useState(false);
  const [announce, setAnnounce] = useState('');
  const [error, setError] = useState(null);
  const statusRef = useRef(filters.status);
  statusRef.current = filters.status;

  const upsert = useCallback((alert, isNew) => {
    setItems((list) => {
      const matches = !statusRef.current || alert.status === statusRef.current;
      const rest = list.filter((a) => a.id !== alert.id);
      if (!matches) return rest;
      const known = list.some((a) => a.id === alert.id);
      if (known) return list.map((a) => (a.id === alert.id ? alert : a));
      return isNew ? [alert, ...rest] : rest;
    });
  }, []);

  useEffect(() => {
    const { status, ...streamFilter } = filters;
    let closed = false;
    const source = new EventSource(`/v1/alerts/stream${query(streamFilter)}`, { withCredentials: true });
    source.onopen = () => setLive(true);
    source.onerror = () => {
      setLive(false);
      if (source.readyState === EventSource.CLOSED && !closed) api('/console/session').catch(() => onSignedOut());
    };
    for (const name of STREAM_EVENTS) {
      source.addEventListener(name, (e) => {
        const { alert } = JSON.parse(e.data);
        if (name === 'alert.created') {
          setFresh((s) => new Set(s).add(alert.id));
          setAnnounce(`New alert: ${typeLabel(alert.type)}, ${alert.severity}, customer ${alert.customerId ?? 'none'}`);
        }
        upsert(alert, name === 'alert.created');
      });
    }
    setError(null);
    api(`/v1/alerts${query({ ...filters, limit: 100 })}`)
      .then((page) =>
        setItems((streamed) => {
          const ids = new Set(page.items.map((a) => a.id));
          return [...streamed.filter((a) => !ids.has(a.id) && (!status || a.status === status)), ...page.items];
        }),
      )
      .catch((err) => setError(err.message));
    return () => {
      closed = true;
      source.close();
      setItems([]);
    };
  }, [filters.status, filters.type, filters.severity, filters.customerId]);

  const set = (field) => (e) => setFilters((f) => ({ ...f, [field]: e.currentTarget.value.trim() }));
  const open = (id) => {
    setFresh((s) => {
      const n = new Set(s);
      n.delete(id);
      return n;
    });
    location.hash = `#/alerts/${encodeURIComponent(id)}`;
  };

  return html`<main id="main" tabindex="-1">
    <h1>Alerts</h1>
    <form class="filters" aria-label="Filter alerts" onSubmit=${(e) => e.preventDefault()}>
      <div>
        <label for="f-status">Status</label>
        <select id="f-status" value=${filters.status} onChange=${set('status')}>
          ${STATUSES.map((s) => html`<option value=${s}>${s}</option>`)}
        </select>
      </div>
      <div>
        <label for="f-type">Type</label>
        <select id="f-type" value=${filters.type} onChange=${set('type')}>
          <option value="">All types</option>
          ${Object.entries(ALERT_TYPES).map(([v, l]) => html`<option value=${v}>${l}</option>`)}
        </select>
      </div>
      <div>
        <label for="f-severity">Severity</label>
        <select id="f-severity" value=${filters.severity} onChange=${set('severity')}>
          <option value="">All severities</option>
          ${SEVERITIES.map((s) => html`<option value=${s}>${s}</option>`)}
        </select>
      </div>
      <div>
        <label for="f-customer">Customer id</label>
        <input id="f-customer" type="search" value=${filters.customerId} onChange=${set('customerId')} placeholder="any customer" />
      </div>
    </form>
    <div class="alerts-layout">
      <section class="panel" aria-labelledby="list-heading">
        <h2 id="list-heading">${items.length} ${filters.status} alert${items.length === 1 ? '' : 's'}</h2>
        <p class=${`live ${live ? 'on' : ''}`} id="live-status"><span class="dot" aria-hidden="true"></span>${live ? 'Live: new alerts appear here' : 'Connecting to the live stream…'}</p>
        <p class="visually-hidden" aria-live="polite">${announce}</p>
        ${error && html`<p class="error" role="alert">${error}</p>`}
        <ul class="alert-list" id="alert-list">
          ${items.map(
            (a) => html`<li key=${a.id} data-alert-id=${a.id} class=${[fresh.has(a.id) ? 'is-new' : '', a.id === selectedId ? 'selected' : ''].join(' ')}>
              <button type="button" class="row" onClick=${() => open(a.id)} aria-current=${a.id === selectedId ? 'true' : undefined}>
                <span class="line1">
                  ${fresh.has(a.id) && html`<span class="new-badge">New</span>`}
                  <${Severity} value=${a.severity} />
                  <strong>${typeLabel(a.type)}</strong>
                  <span class="status">${a.status}</span>
                </span>
                <span class="meta">${a.customerId ? `Customer ${a.customerId}` : 'No single customer'} · <${Time} at=${a.createdAt} />${a.suppressedCount ? ` · ${a.suppressedCount} repeats suppressed` : ''}</span>
              </button>
            </li>`,
          )}
        </ul>
        ${items.length === 0 && !error && html`<p class="muted">No alerts match these filters.</p>`}
      </section>
      <section class="panel" aria-labelledby="detail-heading" id="alert-detail">
        ${selectedId
          ? html`<${AlertDetail} key=${selectedId} id=${selectedId} config=${config} onChanged=${(a) => upsert(a, false)} />`
          : html`<h2 id="detail-heading">Alert detail</h2><p class="muted">Choose an alert to see its evidence, the recommended action and what to do.</p>`}
      </section>
    </div>
  </main>`;
}

function workflowUrl(config, workflowId) {
  if (!config.temporalUiUrl || !workflowId) return null;
  return `${config.temporalUiUrl}/namespaces/${encodeURIComponent(config.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

function Contributions({ analysis }) {
  const parts = [...(analysis.contributions ?? [])].filter((c) => c.explanation && c.weight > 0).sort((a, b) => b.weight - a.weight);
  const cues = (analysis.contributions ?? []).filter((c) => c.factor === 'text' && c.explanation);
  const all = [...parts, ...cues.filter((c) => !parts.includes(c))];
  if (all.length === 0) return html`<p class="muted">No risk component stood out.</p>`;
  return html`<ul class="plain contributions">${all.map((c) => html`<li>${c.explanation}</li>`)}</ul>`;
}

function AnalysisFacts({ analysis }) {
  return html`<dl class="facts">
    <dt>Risk</dt><dd>${analysis.tier} (score ${analysis.score.toFixed(2)})</dd>
    <dt>Sentiment</dt><dd>${analysis.label} (${analysis.sentiment.toFixed(2)})</dd>
    ${analysis.rootCause && html`<dt>Root cause</dt><dd>${analysis.rootCause}</dd>`}
    <dt>Legal threat</dt><dd>${analysis.legalThreat ? 'yes' : 'no'}</dd>
    <dt>Language</dt><dd>${analysis.language ?? '—'}</dd>
  </dl>`;
}

function AlertDetail({ id, config, onChanged }) {
  const [alert, setAlert] = useState(null);
  const [signals, setSignals] = useState([]);
  const [lang, setLang] = useState('en');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState(null);
  const [error, setError] = useState(null);
  const heading = useRef(null);

  const load = useCallback(async () => {
    const a = await api(`/v1/alerts/${encodeURIComponent(id)}`);
    setAlert(a);
    return a;
  }, [id]);

  useEffect(() => {
    load()
      .then(async (a) => {
        heading.current?.focus();
        const ids = (a.evidence?.signalIds ?? []).slice(0, 5);
        setSignals((await Promise.all(ids.map((s) => api(`/v1/signals/${encodeURIComponent(s)}`).catch(() => null)))).filter(Boolean));
      })
      .catch((err) => setError(err.message));
  }, [id]);

  const act = async (action) => {
    setBusy(true);
    setError(null);
    setMessage(null);
    try {
      const updated = await api(`/v1/alerts/${encodeURIComponent(id)}/${action}`, { method: 'POST', body: note ? { note } : {} });
      onChanged(updated);
      await load();
      setNote('');
      setMessage(action === 'acknowledge' ? `Acknowledged by ${updated.acknowledgedBy}.` : `Resolved by ${updated.resolvedBy}.`);
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(false);
    }
  };

  if (error && !alert) return html`<h2 id="detail-heading">Alert</h2><p class="error" role="alert">${error}</p>`;
  if (!alert) return html`<h2 id="detail-heading">Alert</h2><p class="muted">Loading…</p>`;
  const wf = workflowUrl(config, alert.workflowId);
  const otherEvidence = Object.entries(alert.evidence ?? {}).filter(([k]) => k !== 'signalIds');
  return html`<article aria-labelledby="detail-heading">
    <h2 id="detail-heading" tabindex="-1" ref=${heading}>${typeLabel(alert.type)} <${Severity} value=${alert.severity} /></h2>
    <dl class="facts">
      <dt>Status</dt><dd id="detail-status">${alert.status}</dd>
      <dt>Customer</dt><dd>${alert.customerId ? html`<a href=${customerHref(alert.customerId)} id="customer-link">${alert.customerId}</a>` : 'none (a window alert)'}</dd>
      <dt>Raised</dt><dd><${Time} at=${alert.createdAt} /></dd>
      ${alert.acknowledgedAt && html`<dt>Acknowledged</dt><dd><${Time} at=${alert.acknowledgedAt} /> by ${alert.acknowledgedBy}</dd>`}
      ${alert.resolvedAt && html`<dt>Resolved</dt><dd><${Time} at=${alert.resolvedAt} /> by ${alert.resolvedBy}</dd>`}
      ${alert.suppressedCount > 0 && html`<dt>Repeats</dt><dd>${alert.suppressedCount} suppressed within the cooldown</dd>`}
      <dt>Journey</dt><dd>${wf ? html`<a href=${wf} target="_blank" rel="noopener noreferrer" id="temporal-link">Open the journey in the Temporal Web UI</a>` : '—'}</dd>
    </dl>

    <h3 id="rec-heading">Recommended action</h3>
    <div class="toggle" role="group" aria-label="Language of the recommended action">
      <button type="button" aria-pressed=${lang === 'en'} onClick=${() => setLang('en')} lang="en">English</button>
      <button type="button" aria-pressed=${lang === 'de'} onClick=${() => setLang('de')} lang="de">Deutsch</button>
    </div>
    <p class="recommended" id="recommended-action" lang=${lang} aria-live="polite">${alert.recommendedAction?.[lang] ?? '—'}</p>

    ${alert.status !== 'resolved' &&
    html`<form onSubmit=${(e) => e.preventDefault()} aria-labelledby="act-heading">
      <h3 id="act-heading">Act on it</h3>
      <label for="action-note">Note (optional, kept in the alert's timeline)</label>
      <textarea id="action-note" rows="2" value=${note} onInput=${(e) => setNote(e.currentTarget.value)}></textarea>
      <div class="actions">
        ${alert.status === 'active' && html`<button type="button" id="acknowledge" disabled=${busy} onClick=${() => act('acknowledge')}>Acknowledge</button>`}
        <button type="button" id="resolve" class="secondary" disabled=${busy} onClick=${() => act('resolve')}>Resolve</button>
      </div>
    </form>`}
    <p role="status" id="action-message">${message ?? ''}</p>
    ${error && html`<p class="error" role="alert">${error}</p>`}

    <h3>Evidence</h3>
    ${otherEvidence.length > 0 &&
    html`<dl class="facts" id="evidence">${otherEvidence.map(([k, v]) => html`<dt>${EVIDENCE_LABELS[k] ?? words(k)}</dt><dd>${plain(v)}</dd>`)}</dl>`}
    ${signals.length === 0 && html`<p class="muted">${(alert.evidence?.signalIds ?? []).length ? 'Loading the signals…' : 'No signals attached.'}</p>`}
    ${signals.map(
      ({ signal, analysis, analysisWithheld }) => html`<div class="signal">
        <p><strong>${signal.type}</strong> · <${Time} at=${signal.occurredAt} />${signal.channel ? ` · ${signal.channel}` : ''}</p>
        ${signal.text && html`<blockquote lang=${signal.language ?? undefined}>${signal.text}</blockquote>`}
        ${analysis
          ? html`<${AnalysisFacts} analysis=${analysis} /><h4 style=${{ margin: '0.3rem 0' }}>Why, in plain words</h4><${Contributions} analysis=${analysis} />`
          : html`<p class="muted">${analysisWithheld ? `Not analysed: ${analysisWithheld}` : 'Not analysed yet.'}</p>`}
      </div>`,
    )}

    <h3>Timeline</h3>
    <ol class="timeline">
      ${(alert.timeline ?? []).map((t) => html`<li><${Time} at=${t.at} /> ${t.action}${t.actor ? ` by ${t.actor}` : ''}${t.note ? `: “${t.note}”` : ''}</li>`)}
    </ol>
  </article>`;
}

// ---------------------------------------------------------------------------------------------
// Customer page

function outreachEvents(o) {
  const ev = [{ at: o.startedAt, text: `Outreach ${o.seq ?? ''} started (${o.trigger ?? 'trigger unknown'})${o.channel ? ` by ${o.channel}` : ''}${o.status === 'skipped' ? `, skipped: ${o.skipReason}` : ''}` }];
  for (const m of o.messages ?? []) {
    const what = m.kind === 'reminder' ? 'Reminder' : m.kind === 'survey' ? 'Survey message' : `Message (${m.kind})`;
    ev.push({ at: m.createdAt, text: `${what} via ${m.channel} (${m.provider ?? 'provider'}): ${m.status}${m.errorCode ? `, error ${m.errorCode}` : ''}` });
  }
  if (o.answer) ev.push({ at: o.answer.answeredAt, text: `Answered ${o.answer.score}/10 via ${o.answer.via}${o.answer.comment ? `: “${o.answer.comment}”` : ''}` });
  if (o.escalation) ev.push({ at: o.escalation.at, text: `Escalated: ${o.escalation.reason}${o.escalation.crmCaseId ? `, CRM case ${o.escalation.crmCaseId}` : ''}` });
  if (o.outcome) ev.push({ at: o.resolvedAt ?? o.endedAt, text: `Outcome: ${o.outcome}${o.resolvedBy ? ` (by ${o.resolvedBy})` : ''}${o.outcomeDetail ? `: ${o.outcomeDetail}` : ''}` });
  else if (o.endedAt) ev.push({ at: o.endedAt, text: `Ended (${o.status})` });
  return ev;
}

function CustomerView({ id, config }) {
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    setData(null);
    setError(null);
    const enc = encodeURIComponent(id);
    Promise.all([api(`/v1/customers/${enc}`), api(`/v1/customers/${enc}/signals?limit=200`), api(`/v1/customers/${enc}/outreach`).catch(() => ({ items: [] }))])
      .then(([customer, signals, outreach]) => setData({ customer, signals: signals.items, outreach: outreach.items }))
      .catch((err) => setError(err.status === 404 ? `There is no customer ${id}.` : err.message));
  }, [id]);

  if (error) return html`<main id="main" tabindex="-1"><h1>Customer ${id}</h1><p class="error" role="alert">${error}</p></main>`;
  if (!data) return html`<main id="main" tabindex="-1"><h1>Customer ${id}</h1><p class="muted">Loading…</p></main>`;
  const { customer, signals, outreach } = data;
  const scored = signals.filter((s) => s.analysis);
  const risk = customer.riskProfile;
  const consents = customer.profile?.consents ?? null;
  const wf = workflowUrl(config, customer.workflowId);
  const latest = scored[scored.length - 1];
  return html`<main id="main" tabindex="-1">
    <h1>Customer ${customer.id}</h1>
    <div class="grid2">
      <section class="panel" aria-labelledby="c-facts">
        <h2 id="c-facts">At a glance</h2>
        <dl class="facts">
          <dt>Risk now</dt><dd>${risk ? `${risk.tier ?? '—'}${typeof risk.score === 'number' ? ` (score ${risk.score.toFixed(2)})` : ''}` : '—'}</dd>
          <dt>Segment</dt><dd id="customer-segment">${customer.segment ? `${customer.segment.id} (criteria ${customer.segment.version}, since ${fmtTime(customer.segment.at)})` : 'not judged yet'}</dd>
          <dt>Signals</dt><dd>${customer.signalCount}</dd>
          <dt>Open alerts</dt><dd>${customer.openAlerts.length ? customer.openAlerts.map((a, i) => html`${i ? ', ' : ''}<a href=${`#/alerts/${a.id}`}>${typeLabel(a.type)}</a>`) : 'none'}</dd>
          <dt>Journey</dt><dd>${customer.journeyRunning ? 'running' : 'idle'}${wf ? html` · <a href=${wf} target="_blank" rel="noopener noreferrer">Temporal Web UI</a>` : ''}</dd>
          ${customer.profile?.locale && html`<dt>Locale</dt><dd>${customer.profile.locale}</dd>`}
          ${customer.profile?.jurisdiction && html`<dt>Jurisdiction</dt><dd>${customer.profile.jurisdiction}</dd>`}
          ${customer.profile?.customerType && html`<dt>Customer type</dt><dd>${customer.profile.customerType}</dd>`}
        </dl>
        <h3>Consents</h3>
        ${consents
          ? html`<ul class="plain" id="consents">${Object.entries(consents).map(([purpose, granted]) => html`<li>${purpose}: <strong>${granted ? 'granted' : 'not granted'}</strong></li>`)}</ul>`
          : html`<p class="muted" id="consents">No contact profile: defaults apply (analysis yes; SMS, e-mail and training no).</p>`}
      </section>
      <${ChartView}
        id="risk-chart"
        title="Risk score over time"
        labels=${scored.map((s) => fmtTime(s.signal.occurredAt))}
        datasets=${[{ label: 'Risk score', data: scored.map((s) => Math.round(s.analysis.score * 1000) / 1000), fill: false }]}
        yMax=${1}
        summary=${scored.length ? `${scored.length} analysed signals; latest score ${latest.analysis.score.toFixed(2)} (${latest.analysis.tier}) on ${fmtTime(latest.signal.occurredAt)}` : 'no analysed signals yet'}
      />
    </div>
    <div class="grid2">
      <section class="panel" aria-labelledby="c-outreach">
        <h2 id="c-outreach">Outreach timeline</h2>
        ${outreach.length === 0 && html`<p class="muted">No outreach yet.</p>`}
        ${outreach.map(
          (o) => html`<ol class="timeline" aria-label=${`Outreach ${o.seq ?? ''}`}>
            ${outreachEvents(o).map((e) => html`<li><${Time} at=${e.at} />${e.text}</li>`)}
          </ol>`,
        )}
      </section>
      <section class="panel" aria-labelledby="c-signals">
        <h2 id="c-signals">Signals and their analysis</h2>
        ${signals.length === 0 && html`<p class="muted">No signals.</p>`}
        ${[...signals].reverse().map(
          ({ signal, analysis, analysisWithheld }) => html`<div class="signal">
            <p><strong>${signal.type}</strong> · <${Time} at=${signal.occurredAt} />${signal.channel ? ` · ${signal.channel}` : ''}</p>
            ${signal.text && html`<blockquote lang=${signal.language ?? undefined}>${signal.text}</blockquote>`}
            ${analysis ? html`<${AnalysisFacts} analysis=${analysis} /><${Contributions} analysis=${analysis} />` : html`<p class="muted">${analysisWithheld ? `Not analysed: ${analysisWithheld}` : 'Not analysed yet.'}</p>`}
          </div>`,
        )}
      </section>
    </div>
  </main>`;
}

// ---------------------------------------------------------------------------------------------
// Overview

function OverviewView() {
  const [kpis, setKpis] = useState(undefined);
  const [kpiError, setKpiError] = useState(null);
  const [counts, setCounts] = useState(null);
  useEffect(() => {
    api('/v1/kpis')
      .then(setKpis)
      .catch((err) => {
        setKpis(null);
        setKpiError(err.status === 404 ? 'KPIs unavailable: this API has no KPI endpoint.' : `KPIs unavailable: ${err.message}`);
      });
    // Open alerts come from the alert counts, whatever the KPI endpoint does.
    Promise.all(['active', 'acknowledged'].map((status) => api(`/v1/alerts/counts?status=${status}`)))
      .then(([a, b]) => {
        const add = (x, y) => {
          const out = { ...x };
          for (const [k, v] of Object.entries(y)) out[k] = (out[k] ?? 0) + v;
          return out;
        };
        setCounts({ total: a.total + b.total, byType: add(a.byType, b.byType), bySeverity: add(a.bySeverity, b.bySeverity) });
      })
      .catch(() => setCounts(null));
  }, []);

  const open = counts ?? kpis?.openAlerts ?? null;
  const types = open ? Object.keys(open.byType).filter((t) => open.byType[t] > 0) : [];
  const days = kpis?.days ?? [];
  const dayLabels = days.map((d) => d.day.slice(5));
  const series = (field, scale = 1) => days.map((d) => (d[field] === null || d[field] === undefined ? null : Math.round(d[field] * scale * 10) / 10));
  const t = kpis?.totals;
  return html`<main id="main" tabindex="-1">
    <h1>Overview</h1>
    <div class="grid2">
      ${open
        ? html`<${ChartView}
              id="chart-open-type"
              type="bar"
              integer=${true}
              title=${`Open alerts by type (${open.total})`}
              labels=${types.map(typeLabel)}
              datasets=${[{ label: 'Open alerts', data: types.map((x) => open.byType[x]) }]}
              summary=${types.map((x) => `${typeLabel(x)} ${open.byType[x]}`).join(', ') || 'no open alerts'}
            />
            <${ChartView}
              id="chart-open-severity"
              type="bar"
              integer=${true}
              title="Open alerts by severity"
              labels=${SEVERITIES}
              datasets=${[{ label: 'Open alerts', data: SEVERITIES.map((s) => open.bySeverity[s] ?? 0), colors: ['#2d5a27', '#5c5200', '#8a4b00', '#b3261e', '#8c1d18'] }]}
              summary=${SEVERITIES.map((s) => `${s} ${open.bySeverity[s] ?? 0}`).join(', ')}
            />`
        : html`<p class="muted">Alert counts unavailable.</p>`}
      ${kpis
        ? html`<${ChartView}
            id="chart-tiers"
            type="doughnut"
            title="Customers by risk tier"
            labels=${TIERS}
            datasets=${[{ label: 'Customers', data: TIERS.map((x) => kpis.riskTiers?.[x] ?? 0), colors: ['#1e7f34', '#5c5200', '#8a4b00', '#b3261e'] }]}
            summary=${TIERS.map((x) => `${x} ${kpis.riskTiers?.[x] ?? 0}`).join(', ')}
          />`
        : null}
    </div>
    <h2>KPI trends${kpis ? ` ${kpis.from} to ${kpis.to}` : ''}</h2>
    ${kpis === undefined && html`<p class="muted">Loading KPIs…</p>`}
    ${kpis === null && html`<p class="error" id="kpi-unavailable" role="status">${kpiError ?? 'KPIs unavailable'}</p>`}
    ${kpis &&
    html`<dl class="facts panel" id="kpi-totals">
        <dt>Negative feedback</dt><dd>${t.negativeSignals}</dd>
        <dt>Alerts fired</dt><dd>${t.alertsFired}</dd>
        <dt>Mean time to acknowledge</dt><dd>${t.meanMinutesToAcknowledge === null ? '—' : `${Math.round(t.meanMinutesToAcknowledge)} min`}</dd>
        <dt>Mean time to resolve</dt><dd>${t.meanMinutesToResolve === null ? '—' : `${Math.round(t.meanMinutesToResolve)} min`}</dd>
        <dt>CSAT / NPS</dt><dd>${pct(t.csat)} / ${t.nps === null ? '—' : Math.round(t.nps)}</dd>
        <dt>Engagement of at-risk customers</dt><dd>${t.engagementRate === null ? '—' : pct(t.engagementRate * 100)}</dd>
        ${t.recoveryRate !== undefined && html`<dt>Recovered / churned</dt><dd>${t.recoveryRate === null ? '—' : pct(t.recoveryRate * 100)} / ${t.churnRate === null ? '—' : pct(t.churnRate * 100)}</dd>`}
      </dl>
      <div class="grid2" style=${{ marginTop: '1rem' }}>
        <${ChartView} id="chart-volume" integer=${true} title="Negative feedback and alerts per day" labels=${dayLabels}
          datasets=${[{ label: 'Negative feedback', data: series('negativeSignals') }, { label: 'Alerts fired', data: series('alertsFired') }]}
          summary=${`${t.negativeSignals} negative signals and ${t.alertsFired} alerts over ${days.length} days`} />
        <${ChartView} id="chart-response" title="Mean minutes to acknowledge and to resolve" labels=${dayLabels}
          datasets=${[{ label: 'To acknowledge', data: series('meanMinutesToAcknowledge') }, { label: 'To resolve', data: series('meanMinutesToResolve') }]}
          summary=${`overall ${t.meanMinutesToAcknowledge ?? '—'} and ${t.meanMinutesToResolve ?? '—'} minutes`} />
        <${ChartView} id="chart-satisfaction" title="CSAT (%) and NPS per day" labels=${dayLabels}
          datasets=${[{ label: 'CSAT %', data: series('csat') }, { label: 'NPS', data: series('nps') }]}
          summary=${`${t.surveysAnswered} surveys answered; CSAT ${pct(t.csat)}, NPS ${t.nps ?? '—'}`} />
        <${ChartView} id="chart-engagement" title="Engagement rate of at-risk customers (%)" labels=${dayLabels}
          datasets=${[{ label: 'Engaged %', data: series('engagementRate', 100) }]}
          summary=${`overall ${t.engagementRate === null ? '—' : pct(t.engagementRate * 100)}`} />
      </div>`}
  </main>`;
}

// ---------------------------------------------------------------------------------------------
// Notifications: what the escalation chain and the subscribed alert types sent to people

function NotificationsView() {
  const [items, setItems] = useState(undefined);
  const [error, setError] = useState(null);
  useEffect(() => {
    let stopped = false;
    const load = () =>
      api('/v1/notifications?limit=100')
        .then((r) => !stopped && (setItems(r.items), setError(null)))
        .catch((err) => !stopped && setError(err.status === 404 ? 'Notifications unavailable: this API does not list them.' : `Notifications unavailable: ${err.message}`));
    load();
    const timer = setInterval(load, 15_000);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);
  return html`<main id="main" tabindex="-1">
    <h1>Notifications</h1>
    <p class="muted">Escalation levels and subscribed alert types, as sent to the webhook, e-mail and this console. Refreshed every 15 seconds.</p>
    ${error && html`<p class="error" role="status" id="notifications-unavailable">${error}</p>`}
    ${items === undefined && !error && html`<p class="muted">Loading…</p>`}
    ${items && items.length === 0 && html`<p class="muted" id="notifications-empty">Nothing has been sent yet.</p>`}
    ${items &&
    items.length > 0 &&
    html`<ul class="notifications" id="notifications-list">
      ${items.map(
        (n) => html`<li class="panel" data-notification-id=${n.id}>
          <p><${Severity} value=${n.severity} /> <strong>${typeLabel(n.alertType)}</strong>${n.level !== null && n.level !== undefined ? ` · escalation level ${n.level + 1}` : ''} · <${Time} at=${n.createdAt} /></p>
          <p>${n.text}</p>
          <p class="muted">
            ${Object.entries(n.channels ?? {})
              .map(([channel, state]) => `${channel}: ${state}`)
              .join(' · ')}
            ${n.alertId && html` · <a href=${`#/alerts/${encodeURIComponent(n.alertId)}`}>the alert</a>`}
            ${n.customerId && html` · <a href=${customerHref(n.customerId)}>the customer</a>`}
          </p>
        </li>`,
      )}
    </ul>`}
  </main>`;
}

// ---------------------------------------------------------------------------------------------
// Shell

function App() {
  const [session, setSession] = useState(undefined);
  const [config, setConfig] = useState({ temporalUiUrl: null, namespace: 'default' });
  const route = useHashRoute();
  onSignedOut = () => {
    csrfToken = null;
    setSession(null);
  };

  useEffect(() => {
    api('/console/session')
      .then((s) => {
        csrfToken = s.csrfToken;
        setSession(s);
      })
      .catch(() => setSession(null));
    fetch('/console/config.json')
      .then((r) => r.json())
      .then(setConfig)
      .catch(() => {});
  }, []);

  const titles = { alerts: 'Alerts', customers: 'Customer', overview: 'Overview', notifications: 'Notifications' };
  useEffect(() => {
    document.title = `${session ? titles[route.view] ?? 'Ops console' : 'Sign in'} · Ops console`;
  }, [route.view, session]);

  if (session === undefined) return html`<main id="main" class="boot"><p>Loading…</p></main>`;
  if (session === null)
    return html`<${SignIn}
      onSignedIn=${(s) => {
        csrfToken = s.csrfToken;
        setSession(s);
      }}
    />`;

  const signOut = async () => {
    await api('/console/session', { method: 'DELETE' }).catch(() => {});
    onSignedOut();
  };
  const nav = [
    ['alerts', '#/alerts', 'Alerts'],
    ['overview', '#/overview', 'Overview'],
    ['notifications', '#/notifications', 'Notifications'],
  ];
  let view;
  if (route.view === 'customers' && route.id) view = html`<${CustomerView} key=${route.id} id=${route.id} config=${config} />`;
  else if (route.view === 'overview') view = html`<${OverviewView} />`;
  else if (route.view === 'notifications') view = html`<${NotificationsView} />`;
  else view = html`<${AlertsView} config=${config} selectedId=${route.view === 'alerts' ? route.id : null} />`;
  return html`<a class="skip-link" href="#main" onClick=${(e) => (e.preventDefault(), document.getElementById('main')?.focus())}>Skip to content</a>
    <header class="top">
      <p class="brand">Ops console</p>
      <nav aria-label="Views">
        <ul>
          ${nav.map(([v, href, label]) => html`<li><a href=${href} aria-current=${route.view === v ? 'page' : undefined}>${label}</a></li>`)}
        </ul>
      </nav>
      <div class="who">
        <span>Signed in as <strong>${session.name}</strong> (${session.role})</span>
        <button type="button" class="secondary" onClick=${signOut}>Sign out</button>
      </div>
    </header>
    ${view}`;
}

render(html`<${App} />`, document.getElementById('app'));
