#!/usr/bin/env node
// Measures how many `notifications/progress` of tools_dispatch_parallel the official MCP
// TypeScript SDK client (the version pinned in package-lock.json) actually hands to the
// caller's onprogress, over stdio, for batch shapes whose calls end together; and that no
// progress for a cancelled call arrives once the server has read the cancellation.
//   node progress_delivery.mjs /path/to/mcp-htm-server [--batches N] [--json FILE] [--check]
//                              [--http] [--server-args "ARGS"]
// --http: the same over Streamable HTTP (mcp-htm-server --http on a loopback port, the
// SDK's StreamableHTTPClientTransport).
// --check: exit 1 unless every progress notification that arrived reached onprogress, no
// "unknown token" error was raised, and nothing followed a cancellation (ctest runs this).
// Exit code 77 (skipped) when the SDK is not installed (npm ci --prefix tests/e2e).
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
if (!existsSync(join(here, 'node_modules', '@modelcontextprotocol', 'sdk'))) {
  console.log(`SKIP: ${here}/node_modules is missing; run: npm ci --prefix ${here}`);
  process.exit(77);
}
const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
const { StdioClientTransport } = await import('@modelcontextprotocol/sdk/client/stdio.js');

const args = process.argv.slice(2);
const server = args[0];
if (!server || server.startsWith('--')) {
  console.error('usage: node progress_delivery.mjs /path/to/mcp-htm-server [--batches N] [--json FILE] [--check]');
  process.exit(2);
}
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const batches = Number(option('--batches', '10'));
const jsonOut = option('--json', '');
const check = args.includes('--check');
const serverArgs = option('--server-args', '').split(' ').filter(Boolean);
const overHttp = args.includes('--http');

/// A client on a fresh server; `raw` sees every message before the SDK does.
async function connect() {
  let transport;
  let stderr = '';
  let stop = async () => {};
  if (overHttp) {
    const { startServer, stopServer } = await import('./http_server_process.mjs');
    const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
    const s = await startServer(server, ['--log-level', 'error', ...serverArgs]);
    transport = new StreamableHTTPClientTransport(s.url);
    stop = () => stopServer(s);
  } else {
    transport = new StdioClientTransport({ command: server, args: ['--log-level', 'error', ...serverArgs], stderr: 'pipe' });
    transport.stderr?.on('data', (d) => (stderr += d));
  }
  const client = new Client({ name: 'progress-delivery', version: '0.1.0' }, { capabilities: {} });
  const errors = [];
  client.onerror = (e) => errors.push(String(e?.message ?? e));
  await client.connect(transport);
  const raw = [];
  const onmessage = transport.onmessage;
  transport.onmessage = (m, extra) => {
    raw.push(m);
    onmessage?.(m, extra);
  };
  return { client, transport, errors, raw, stderr: () => stderr, stop };
}

const sleepCalls = (n, ms) => Array.from({ length: n }, () => ({ category: 'timing', tool: 'sleep_ms', params: { ms } }));

/// One shape: `batches` tools_dispatch_parallel calls, one after the other, each with a
/// progress token. Counts what arrived on the wire and what reached onprogress.
async function measure(c, name, calls, maxConcurrent) {
  const row = { shape: name, batches, arrived: 0, delivered: 0, unknown_token_errors: 0, batches_with_loss: 0 };
  for (let b = 0; b < batches; b++) {
    const before = c.raw.length;
    const errorsBefore = c.errors.length;
    let delivered = 0;
    const argumentsOf = { calls };
    if (maxConcurrent) argumentsOf.max_concurrent = maxConcurrent;
    const result = await c.client.callTool(
      { name: 'tools_dispatch_parallel', arguments: argumentsOf },
      undefined,
      { onprogress: () => delivered++, timeout: 60000 },
    );
    if (result.structuredContent?.succeeded !== calls.length) throw new Error(`${name}: ${JSON.stringify(result).slice(0, 300)}`);
    // A ping after the response: anything the server sent before it has been dispatched.
    await c.client.ping();
    await new Promise((r) => setImmediate(r));
    const arrived = c.raw.slice(before).filter((m) => m.method === 'notifications/progress').length;
    const unknown = c.errors.slice(errorsBefore).filter((e) => e.includes('unknown token')).length;
    row.arrived += arrived;
    row.delivered += delivered;
    row.unknown_token_errors += unknown;
    if (delivered < arrived || unknown > 0) row.batches_with_loss++;
  }
  return row;
}

/// Cancels a batch run one call at a time: `quick` calls of 0 ms, then calls of 1 s.
/// The cancellation comes once the quick calls' progress arrived, while the first slow
/// call runs: no call can end on its own before the pings below are answered, so every
/// progress notification of the batch arriving after the abort was sent because of the
/// cancellation, after the server had read it.
async function measureCancel(c, n, quick) {
  const row = { shape: `cancel ${n} calls run one at a time, during call ${quick + 1}`, batches, after_cancel: 0 };
  for (let b = 0; b < batches; b++) {
    const controller = new AbortController();
    let progressSeen = 0;
    let reached;
    const reachedPromise = new Promise((r) => (reached = r));
    const calls = [...sleepCalls(quick, 0), ...sleepCalls(n - quick, 1000)];
    const call = c.client.callTool(
      { name: 'tools_dispatch_parallel', arguments: { calls, max_concurrent: 1 } },
      undefined,
      {
        signal: controller.signal,
        timeout: 60000,
        onprogress: () => {
          if (++progressSeen === quick + 1) reached();  // "0 of n" .. "quick of n"
        },
      },
    );
    call.catch(() => {});
    await reachedPromise;
    const abortedAt = c.raw.length;
    controller.abort('measuring');
    // The server reads the cancellation before these pings: three round trips let
    // anything it sent because of the cancellation arrive.
    for (let i = 0; i < 3; i++) await c.client.ping();
    row.after_cancel += c.raw.slice(abortedAt).filter((m) => m.method === 'notifications/progress').length;
  }
  return row;
}

const c = await connect();
const rows = [];
try {
  rows.push(await measure(c, '10 x sleep_ms 0, all at once', sleepCalls(10, 0)));
  rows.push(await measure(c, '20 x sleep_ms 0, max_concurrent 2', sleepCalls(20, 0), 2));
  rows.push(await measure(c, '200 x sleep_ms 0, max_concurrent 8', sleepCalls(200, 0), 8));
  rows.push(await measureCancel(c, 50, 3));
} finally {
  await c.client.close();
  await c.stop();
}

for (const r of rows) console.log(JSON.stringify(r));
if (jsonOut) writeFileSync(jsonOut, JSON.stringify(rows, null, 2));
if (check) {
  const bad = rows.filter((r) =>
    (r.arrived !== undefined && (r.delivered !== r.arrived || r.unknown_token_errors > 0)) ||
    (r.after_cancel !== undefined && r.after_cancel > 0));
  const expected = { '10 x sleep_ms 0, all at once': 10, '20 x sleep_ms 0, max_concurrent 2': 20 };
  for (const r of rows) {
    const per = expected[r.shape];
    if (per !== undefined && r.arrived !== per * batches) bad.push({ ...r, why: `expected ${per * batches} to arrive` });
  }
  if (bad.length) {
    console.log(`FAIL: ${JSON.stringify(bad)}`);
    if (c.stderr()) console.log(c.stderr().slice(-3000));
    process.exit(1);
  }
  console.log('all progress delivered; nothing after a cancellation');
}
process.exit(0);
