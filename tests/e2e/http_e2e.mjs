#!/usr/bin/env node
// End-to-end test of `mcp-htm-server --http` with the official MCP TypeScript SDK client
// (StreamableHTTPClientTransport).
//   node http_e2e.mjs /path/to/mcp-htm-server
// Exit code: 0 passed, 1 failed, 77 skipped (the SDK is not installed: run `npm ci` here).
// Every wait has a deadline; nothing sleeps to synchronise.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import * as proc from './http_server_process.mjs';

const here = dirname(fileURLToPath(import.meta.url));
if (!existsSync(join(here, 'node_modules', '@modelcontextprotocol', 'sdk'))) {
  console.log(`SKIP: ${here}/node_modules is missing; run: npm ci --prefix ${here}`);
  process.exit(77);
}
const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
const { StreamableHTTPClientTransport, StreamableHTTPError } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
const { LoggingMessageNotificationSchema, ToolListChangedNotificationSchema, McpError } =
  await import('@modelcontextprotocol/sdk/types.js');

const server = process.argv[2];
if (!server) {
  console.error('usage: node http_e2e.mjs /path/to/mcp-htm-server');
  process.exit(2);
}

const LATEST = '2025-11-25';

// ---------------------------------------------------------------------------------------
const { withDeadline, until, stopServer } = proc;
/// Starts a server; every one started is kept, its stderr shown when a step fails.
async function startServer(args = [], options = {}) {
  const s = await proc.startServer(server, args, options);
  servers.push(s);
  return s;
}

/// A Client on a StreamableHTTPClientTransport whose fetch records every exchange:
/// {method, status, type (Content-Type), message (the JSON-RPC message POSTed)}.
async function connect(url, { transportOptions = {} } = {}) {
  const exchanges = [];
  const recordingFetch = async (input, init) => {
    const res = await fetch(input, init);
    let message;
    try { message = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined; } catch { /* not JSON */ }
    exchanges.push({ method: init?.method ?? 'GET', status: res.status, type: res.headers.get('content-type'), message });
    return res;
  };
  const transport = new StreamableHTTPClientTransport(url, { fetch: recordingFetch, ...transportOptions });
  const client = new Client({ name: 'mcp-htm-http-e2e', version: '0.1.0' }, { capabilities: {} });
  const errors = [];
  client.onerror = (e) => errors.push(e);
  await withDeadline(client.connect(transport), 5000, 'connect (initialize)');
  return { client, transport, exchanges, errors };
}

const structured = (result) => {
  assert.ok(result.structuredContent, `no structuredContent in ${JSON.stringify(result)}`);
  assert.deepEqual(JSON.parse(result.content[0].text), result.structuredContent);
  return result.structuredContent;
};
const dispatch = (client, category, tool, params, options) => client.callTool(
  { name: 'tools_dispatch', arguments: { category, tool, ...(params ? { params } : {}) } }, undefined, options);
const counts = async (client) => structured(await dispatch(client, 'timing', 'cancellations')).result;

/// A raw POST (no SDK), for what the SDK cannot be made to send.
async function rawPost(url, body, headers = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
}

let failures = 0;
const servers = [];  // every server started; the stderr of each is shown when a step fails
async function step(name, fn) {
  const t0 = performance.now();
  const first = servers.length;  // show the main server's stderr and those of this step
  try {
    await fn();
    console.log(`ok   ${name} (${(performance.now() - t0).toFixed(1)} ms)`);
  } catch (e) {
    failures++;
    console.log(`FAIL ${name}\n     ${e?.stack ?? e}`);
    for (const s of [servers[0], ...servers.slice(Math.max(first, 1))]) if (s?.stderr) console.log(`     server stderr (last 3000 bytes):\n${s.stderr.slice(-3000)}`);
  }
}

// ---------------------------------------------------------------------------------------
const main = await startServer(['--threads', '2', '--breaker-threshold', '3', '--breaker-recovery-ms', '60000']);
let c;

await step('initialize over Streamable HTTP: 2025-11-25, server info, capabilities, a session id', async () => {
  c = await connect(main.url);
  assert.equal(c.client.getServerVersion().name, 'mcp-htm-server');
  const caps = c.client.getServerCapabilities();
  assert.equal(caps.tools.listChanged, true);
  assert.ok(caps.logging);
  assert.equal(c.transport.protocolVersion, LATEST);
  assert.match(c.transport.sessionId ?? '', /^[\x21-\x7e]+$/);
  const init = c.exchanges.find((x) => x.message?.method === 'initialize');
  assert.equal(init.status, 200);
  assert.match(init.type, /^application\/json/);
  const initialized = c.exchanges.find((x) => x.message?.method === 'notifications/initialized');
  assert.equal(initialized.status, 202);
});

