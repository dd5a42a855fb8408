#!/usr/bin/env node
// bench/http/driver.mjs -- closed-loop load generator for any MCP Streamable HTTP server.
//
//   node driver.mjs --url http://127.0.0.1:PORT/mcp [--pid PID] [--sessions C] [--calls N]
//        [--warmup W] [--stateless] [--tool util.noop] [--args '{}'] [--progress]
//        [--protocol 2025-11-25] [--timeout-ms 60000] [--client undici|http]
//   node driver.mjs --url ... --pid PID --idle-sessions K [--stateless]
//
// Load mode: opens C sessions (initialize, then notifications/initialized, each as a
// client would), then every session runs tools/call in a closed loop, one call in flight
// per session, until W warm-up calls and then N measured calls (counted over all sessions)
// are answered. No SDK client: undici (pinned in package.json; one keep-alive connection per
// session) or, with --client http, node:http with one keep-alive Agent, so the client's cost
// is small and the same for every server. Every POST carries
// `Accept: application/json, text/event-stream`; a response is read whole and parsed as JSON
// or as an SSE stream (its event whose id is the call's), whichever its Content-Type says.
// In --stateless mode the handshake is still made once per client, and no Mcp-Session-Id
// is sent or expected.
//
// With --pid, the server's CPU time is sampled at the two call counts that bound the
// measured calls (after warm-up, after warm-up + N): user + system time summed over its
// threads from /proc/PID/task/*/schedstat (nanoseconds), and from /proc/PID/stat (utime +
// stime, all threads, 10 ms ticks) as a cross-check. Their difference over N is the
// marginal CPU per call: start-up, session set-up and warm-up are outside the window.
// The driver's own CPU over the same window is reported too (driver_cpu_us_per_call): when
// it nears a core's worth, the driver, not the server, bounds calls/s.
//
// Idle mode (--idle-sessions K): opens 50 sessions and makes 200 calls (warm-up), reads
// VmRSS of PID, opens K more sessions (16 at a time), closes the client's connections,
// waits 1 s, reads VmRSS again: (after - before) / K is the memory of one idle session.
//
// Stdout: one JSON line. Exit code 0 when every call was answered with a result, 1 when
// some were not (or the handshake failed), 2 on bad usage.
import http from 'node:http';
import { readFileSync, readdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Client, Pool } from 'undici';

const USAGE = 'usage: node driver.mjs --url URL [--pid PID] [--sessions C] [--calls N] [--warmup W]\n' +
  '       [--stateless] [--tool NAME] [--args JSON] [--progress] [--protocol V] [--timeout-ms MS]\n' +
  '       [--idle-sessions K] [--client undici|http]';
function fail(msg) {
  process.stderr.write(`driver: ${msg}\n${USAGE}\n`);
  process.exit(2);
}

let v;
try {
  ({ values: v } = parseArgs({
    options: {
      url: { type: 'string' },
      pid: { type: 'string' },
      sessions: { type: 'string', default: '1' },
      calls: { type: 'string', default: '2000' },
      warmup: { type: 'string', default: '500' },
      stateless: { type: 'boolean', default: false },
      tool: { type: 'string', default: 'util.noop' },
      args: { type: 'string', default: '{}' },
      progress: { type: 'boolean', default: false },
      protocol: { type: 'string', default: '2025-11-25' },
      'timeout-ms': { type: 'string', default: '60000' },
      'idle-sessions': { type: 'string' },
      client: { type: 'string', default: 'undici' },
    },
  }));
} catch (e) {
  fail(e.message);
}
if (!v.url) fail('--url is required');
const int = (name, min) => {
  const n = Number(v[name]);
  if (!Number.isInteger(n) || n < min) fail(`--${name} must be an integer >= ${min}`);
  return n;
};
const opts = {
  url: new URL(v.url),
  pid: v.pid === undefined ? undefined : int('pid', 1),
  sessions: int('sessions', 1),
  calls: int('calls', 1),
  warmup: int('warmup', 0),
  timeoutMs: int('timeout-ms', 1),
  idle: v['idle-sessions'] === undefined ? undefined : int('idle-sessions', 1),
  stateless: v.stateless,
  tool: v.tool,
  toolArgs: (() => {
    try {
      return JSON.parse(v.args);
    } catch {
      return fail('--args must be JSON');
    }
  })(),
  progress: v.progress,
  protocol: v.protocol,
  client: v.client,
};
if (!['undici', 'http'].includes(opts.client)) fail('--client is undici or http');
if (opts.idle !== undefined && opts.pid === undefined) fail('--idle-sessions needs --pid');

