#!/usr/bin/env node
// tests/scale/scale_test.mjs -- 3 `mcp-htm-server --http` nodes behind the real HAProxy and
// nginx of Debian 12 (configs: deploy/, rendered by deploy/render.mjs), driven by the
// official MCP TypeScript SDK client (tests/e2e's pinned @modelcontextprotocol/sdk).
//
//   node tests/scale/scale_test.mjs /path/to/mcp-htm-server [--balancers haproxy,nginx]
//        [--sessions K] [--calls M] [--only NAME-SUBSTRING] [--json FILE]
//
// For each balancer, each on a fresh cluster:
//   sessions     K sessions x M calls: every call succeeds, sessions on every node, and each
//                node ran exactly the calls of its own sessions (stickiness); the Host a
//                client used reaches the nodes; a progress notification passes the proxy
//                while its call is still running (no buffering)
//   stateless    K stateless clients x M calls: every call succeeds, on every node
//   kill-stateless   kill -9 of a node mid-run: every listing call succeeds (the client
//                retries them); what the tool calls in flight on the dead node got
//   kill-sessions    kill -9 of a node mid-run: its sessions get 404 and re-initialize, the
//                other sessions see nothing; what its calls in flight got
//   drain        SIGTERM of a node: /readyz 503, no new session there, its calls in flight
//                answered, exit code 0
// Every wait has a deadline; nothing sleeps to synchronise. Loopback only. Stdout: what
// each case measured. Exit code 0 passed, 1 failed, 77 skipped (no balancer, no SDK).
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';

import { Cluster, PUBLIC_HOST, alive, childrenOf, have, repo, until, withDeadline } from './cluster.mjs';

const { values: opt, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    balancers: { type: 'string', default: 'haproxy,nginx' },
    sessions: { type: 'string', default: '12' },
    calls: { type: 'string', default: '20' },
    only: { type: 'string' },
    json: { type: 'string' },
  },
});
const server = positionals[0];
if (!server) {
  console.error('usage: node tests/scale/scale_test.mjs /path/to/mcp-htm-server [--balancers haproxy,nginx]');
  process.exit(2);
}
const K = Number(opt.sessions);
const M = Number(opt.calls);
assert.ok(K >= 6 && M >= 8, '--sessions >= 6 and --calls >= 8');

const sdk = join(repo, 'tests', 'e2e', 'node_modules', '@modelcontextprotocol', 'sdk', 'dist', 'esm');
if (!existsSync(sdk)) {
  console.log(`SKIP: the SDK client is missing; run: npm ci --prefix ${join(repo, 'tests', 'e2e')}`);
  process.exit(77);
}
const { Client } = await import(pathToFileURL(join(sdk, 'client', 'index.js')));
const { StreamableHTTPClientTransport, StreamableHTTPError } = await import(pathToFileURL(join(sdk, 'client', 'streamableHttp.js')));
const { McpError } = await import(pathToFileURL(join(sdk, 'types.js')));

const wanted = opt.balancers.split(',').filter(Boolean);
const balancers = wanted.filter((b) => have(b));
for (const b of wanted.filter((x) => !balancers.includes(x))) console.log(`SKIP ${b}: not installed`);
if (balancers.length === 0) {
  console.log('SKIP: neither haproxy nor nginx is installed (scripts/install-deps.sh installs them)');
  process.exit(77);
}

const CALL_TIMEOUT = 10000;  // no call of this test may take longer
const findings = [];         // what each case measured, printed and written with --json

// ---------------------------------------------------------------------------------------
// The client side: SDK sessions, what went wrong with each call.

/// What an error is, in a word: 'http-502', 'network <cause>', 'timeout', 'mcp-<code>', ...
function kindOf(e) {
  if (e instanceof StreamableHTTPError) return `http-${e.code}`;
  if (e instanceof McpError) return e.code === -32001 ? 'timeout' : `mcp-${e.code}`;
  // fetch failed: why, from undici (UND_ERR_SOCKET "other side closed": closed unanswered).
  if (e instanceof TypeError) return `network ${e.cause?.code ?? e.message}`;
  return `other: ${e?.message ?? e}`;
}