await step('the SDK opened the GET stream after initialized (200 text/event-stream)', async () => {
  const get = await until(() => c.exchanges.find((x) => x.method === 'GET'), 5000, 'the GET stream');
  assert.equal(get.status, 200);
  assert.match(get.type, /^text\/event-stream/);
});

await step('ping; tools/list: the five meta-tools', async () => {
  assert.deepEqual(await c.client.ping(), {});
  const { tools } = await c.client.listTools();
  assert.deepEqual(tools.map((t) => t.name), [
    'tools_list_categories', 'tools_list_tools', 'tools_get_schema', 'tools_dispatch', 'tools_dispatch_parallel',
  ]);
  for (const t of tools) assert.equal(t.inputSchema.type, 'object');
});

await step('tools_list_categories, tools_list_tools, tools_get_schema', async () => {
  let s = structured(await c.client.callTool({ name: 'tools_list_categories', arguments: { include_count: true } }));
  const names = s.categories.map((x) => x.name);
  for (const n of ['math', 'text', 'timing', 'faults', 'util', 'stats', 'admin']) assert.ok(names.includes(n), n);
  assert.equal(s.categories.find((x) => x.name === 'math').tool_count, 5);
  s = structured(await c.client.callTool({ name: 'tools_list_tools', arguments: { category: 'timing' } }));
  for (const n of ['sleep_ms', 'wait_for_cancel', 'cancellations']) assert.ok(s.tools.some((t) => t.name === n), n);
  s = structured(await c.client.callTool({ name: 'tools_get_schema', arguments: { category: 'math', tool: 'divide' } }));
  assert.deepEqual(s.schema.inputSchema.required, ['a', 'b']);
  const missing = await c.client.callTool({ name: 'tools_list_tools', arguments: { category: 'nope' } });
  assert.equal(missing.isError, true);
});

await step('tools_dispatch: math, util.echo, util.noop, faults.flaky, a lazily loaded category; errors are isError results', async () => {
  assert.equal(structured(await dispatch(c.client, 'math', 'add', { a: 2, b: 40 })).result.result, 42);
  assert.equal(structured(await dispatch(c.client, 'util', 'echo', { text: 'héllo ✓' })).result, 'héllo ✓');
  assert.equal(structured(await dispatch(c.client, 'util', 'noop')).result, 'ok');
  assert.deepEqual(structured(await dispatch(c.client, 'faults', 'flaky', { fail: false })).result, { ok: true });
  assert.equal(structured(await dispatch(c.client, 'stats', 'median', { values: [5, 1, 3] })).result.result, 3);
  const r = await dispatch(c.client, 'math', 'divide', { a: 1, b: 0 });
  assert.equal(r.isError, true);
  assert.equal(structured(r).error_code, 'tool_error');
  await assert.rejects(c.client.callTool({ name: 'no_such_tool', arguments: {} }), (e) => e instanceof McpError && e.code === -32602);
  // A plain answer is application/json; the tool error's log message (notice, the
  // default --log-level info lets it through) makes that answer an SSE stream.
  const calls = c.exchanges.filter((x) => x.message?.params?.name === 'tools_dispatch');
  assert.match(calls.find((x) => x.message.params.arguments.tool === 'add').type, /^application\/json/);
  assert.match(calls.find((x) => x.message.params.arguments.tool === 'divide').type, /^text\/event-stream/);
});

await step('tools_dispatch_parallel with a progress token: onprogress, over an SSE answer', async () => {
  const progress = [];
  const calls = [];
  for (let i = 0; i < 10; i++) calls.push({ category: 'math', tool: 'add', params: { a: i, b: 1 } });
  calls.push({ category: 'timing', tool: 'sleep_ms', params: { ms: 20 } });
  const r = await c.client.callTool(
    { name: 'tools_dispatch_parallel', arguments: { calls, max_concurrent: 4 } }, undefined,
    { onprogress: (p) => progress.push(p) });
  const s = structured(r);
  assert.equal(s.total, 11);
  assert.equal(s.succeeded, 11);
  assert.deepEqual(s.results.slice(0, 10).map((x) => x.result.result), [...Array(10).keys()].map((i) => i + 1));
  // Every progress notification arrived before the response (same stream, in order).
  assert.equal(progress.length, 11, `progress: ${JSON.stringify(progress)}`);
  assert.deepEqual(progress.map((p) => p.progress), [...Array(11).keys()]);
  assert.ok(progress.every((p) => p.total === 11));
  const post = c.exchanges.filter((x) => x.message?.params?.name === 'tools_dispatch_parallel').at(-1);
  assert.equal(post.status, 200);
  assert.match(post.type, /^text\/event-stream/);
});

