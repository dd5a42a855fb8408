#!/usr/bin/env node
// tests/gateway/e2e_http.mjs -- mcp-htm-gateway with HTTP upstreams (`url` + `headers`),
// end to end: the official MCP TypeScript SDK client in front (stdio); behind it two real
// Streamable HTTP servers, `mcp-htm-server --http --conformance` and the reference
// server-everything in its streamableHttp mode (the SDK's own server transport). List,
// call, progress, cancellation (reaching the upstream), and each upstream restarted on
// the same port: the gateway's session is gone (404 from mcp-htm-server, 400 "No valid
// session ID" from server-everything, as the SDK's examples answer), and the gateway
// must initialize a new one instead of failing every later call.
//   node e2e_http.mjs --gateway BUILD/examples/mcp-htm-gateway --server BUILD/examples/mcp-htm-server
// Exit code: 0 passed, 1 failed, 77 skipped (run `npm ci` here first).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import {
  dispatch, options, packages, skipUnlessInstalled, startGateway, Steps, structured, tempDir, text,
  upstreamResult, waitFor,
} from './harness.mjs';

skipUnlessInstalled();
const opt = options();
if (!opt.gateway || !opt.server) {
  console.error('usage: node e2e_http.mjs --gateway GATEWAY --server MCP_HTM_SERVER');
  process.exit(2);
}
const steps = new Steps();
const dir = tempDir('mcp-htm-gw-http-');

// ---- the HTTP servers -------------------------------------------------------------------
const running = new Set();
process.on('exit', () => { for (const c of running) c.kill('SIGKILL'); });

/// A port free right now (the servers are restarted on the same one).
async function freePort() {
  const probe = createServer();
  await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/// Spawns `command args` and resolves once a stderr line matches `ready`.
function startHttpServer(name, command, args, env, ready) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  running.add(child);
  const s = { name, child, stderr: '', stdout: '' };
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d) => { s.stdout += d; });
  s.exit = new Promise((resolve) => child.on('exit', (code, signal) => {
    running.delete(child);
    resolve({ code, signal });
  }));
  steps.logs.push(() => `${name}: ${s.stderr.slice(-1500)}`);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name}: not listening within 15 s:\n${s.stderr}`)), 15000);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d) => {
      s.stderr += d;
      if (ready.test(s.stderr)) {
        clearTimeout(timer);
        resolve(s);
      }
    });
    s.exit.then((status) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${JSON.stringify(status)}) before listening:\n${s.stderr}`));
    });
  });
}

const htmPort = await freePort();
const everythingPort = await freePort();
const startHtm = () => startHttpServer('mcp-htm-server', opt.server,
  ['--http', `127.0.0.1:${htmPort}`, '--conformance'], {}, /listening on http:/);
const startEverything = () => startHttpServer('server-everything', process.execPath,
  [join(packages, 'server-everything/dist/index.js'), 'streamableHttp'], { PORT: String(everythingPort) },
  /listening on port/);
const servers = { htm: await startHtm(), everything: await startEverything() };
async function restart(name) {
  const s = servers[name];
  s.child.kill('SIGKILL');
  await s.exit;
  servers[name] = name === 'htm' ? await startHtm() : await startEverything();
}

const config = {
  mcpServers: {
    everything: { url: `http://127.0.0.1:${everythingPort}/mcp`, headers: { 'X-Test-Header': 'gateway' } },
    htm: { url: `http://127.0.0.1:${htmPort}/mcp` },
  },
};
const gw = await startGateway(opt.gateway, config, { dir, steps, args: opt.verbose ? ['--log-level', 'debug'] : [] });
const c = gw.client;
const call = async (name, args) => structured(await c.callTool({ name, arguments: args }));

await steps.step('tools_list_tools over HTTP: each server\'s tools as it lists them', async () => {
  const everything = await call('tools_list_tools', { category: 'everything' });
  assert.equal(everything.status, 'success', JSON.stringify(everything));
  const names = everything.tools.map((t) => t.name);
  for (const tool of ['echo', 'get-sum', 'trigger-long-running-operation']) {
    assert.ok(names.includes(tool), `everything lacks ${tool}: ${names}`);
  }
  const htm = await call('tools_list_tools', { category: 'htm' });
  assert.equal(htm.status, 'success', JSON.stringify(htm));
  const htmNames = htm.tools.map((t) => t.name);
  for (const tool of ['math.add', 'timing.wait_for_cancel', 'test_tool_with_progress']) {
    assert.ok(htmNames.includes(tool), `htm lacks ${tool}: ${htmNames}`);
  }
  const schema = await call('tools_get_schema', { category: 'htm', tool: 'math.add' });
  assert.equal(schema.status, 'success', JSON.stringify(schema));
  assert.deepEqual(schema.schema.inputSchema.required, ['a', 'b']);
});