let clientCount = 0;
/// One SDK client (Client + StreamableHTTPClientTransport) on `url`; it re-opens its session
/// when told the session is gone (404), as a client of a balanced server must.
class Session {
  constructor(url) {
    this.url = url;
    this.name = `scale-${++clientCount}`;
    this.ids = [];          // every session id it had, in order
    this.errors = [];       // {kind, what} of every failed attempt
    this.transportErrors = [];
    this.old = [];
  }

  get id() { return this.ids.at(-1); }
  get node() { return this.id?.split('-')[0]; }

  async open() {
    // The old client is closed at the end: closing it now would fail its calls in flight.
    if (this.client) this.old.push(this.client);
    this.transport = new StreamableHTTPClientTransport(this.url);
    this.client = new Client({ name: this.name, version: '0.1.0' }, { capabilities: {} });
    this.client.onerror = (e) => this.transportErrors.push(String(e?.message ?? e));
    await withDeadline(this.client.connect(this.transport), CALL_TIMEOUT, `${this.name}: initialize`);
    this.ids.push(this.transport.sessionId);
    return this;
  }

  close() { return Promise.all([this.client, ...this.old].map((c) => c?.close().catch(() => {}))); }

  /// `fn(client)`, with the recovery a client of a balanced server needs: a 404 (the session
  /// is gone) re-opens a session and repeats (the request did not run); with
  /// `idempotent`, a failed exchange (502, 503, a broken connection) is repeated too.
  async call(what, fn, { idempotent = false, tries = 5 } = {}) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn(this.client);
      } catch (e) {
        const kind = kindOf(e);
        this.errors.push({ kind, what });
        if (attempt >= tries) throw e;
        if (kind === 'http-404' && this.transport.sessionId) {
          await this.open();
        } else if (!(idempotent && (['http-502', 'http-503', 'http-504'].includes(kind) || kind.startsWith('network')))) {
          throw e;
        }
      }
    }
  }

  listTools() {
    return this.call('tools/list', async (c) => {
      const r = await c.listTools(undefined, { timeout: CALL_TIMEOUT });
      assert.ok(r.tools.some((t) => t.name === 'tools_dispatch'), JSON.stringify(r));
      return r;
    }, { idempotent: true });
  }

  listCategories() {
    return this.call('tools_list_categories', async (c) => {
      const r = await c.callTool({ name: 'tools_list_categories', arguments: {} }, undefined, { timeout: CALL_TIMEOUT });
      assert.ok(!r.isError && JSON.stringify(r.structuredContent).includes('timing'), JSON.stringify(r));
      return r;
    }, { idempotent: true });
  }

  /// A tool call (math.add): not repeated after a failed exchange, only after a 404.
  addCall(a) {
    return this.call(`add ${a}`, async (c) => {
      const r = await c.callTool({ name: 'tools_dispatch', arguments: { category: 'math', tool: 'add', params: { a, b: 1 } } },
        undefined, { timeout: CALL_TIMEOUT });
      assert.equal(r.structuredContent?.result?.result, a + 1, JSON.stringify(r));
      return r;
    });
  }

  /// A tool call the node counts (timing.wait_for_cancel: `started` goes up by one).
  countedCall(ms = 0, options = {}) {
    return this.call(`wait_for_cancel ${ms}`, async (c) => {
      const r = await c.callTool({ name: 'tools_dispatch', arguments: { category: 'timing', tool: 'wait_for_cancel', params: { ms } } },
        undefined, { timeout: CALL_TIMEOUT, ...options });
      assert.equal(r.structuredContent?.result?.waited_ms, ms, JSON.stringify(r));
      return r;
    });
  }
}

/// timing.cancellations of one node, asked directly (not through the balancer).
async function counters(node) {
  const s = new Session(node.url);
  await s.open();
  try {
    const r = await s.client.callTool({ name: 'tools_dispatch', arguments: { category: 'timing', tool: 'cancellations' } },
      undefined, { timeout: CALL_TIMEOUT });
    const c = r.structuredContent?.result;
    assert.ok(c && typeof c.started === 'number', JSON.stringify(r));
    return c;
  } finally {
    await s.close();
  }
}

async function allCounters(cluster) {
  const out = {};
  for (const n of cluster.nodes) if (!n.s.exited) out[n.id] = await counters(n);
  return out;
}

async function openSessions(url, count) {
  return Promise.all(Array.from({ length: count }, () => new Session(url).open()));
}

const byNode = (sessions) => {
  const m = {};
  for (const s of sessions) (m[s.node] ??= []).push(s);
  return m;
};