await step('logging: notifications/message of a call arrive before its result', async () => {
  const messages = [];
  c.client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => messages.push(n.params));
  await c.client.setLoggingLevel('debug');
  await dispatch(c.client, 'math', 'divide', { a: 1, b: 0 });
  assert.ok(messages.some((m) => m.data?.error_code === 'tool_error'), JSON.stringify(messages));
  await c.client.setLoggingLevel('emergency');
  const n = messages.length;
  await dispatch(c.client, 'math', 'divide', { a: 1, b: 0 });
  await c.client.ping();
  assert.equal(messages.length, n);
});

await step('a call cancelled with an AbortSignal: the tool coroutine sees the cancellation; serving goes on', async () => {
  const before = await counts(c.client);
  const controller = new AbortController();
  const waiting = dispatch(c.client, 'timing', 'wait_for_cancel', { ms: 600000 }, { signal: controller.signal, timeout: 700000 });
  waiting.catch(() => {});
  // The coroutine is running (it counted itself).
  await until(async () => ((await counts(c.client)).started > before.started ? true : undefined), 5000, 'wait_for_cancel started');
  const t0 = performance.now();
  controller.abort('changed my mind');
  await assert.rejects(waiting);
  const after = await until(async () => {
    const n = await counts(c.client);
    return n.cancelled > before.cancelled ? n : undefined;
  }, 5000, 'the coroutine seeing operation_aborted');
  assert.equal(after.cancelled, before.cancelled + 1);
  assert.equal(after.waiting, 0);
  assert.ok(performance.now() - t0 < 5000);
  const cancel = c.exchanges.find((x) => x.message?.method === 'notifications/cancelled');
  assert.equal(cancel.status, 202);
  assert.equal(structured(await dispatch(c.client, 'math', 'add', { a: 1, b: 2 })).result.result, 3);
});

await step('many calls in flight at once on one session are all answered correctly', async () => {
  const results = await withDeadline(Promise.all([...Array(40).keys()].map((i) =>
    dispatch(c.client, i % 2 ? 'math' : 'timing', i % 2 ? 'add' : 'sleep_ms', i % 2 ? { a: i, b: 1 } : { ms: 10 }))), 10000, '40 parallel calls');
  results.forEach((r, i) => {
    const s = structured(r);
    if (i % 2) assert.equal(s.result.result, i + 1);
    else assert.equal(s.result.slept_ms, 10);
  });
});

await step('notifications/tools/list_changed arrives on the GET stream (admin.register_extras)', async () => {
  const changed = new Promise((resolve) => c.client.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve(true)));
  const s = structured(await dispatch(c.client, 'admin', 'register_extras'));
  assert.equal(s.result.registered, true);
  assert.equal(await withDeadline(changed, 5000, 'notifications/tools/list_changed'), true);
  assert.equal(structured(await dispatch(c.client, 'extras', 'hello', { name: 'http' })).result, 'hello, http');
});

await step('a second client has its own session; both are served', async () => {
  const d = await connect(main.url);
  try {
    assert.notEqual(d.transport.sessionId, c.transport.sessionId);
    const [x, y] = await Promise.all([
      dispatch(c.client, 'util', 'echo', { text: 'first' }),
      dispatch(d.client, 'util', 'echo', { text: 'second' }),
    ]);
    assert.equal(structured(x).result, 'first');
    assert.equal(structured(y).result, 'second');
    assert.deepEqual(d.errors.map(String), []);
  } finally {
    await d.client.close();
  }
});

await step('no unexpected client errors so far', async () => {
  assert.deepEqual(c.errors.map(String), []);
});

await step('DELETE (terminateSession) ends the session: a raw request with the old id gets 404', async () => {
  const old = c.transport.sessionId;
  await c.transport.terminateSession();
  const del = c.exchanges.find((x) => x.method === 'DELETE');
  assert.ok(del.status === 200 || del.status === 204, JSON.stringify(del));
  assert.equal(c.transport.sessionId, undefined);
  const res = await rawPost(main.url, { jsonrpc: '2.0', id: 1, method: 'ping' }, { 'Mcp-Session-Id': old, 'MCP-Protocol-Version': LATEST });
  assert.equal(res.status, 404, res.text);
  const body = res.json();
  assert.equal(body.id, null);
  assert.equal(typeof body.error.code, 'number');
  await c.client.close();
});