// ---------------------------------------------------------------------------------------
// The server process, read from /proc.

/** CPU time of the process: {ns} summed over its live threads, {ticks_us} from /proc/PID/stat. */
function cpuSample(pid) {
  let ns = 0;
  const dir = `/proc/${pid}/task`;
  for (const tid of readdirSync(dir)) {
    try {
      ns += Number(readFileSync(`${dir}/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended between readdir and read
    }
  }
  // Fields after the command name "(...)": state is field 3, utime 14, stime 15.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(f[11]) + Number(f[12]);
  return { ns, ticks_us: ticks * 10000 };  // USER_HZ is 100 on Linux
}

function rssKib(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

// ---------------------------------------------------------------------------------------
// HTTP.

// Two clients, the same requests: undici (default: one Client, so one connection, per
// session; the idle mode shares a Pool of 16) or node:http (one keep-alive Agent for all).
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 1024 });
const origin = opts.url.origin;
const contentTypes = new Set();
const requestHeaders = (body, headers) => ({
  'Content-Type': 'application/json',
  Accept: 'application/json, text/event-stream',
  'Content-Length': String(Buffer.byteLength(body)),
  ...headers,
});

/** POSTs `message`; resolves {status, headers, body} (body: the whole response, text). */
async function post(dispatcher, message, headers) {
  const body = JSON.stringify(message);
  if (dispatcher) {
    const res = await dispatcher.request({
      path: opts.url.pathname, method: 'POST', headers: requestHeaders(body, headers), body,
      headersTimeout: opts.timeoutMs, bodyTimeout: opts.timeoutMs,
    });
    return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
  }
  return new Promise((resolve, reject) => {
    const req = http.request({
      agent, host: opts.url.hostname, port: opts.url.port, path: opts.url.pathname, method: 'POST',
      headers: requestHeaders(body, headers),
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: text }));
      res.on('error', reject);
    });
    req.setTimeout(opts.timeoutMs, () => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** The JSON-RPC response with `id` in a response body (JSON, or an SSE stream of messages). */
function responseOf(res, id) {
  const type = res.headers['content-type'] ?? '';
  if (/^text\/event-stream/i.test(type)) {
    for (const event of res.body.split(/\r?\n\r?\n/)) {
      const data = event.split(/\r?\n/).filter((l) => l.startsWith('data:')).map((l) => l.slice(5).replace(/^ /, '')).join('\n');
      if (!data) continue;
      const msg = JSON.parse(data);
      if (msg.id === id && msg.method === undefined) return msg;
    }
    return undefined;
  }
  const msg = JSON.parse(res.body);
  return Array.isArray(msg) ? msg.find((m) => m.id === id) : msg;
}

class Session {
  constructor(dispatcher) {
    this.headers = {};
    this.nextId = 1;
    this.dispatcher = opts.client === 'undici' ? (dispatcher ?? new Client(origin, { pipelining: 1 })) : undefined;
  }

  async open() {
    const res = await post(this.dispatcher, {
      jsonrpc: '2.0', id: 0, method: 'initialize',
      params: { protocolVersion: opts.protocol, capabilities: {}, clientInfo: { name: 'mcp-htm-bench-http', version: '0.1.0' } },
    }, {});
    const msg = res.status === 200 ? responseOf(res, 0) : undefined;
    if (!msg?.result) throw new Error(`initialize: HTTP ${res.status} ${res.body.slice(0, 300)}`);
    const sid = res.headers['mcp-session-id'];
    if (!opts.stateless && !sid) throw new Error('initialize: no Mcp-Session-Id (a stateless server? pass --stateless)');
    if (sid) this.headers['Mcp-Session-Id'] = sid;
    this.headers['MCP-Protocol-Version'] = msg.result.protocolVersion;
    const done = await post(this.dispatcher, { jsonrpc: '2.0', method: 'notifications/initialized' }, this.headers);
    if (done.status !== 202) throw new Error(`notifications/initialized: HTTP ${done.status} ${done.body.slice(0, 300)}`);
  }

  /** One tools/call; resolves true when it was answered with a result. */
  async call() {
    const id = this.nextId++;
    const params = { name: opts.tool, arguments: opts.toolArgs };
    if (opts.progress) params._meta = { progressToken: `p${id}` };
    try {
      const res = await post(this.dispatcher, { jsonrpc: '2.0', id, method: 'tools/call', params }, this.headers);
      if (res.status !== 200) {
        reportOnce(`tools/call: HTTP ${res.status} ${res.body.slice(0, 300)}`);
        return false;
      }
      contentTypes.add((res.headers['content-type'] ?? '').split(';')[0]);  // of tools/call answers only
      const msg = responseOf(res, id);
      const ok = msg?.result !== undefined && msg.result.isError !== true;
      if (!ok) reportOnce(`tools/call: ${res.body.slice(0, 300)}`);
      return ok;
    } catch (e) {
      reportOnce(`tools/call: ${e.message}`);
      return false;
    }
  }
}

let reported = 0;
function reportOnce(text) {
  if (reported++ < 3) process.stderr.write(`driver: ${text}\n`);
}

/** Runs `fn` over `items` with at most `limit` at once. */
async function pool(items, limit, fn) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

async function openSessions(n, limit, dispatcher) {
  const sessions = Array.from({ length: n }, () => new Session(dispatcher));
  await pool(sessions, limit, (s) => s.open());
  return sessions;
}

/** `total` calls, one in flight per session; resolves {latUs, errors, wallMs}. */
async function closedLoop(sessions, total) {
  const latUs = [];
  let issued = 0;
  let errors = 0;
  const t0 = performance.now();
  await Promise.all(sessions.map(async (s) => {
    while (issued < total) {
      issued++;
      const start = performance.now();
      const ok = await s.call();
      latUs.push((performance.now() - start) * 1000);
      if (!ok) errors++;
    }
  }));
  return { latUs, errors, wallMs: performance.now() - t0 };
}

const percentile = (sorted, p) =>
  sorted.length ? sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] : null;
const round1 = (x) => (x === null ? null : Math.round(x * 10) / 10);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function load() {
  const t0 = performance.now();
  const sessions = await openSessions(opts.sessions, 64);
  const setupMs = performance.now() - t0;
  let warmErrors = 0;
  if (opts.warmup > 0) warmErrors = (await closedLoop(sessions, opts.warmup)).errors;
  const before = opts.pid ? cpuSample(opts.pid) : undefined;
  const driverBefore = process.cpuUsage();
  const run = await closedLoop(sessions, opts.calls);
  const driverCpu = process.cpuUsage(driverBefore);
  const after = opts.pid ? cpuSample(opts.pid) : undefined;
  const sorted = Float64Array.from(run.latUs).sort();
  const report = {
    sessions: opts.sessions,
    calls: opts.calls,
    warmup: opts.warmup,
    tool: opts.tool,
    wall_ms: round1(run.wallMs),
    calls_per_s: Math.round(run.latUs.length / (run.wallMs / 1000)),
    p50_us: round1(percentile(sorted, 50)),
    p90_us: round1(percentile(sorted, 90)),
    p99_us: round1(percentile(sorted, 99)),
    errors: run.errors + warmErrors,
    setup_ms: round1(setupMs),
    content_types: [...contentTypes].sort(),
    driver_cpu_us_per_call: Math.round(((driverCpu.user + driverCpu.system) / opts.calls) * 100) / 100,
  };
  if (before) {
    report.cpu_us = round1((after.ns - before.ns) / 1000);
    report.cpu_ticks_us = after.ticks_us - before.ticks_us;
    report.cpu_us_per_call = Math.round((report.cpu_us / opts.calls) * 100) / 100;
  }
  return report;
}

async function idle() {
  let pool = opts.client === 'undici' ? new Pool(origin, { connections: 16, pipelining: 1 }) : undefined;
  const warm = await openSessions(50, 16, pool);
  const w = await closedLoop(warm, 200);
  agent.destroy();
  await pool?.close();
  await sleep(500);
  const rssBefore = rssKib(opts.pid);
  const t0 = performance.now();
  pool = opts.client === 'undici' ? new Pool(origin, { connections: 16, pipelining: 1 }) : undefined;
  await openSessions(opts.idle, 16, pool);
  const setupMs = performance.now() - t0;
  agent.destroy();  // the sessions stay; their connections go
  await pool?.close();
  await sleep(1000);
  const rssAfter = rssKib(opts.pid);
  return {
    idle_sessions: opts.idle,
    rss_before_kib: rssBefore,
    rss_after_kib: rssAfter,
    bytes_per_session: Math.round(((rssAfter - rssBefore) * 1024) / opts.idle),
    setup_ms: round1(setupMs),
    errors: w.errors,
    content_types: [...contentTypes].sort(),
  };
}

let report;
try {
  report = await (opts.idle !== undefined ? idle() : load());
} catch (e) {
  process.stderr.write(`driver: ${e.message}\n`);
  process.exit(1);
}
agent.destroy();
process.stdout.write(JSON.stringify(report) + '\n');
process.exit(report.errors ? 1 : 0);