/// Runs `body(i)` M times on every session, all sessions at once; `pause(i)` may return a
/// promise to wait on before iteration i.
async function load(sessions, body, pause = () => undefined) {
  let done = 0;
  const progress = { get done() { return done; } };
  const runs = sessions.map(async (s) => {
    for (let i = 0; i < M; i++) {
      await pause(i);
      await body(s, i);
      done++;
    }
  });
  progress.all = Promise.allSettled(runs);
  return progress;
}

/// A raw initialize POST through the balancer with the given Host header: {status, sid}.
function rawInitialize(url, host) {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'scale-raw', version: '0' } } });
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent: false,
      headers: { Host: host, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', 'Content-Length': Buffer.byteLength(body) } },
    (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, sid: res.headers['mcp-session-id'] }));
    });
    req.setTimeout(CALL_TIMEOUT, () => req.destroy(new Error('raw initialize: no answer')));
    req.on('error', reject);
    req.end(body);
  });
}

// ---------------------------------------------------------------------------------------
// The cases.

let failures = 0;
async function scenario(name, clusterOptions, body) {
  if (opt.only && !name.includes(opt.only)) return;
  const cluster = new Cluster({ server, ...clusterOptions });
  const t0 = performance.now();
  const finding = { case: name };
  try {
    await cluster.start();
    await withDeadline(body(cluster, finding), 60000, name);
    finding.ms = Math.round(performance.now() - t0);
    console.log(`ok   ${name} (${finding.ms} ms) ${JSON.stringify(finding)}`);
    // SCALE_DEBUG=1: the balancer logs every request (HAProxy), kept in a file per case.
    if (process.env.SCALE_DEBUG) writeFileSync(join(tmpdir(), `mcp-htm-scale-${name.replace(/ /g, '-')}.log`), cluster.balancer?.output ?? '');
  } catch (e) {
    failures++;
    finding.error = String(e?.stack ?? e);
    console.log(`FAIL ${name}\n${finding.error}\n${cluster.logs()}`);
  } finally {
    try {
      await cluster.stop();
    } catch (e) {
      failures++;
      console.log(`FAIL ${name}: cleanup: ${e.message}`);
    }
    findings.push(finding);
  }
}