await step('DELETE cancels the session\'s calls in flight (the coroutine sees it)', async () => {
  const d = await connect(main.url);
  const probe = await connect(main.url);
  try {
    const before = await counts(probe.client);
    const waiting = dispatch(d.client, 'timing', 'wait_for_cancel', { ms: 600000 }, { timeout: 700000 });
    waiting.catch(() => {});
    await until(async () => ((await counts(probe.client)).started > before.started ? true : undefined), 5000, 'wait_for_cancel started');
    await d.transport.terminateSession();
    const after = await until(async () => {
      const n = await counts(probe.client);
      return n.cancelled > before.cancelled ? n : undefined;
    }, 5000, 'the call of the deleted session being cancelled');
    assert.equal(after.waiting, 0);
    // The POST of the cancelled call ends (one way or another) rather than hanging.
    await withDeadline(waiting.then(() => 'answered', () => 'rejected'), 5000, 'the cancelled call\'s POST ending');
  } finally {
    await d.client.close();
    await probe.client.close();
  }
});

await step('the server restarts on the same port: the old session gets 404, the client re-initializes', async () => {
  const first = await startServer([]);
  const port = first.port;
  const d = await connect(first.url);
  try {
    assert.equal(structured(await dispatch(d.client, 'math', 'add', { a: 1, b: 1 })).result.result, 2);
    const oldSession = d.transport.sessionId;
    await stopServer(first, 'SIGKILL');
    const second = await startServer([], { listen: `127.0.0.1:${port}` });
    assert.equal(second.port, port);
    await assert.rejects(dispatch(d.client, 'math', 'add', { a: 2, b: 2 }), (e) => {
      assert.ok(e instanceof StreamableHTTPError, String(e));
      assert.equal(e.code, 404, String(e));
      return true;
    });
    // Re-initialize: the same Client on a new transport (no session id).
    await d.client.close();
    const transport = new StreamableHTTPClientTransport(second.url);
    await withDeadline(d.client.connect(transport), 5000, 're-initialize');
    assert.ok(transport.sessionId);
    assert.notEqual(transport.sessionId, oldSession);
    assert.equal(structured(await dispatch(d.client, 'math', 'add', { a: 2, b: 2 })).result.result, 4);
    await d.client.close();
    const { code, signal } = await stopServer(second);
    assert.equal(signal, null);
    assert.equal(code, 0);
  } finally {
    await d.client.close().catch(() => {});
  }
});

await step('--flat over HTTP: every tool as category.tool', async () => {
  const flat = await startServer(['--flat']);
  const d = await connect(flat.url);
  try {
    const { tools } = await d.client.listTools();
    const names = tools.map((t) => t.name);
    for (const n of ['math.add', 'util.echo', 'timing.wait_for_cancel', 'timing.cancellations']) assert.ok(names.includes(n), n);
    const r = await d.client.callTool({ name: 'math.add', arguments: { a: 2, b: 3 } });
    assert.equal(r.structuredContent.result, 5);
  } finally {
    await d.client.close();
    assert.equal((await stopServer(flat)).code, 0);
  }
});

await step('--stateless with the SDK: no session id, GET 405 taken in stride, calls of two clients served at once', async () => {
  const stateless = await startServer(['--stateless', '--threads', '2']);
  const d = await connect(stateless.url);
  try {
    assert.equal(d.transport.sessionId, undefined);
    assert.equal(structured(await dispatch(d.client, 'math', 'multiply', { a: 6, b: 7 })).result.result, 42);
    const get = await until(() => d.exchanges.find((x) => x.method === 'GET'), 5000, 'the SDK trying the GET stream');
    assert.equal(get.status, 405);
    assert.deepEqual(d.errors.map(String), []);
    // A second SDK client numbers its requests the same way: the same ids in flight at once.
    const pair = await Promise.all([connect(stateless.url), connect(stateless.url)]);
    try {
      const results = await Promise.all(pair.map((x) => dispatch(x.client, 'timing', 'sleep_ms', { ms: 200 })));
      for (const r of results) assert.equal(structured(r).result.slept_ms, 200);
    } finally {
      for (const x of pair) await x.client.close();
    }
  } finally {
    await d.client.close();
    assert.equal((await stopServer(stateless)).code, 0);
  }
});

await step('SIGTERM with a client connected (GET stream open): exit 0, promptly', async () => {
  const d = await connect(main.url);
  await until(() => d.exchanges.find((x) => x.method === 'GET' && x.status === 200), 5000, 'the GET stream');
  const t0 = performance.now();
  const { code, signal } = await stopServer(main);
  assert.equal(signal, null);
  assert.equal(code, 0);
  assert.ok(performance.now() - t0 < 3000, `exit took ${(performance.now() - t0).toFixed(0)} ms`);
  await d.client.close();
});

console.log(failures ? `${failures} step(s) failed` : 'all steps passed');
process.exit(failures ? 1 : 0);