await steps.step('calls over HTTP: everything.echo, everything.get-sum, htm.math.add', async () => {
  assert.equal(text(upstreamResult(await dispatch(c, 'everything', 'echo', { message: 'over http' }))),
    'Echo: over http');
  const sum = upstreamResult(await dispatch(c, 'everything', 'get-sum', { a: 2, b: 40 }));
  assert.match(text(sum), /42/);
  const add = upstreamResult(await dispatch(c, 'htm', 'math.add', { a: 2, b: 3 }));
  assert.equal(add.structuredContent.result, 5);
});

await steps.step('progress over HTTP (the upstream\'s event stream) reaches the SDK client', async () => {
  const seen = [];
  const answer = await dispatch(c, 'everything', 'trigger-long-running-operation',
    { duration: 1, steps: 4 }, { onprogress: (p) => seen.push(p) });
  assert.equal(answer.status, 'success', JSON.stringify(answer));
  assert.deepEqual(seen.map((p) => p.progress), [1, 2, 3, 4], JSON.stringify(seen));
  const htmSeen = [];
  const htm = await dispatch(c, 'htm', 'test_tool_with_progress', {},
    { onprogress: (p) => htmSeen.push(p) });
  assert.equal(htm.status, 'success', JSON.stringify(htm));
  assert.deepEqual(htmSeen.map((p) => p.progress), [0, 50, 100], JSON.stringify(htmSeen));
});

await steps.step('cancellation over HTTP: the aborted call ends at once and reaches the upstream', async () => {
  const counts = async () => structured(upstreamResult(await dispatch(c, 'htm', 'timing.cancellations')));
  const before = await counts();
  const controller = new AbortController();
  const pending = dispatch(c, 'htm', 'timing.wait_for_cancel', { ms: 60000 }, { signal: controller.signal });
  await waitFor('wait_for_cancel to run upstream', async () => (await counts()).waiting >= 1);
  const abortedAt = performance.now();
  controller.abort();
  await assert.rejects(pending, /abort/i);
  assert.ok(performance.now() - abortedAt < 1000, 'the abort took a second');
  await waitFor('the upstream to see the cancellation', async () =>
    (await counts()).cancelled === before.cancelled + 1, { timeoutMs: 5000 });
  // server-everything: aborted during its progress, then it keeps serving.
  const everythingAbort = new AbortController();
  let progressed = false;
  const long = dispatch(c, 'everything', 'trigger-long-running-operation', { duration: 30, steps: 30 }, {
    signal: everythingAbort.signal,
    onprogress: () => {
      if (!progressed) {
        progressed = true;
        everythingAbort.abort();
      }
    },
  });
  await assert.rejects(long, /abort/i);
  assert.equal(text(upstreamResult(await dispatch(c, 'everything', 'echo', { message: 'after' }))),
    'Echo: after');
});

for (const name of ['htm', 'everything']) {
  await steps.step(`${name} restarted: its session is gone, the gateway initializes a new one`, async () => {
    await restart(name);
    const tool = name === 'htm' ? ['math.add', { a: 20, b: 22 }] : ['get-sum', { a: 20, b: 22 }];
    // The call that finds the session gone is retried once on a new session: the client
    // sees no failure (the old session never ran it).
    const answer = await dispatch(c, name, ...tool);
    assert.equal(answer.status, 'success', `${JSON.stringify(answer)}\n${gw.stderr().slice(-1500)}`);
    assert.match(JSON.stringify(answer.result), /42/);
    const again = await dispatch(c, name, ...tool);
    assert.equal(again.status, 'success', JSON.stringify(again));
  });
}

await steps.step('the client closes: the gateway exits by itself, ending its HTTP sessions', async () => {
  const status = await gw.close();
  assert.equal(status.killed, false, JSON.stringify(status));
  assert.equal(status.code, 0, JSON.stringify(status));
  if (opt.verbose) console.log(gw.stderr().slice(-5000));
  assert.ok(status.ms < 5000, `the gateway took ${status.ms} ms to exit`);
  // Both servers log each session a DELETE ends (server-everything on its stdout).
  await waitFor('server-everything to see the DELETE', () =>
    /Received session termination request/.test(servers.everything.stdout), { timeoutMs: 5000 });
  await waitFor('mcp-htm-server to see the DELETE', () =>
    /ended: deleted by the client/.test(servers.htm.stderr), { timeoutMs: 5000 });
});

for (const s of Object.values(servers)) s.child.kill('SIGTERM');
await Promise.all(Object.values(servers).map((s) => s.exit));
steps.finish();