for (const balancer of balancers) {
  // 1 (and 5): stateful, sticky.
  await scenario(`${balancer} sessions`, { kind: balancer }, async (cluster, f) => {
    const sessions = await openSessions(cluster.url, K);
    const nodes = byNode(sessions);
    f.sessions_per_node = Object.fromEntries(Object.entries(nodes).map(([n, l]) => [n, l.length]));
    assert.deepEqual(Object.keys(nodes).sort(), ['n1', 'n2', 'n3'], `sessions spread over all nodes: ${JSON.stringify(f.sessions_per_node)}`);
    const run = await load(sessions, async (s) => {
      await s.listTools();
      await s.countedCall(0);
    });
    const settled = await run.all;
    assert.ok(settled.every((r) => r.status === 'fulfilled'), settled.find((r) => r.status === 'rejected')?.reason?.stack);
    assert.ok(sessions.every((s) => s.errors.length === 0 && s.ids.length === 1), 'no call failed, no session re-opened');
    // Stickiness, exactly: each node ran the counted calls of its own sessions and no other.
    const c = await allCounters(cluster);
    f.calls_per_node = Object.fromEntries(Object.entries(c).map(([n, x]) => [n, x.started]));
    for (const [n, list] of Object.entries(nodes)) assert.equal(c[n].started, list.length * M, `node ${n}: ${JSON.stringify(c)}`);

    // Behind a proxy the Host is the public name: passed through, and checked by the nodes.
    const good = await rawInitialize(cluster.url, PUBLIC_HOST);
    assert.equal(good.status, 200, `Host ${PUBLIC_HOST}`);
    assert.match(good.sid ?? '', /^n[123]-[0-9a-f]{32}$/);
    assert.equal((await rawInitialize(cluster.url, 'evil.example.test')).status, 403, 'a Host not allowed');
    f.host_check = `${PUBLIC_HOST}: 200, evil.example.test: 403`;

    // 5: a progress notification passes the proxy while its call cannot have ended (the call
    // waits for its cancellation), so nothing holds the SSE answer back.
    const s = sessions[0];
    const before = await counters(cluster.node(s.node));
    const controller = new AbortController();
    let firstProgress;
    const gotProgress = new Promise((resolve) => { firstProgress = resolve; });
    let settledCall = false;
    const waiting = s.client.callTool({ name: 'tools_dispatch_parallel', arguments: { calls: [{ category: 'timing', tool: 'wait_for_cancel', params: { ms: 600000 } }] } },
      undefined, { timeout: 700000, signal: controller.signal, onprogress: (p) => firstProgress(p) })
      .finally(() => { settledCall = true; });
    waiting.catch(() => {});
    const p = await withDeadline(gotProgress, 5000, 'a progress notification through the proxy');
    assert.equal(p.progress, 0);
    assert.equal(settledCall, false, 'the call is still running when its progress arrives');
    f.progress_before_response = true;
    controller.abort('done');
    await assert.rejects(waiting);
    await until(async () => ((await counters(cluster.node(s.node))).cancelled > before.cancelled ? true : undefined), 5000,
      'the cancellation reached the tool through the proxy');
    await Promise.all(sessions.map((x) => x.close()));
  });

  // 2: stateless, round robin / leastconn.
  await scenario(`${balancer} stateless`, { kind: balancer, mode: 'stateless' }, async (cluster, f) => {
    const clients = await openSessions(cluster.url, K);
    assert.ok(clients.every((s) => s.id === undefined), 'no session ids when stateless');
    const settled = await (await load(clients, async (s) => {
      await s.listTools();
      await s.countedCall(0);
    })).all;
    assert.ok(settled.every((r) => r.status === 'fulfilled'), settled.find((r) => r.status === 'rejected')?.reason?.stack);
    assert.ok(clients.every((s) => s.errors.length === 0), 'no call failed');
    const c = await allCounters(cluster);
    f.calls_per_node = Object.fromEntries(Object.entries(c).map(([n, x]) => [n, x.started]));
    assert.equal(Object.values(c).reduce((a, x) => a + x.started, 0), K * M, 'every counted call ran once');
    assert.ok(Object.values(c).every((x) => x.started > 0), `every node served calls: ${JSON.stringify(f.calls_per_node)}`);
    await Promise.all(clients.map((x) => x.close()));
  });

  // 3: kill -9 mid-run, stateless.
  await scenario(`${balancer} kill-stateless`, { kind: balancer, mode: 'stateless' }, async (cluster, f) => {
    const clients = await openSessions(cluster.url, K);
    const victim = cluster.node('n2');
    let killed;
    const killedGate = new Promise((resolve) => { killed = resolve; });
    // Listing calls only: safe to repeat, so the client repeats a failed one.
    const run = await load(clients, async (s) => {
      await s.listTools();
      await s.listCategories();
    }, (i) => (i === Math.floor((3 * M) / 4) ? killedGate : undefined));
    await until(() => (run.done >= (K * M) / 4 ? true : undefined), 20000, 'a quarter of the calls done');
    // Tool calls in flight: 6 that wait 3 s, spread by the balancer; kill when all run.
    const slow = clients.slice(0, 6).map((s) => s.countedCall(3000).then(() => 'ok', (e) => kindOf(e)));
    await until(async () => {
      const c = await allCounters(cluster);
      return Object.values(c).reduce((a, x) => a + x.waiting, 0) === 6 ? c : undefined;
    }, 5000, 'the 6 slow calls running');
    const onVictim = (await counters(victim)).waiting;
    assert.ok(onVictim >= 1, 'the victim has calls in flight');
    const tKill = performance.now();
    victim.s.child.kill('SIGKILL');
    await withDeadline(victim.s.exit, 5000, 'victim gone');
    killed();
    const settled = await run.all;
    assert.ok(settled.every((r) => r.status === 'fulfilled'), settled.find((r) => r.status === 'rejected')?.reason?.stack);
    const outcomes = await Promise.all(slow);
    const failed = outcomes.filter((o) => o !== 'ok');
    f.listing_calls = K * M * 2;
    f.listing_calls_lost = 0;
    f.listing_retries = clients.reduce((a, s) => a + s.errors.filter((e) => e.what !== 'wait_for_cancel 3000').length, 0);
    f.listing_retry_kinds = [...new Set(clients.flatMap((s) => s.errors.filter((e) => e.what !== 'wait_for_cancel 3000').map((e) => e.kind)))];
    f.in_flight_on_victim = onVictim;
    f.in_flight_outcomes = outcomes;
    f.ms_after_kill = Math.round(performance.now() - tKill);
    assert.equal(failed.length, onVictim, `exactly the calls on the dead node failed: ${JSON.stringify(outcomes)}`);
    if (balancer === 'haproxy') f.haproxy_states = await cluster.haproxyStates();
    await Promise.all(clients.map((x) => x.close()));
  });

  // 3: kill -9 mid-run, sessions.
  await scenario(`${balancer} kill-sessions`, { kind: balancer }, async (cluster, f) => {
    const sessions = await openSessions(cluster.url, K);
    const nodes = byNode(sessions);
    assert.deepEqual(Object.keys(nodes).sort(), ['n1', 'n2', 'n3']);
    const victim = cluster.node('n2');
    const victims = new Set(nodes.n2);
    const firstIds = new Map(sessions.map((s) => [s, s.id]));
    let killed;
    const killedGate = new Promise((resolve) => { killed = resolve; });
    const toolFailures = [];
    const run = await load(sessions, async (s, i) => {
      await s.listTools();
      // A tool call is not repeated after a failed exchange (it may have run), only after
      // 404. (Not a counted one: the victim's `waiting` must count only the calls below.)
      await s.addCall(i).catch((e) => toolFailures.push({ node: firstIds.get(s).split('-')[0], kind: kindOf(e) }));
    }, (i) => (i === Math.floor((3 * M) / 4) ? killedGate : undefined));
    await until(() => (run.done >= (K * M) / 4 ? true : undefined), 20000, 'a quarter of the calls done');
    // In flight on the victim at the kill: a JSON-answered call and an SSE-answered one
    // (a parallel dispatch with a progress token: its answer is a stream, already started).
    const [json, sse] = [new Session(cluster.url), new Session(cluster.url)];
    for (const s of [json, sse]) {
      do await s.open(); while (s.node !== 'n2' && s.ids.length < 30);
      assert.equal(s.node, 'n2', 'a session on the victim');
    }
    const before = await counters(victim);
    const inFlight = {
      json: json.client.callTool({ name: 'tools_dispatch', arguments: { category: 'timing', tool: 'wait_for_cancel', params: { ms: 600000 } } },
        undefined, { timeout: 6000 }).then(() => 'ok', (e) => kindOf(e)),
      sse: sse.client.callTool({ name: 'tools_dispatch_parallel', arguments: { calls: [{ category: 'timing', tool: 'wait_for_cancel', params: { ms: 600000 } }] } },
        undefined, { timeout: 6000, onprogress: () => {} }).then(() => 'ok', (e) => kindOf(e)),
    };
    await until(async () => ((await counters(victim)).waiting >= before.waiting + 2 ? true : undefined), 5000, 'both calls running on the victim');
    const tKill = performance.now();
    victim.s.child.kill('SIGKILL');
    await withDeadline(victim.s.exit, 5000, 'victim gone');
    killed();
    const settled = await run.all;
    assert.ok(settled.every((r) => r.status === 'fulfilled'), settled.find((r) => r.status === 'rejected')?.reason?.stack);
    const t = {};
    const timed = async (name) => { const r = await inFlight[name]; t[name] = Math.round(performance.now() - tKill); return r; };
    f.in_flight = { json: await timed('json'), sse: await timed('sse') };
    f.in_flight_settled_ms = t;
    f.sse_transport_errors = sse.transportErrors.slice(0, 2);
    // The other nodes' sessions saw nothing: no error, the same session throughout.
    for (const s of sessions.filter((x) => !victims.has(x))) {
      assert.deepEqual(s.errors, [], `${s.ids[0]}: untouched`);
      assert.equal(s.ids.length, 1);
    }
    // The victim's sessions: one 404, one new session on a live node, then on as before.
    for (const s of victims) {
      assert.equal(s.ids.length, 2, `${s.ids[0]} re-initialized once: ${JSON.stringify(s.errors)}`);
      assert.match(s.ids[1], /^n[13]-/);
      assert.ok(s.errors.some((e) => e.kind === 'http-404'), JSON.stringify(s.errors));
    }
    assert.ok(toolFailures.every((x) => x.node === 'n2'), `tool calls failed on n2 only: ${JSON.stringify(toolFailures)}`);
    assert.ok(toolFailures.length <= victims.size, 'at most the one call each in flight');
    f.sessions_on_victim = victims.size;
    f.victim_session_errors = [...new Set([...victims].flatMap((s) => s.errors.map((e) => e.kind)))];
    f.loop_tool_calls_failed = toolFailures;
    f.reopened_on = [...victims].map((s) => s.node);
    assert.notEqual(f.in_flight.json, 'ok');
    await Promise.all([...sessions, json, sse].map((x) => x.close()));
  });

  // 4: SIGTERM: drain.
  const drainMs = 2000;
  await scenario(`${balancer} drain`, {
    kind: balancer, nodeArgs: ['--drain-delay-ms', String(drainMs)], settings: { check_inter: '200ms' },
  }, async (cluster, f) => {
    const sessions = await openSessions(cluster.url, K);
    const nodes = byNode(sessions);
    assert.ok(nodes.n3?.length >= 1);
    const victim = cluster.node('n3');
    // A call in flight on each of n3's sessions, running past the end of the drain delay.
    const inFlight = nodes.n3.map((s) => s.countedCall(drainMs + 1000).then(() => 'ok', (e) => kindOf(e)));
    await until(async () => ((await counters(victim)).waiting === nodes.n3.length ? true : undefined), 5000, 'calls running on n3');
    const t0 = performance.now();
    victim.s.child.kill('SIGTERM');
    // The signal is handled asynchronously: /readyz turns 503 once the node has seen it.
    await until(async () => ((await fetch(new URL('/readyz', victim.url))).status === 503 ? true : undefined), 2000,
      '/readyz 503 on the draining node');
    f.readyz_503_after_ms = Math.round(performance.now() - t0);
    if (balancer === 'haproxy') {
      const st = await until(async () => {
        const s = (await cluster.haproxyStates()).n3;
        return s.status.startsWith('DOWN') ? s : undefined;
      }, drainMs, 'HAProxy marks n3 DOWN from its /readyz');
      assert.ok(alive(victim.s.child.pid) && !victim.s.exited, 'n3 still running (drain delay) when marked down');
      assert.equal(st.code, '503');
      f.haproxy_down_after_ms = Math.round(performance.now() - t0);
      f.haproxy_check = `${st.check} ${st.code}`;
    }
    // New sessions go to the other nodes (nginx: n3's 503 to initialize is retried elsewhere).
    const fresh = await openSessions(cluster.url, 6);
    f.new_sessions_on = fresh.map((s) => s.node);
    assert.ok(fresh.every((s) => s.node !== 'n3'), JSON.stringify(f.new_sessions_on));
    f.new_session_refusals_seen_by_client = fresh.reduce((a, s) => a + s.errors.length, 0);
    // A request of one of n3's sessions during the drain: served by n3, or moved (404).
    const duringDrain = nodes.n3[0];
    await duringDrain.listTools();
    f.n3_session_during_drain = duringDrain.node === 'n3' ? 'served by n3' : `${duringDrain.errors.map((e) => e.kind)}, re-opened on ${duringDrain.node}`;
    const outcomes = await Promise.all(inFlight);
    f.in_flight_answered = outcomes;
    assert.ok(outcomes.every((o) => o === 'ok'), JSON.stringify(outcomes));
    const exit = await withDeadline(victim.s.exit, drainMs + 5000, 'n3 exits');
    f.exit = exit;
    f.exit_after_ms = Math.round(performance.now() - t0);
    assert.deepEqual(exit, { code: 0, signal: null });
    // After its exit, n3's sessions re-open elsewhere on their next call.
    for (const s of nodes.n3) await s.listTools();
    f.after_exit = nodes.n3.map((s) => `${s.errors.map((e) => e.kind).join('+') || 'no error'} -> ${s.node}`);
    assert.ok(nodes.n3.every((s) => s.node !== 'n3'));
    await Promise.all([...sessions, ...fresh].map((x) => x.close()));
  });
}

// Nothing this test started is left running.
const left = childrenOf(process.pid).filter(alive);
if (left.length) {
  failures++;
  console.log(`FAIL processes left running: ${left.join(' ')}`);
}
if (opt.json) writeFileSync(opt.json, `${JSON.stringify(findings, null, 2)}\n`);
console.log(failures ? `${failures} case(s) failed` : `all ${findings.length} cases passed`);
process.exit(failures ? 1 : 0);
