#!/usr/bin/env node
// End-to-end test of mcp-htm-server with the official MCP TypeScript SDK client.
//   node e2e.mjs /path/to/mcp-htm-server
// Exit code: 0 passed, 1 failed, 77 skipped (the SDK is not installed: run `npm ci` here).
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';

const here = dirname(fileURLToPath(import.meta.url));
if (!existsSync(join(here, 'node_modules', '@modelcontextprotocol', 'sdk'))) {
  console.log(`SKIP: ${here}/node_modules is missing; run: npm ci --prefix ${here}`);
  process.exit(77);
}
const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
const { StdioClientTransport } = await import('@modelcontextprotocol/sdk/client/stdio.js');
const { LoggingMessageNotificationSchema, ToolListChangedNotificationSchema, McpError } =
  await import('@modelcontextprotocol/sdk/types.js');

const server = process.argv[2];
if (!server) {
  console.error('usage: node e2e.mjs /path/to/mcp-htm-server');
  process.exit(2);
}

let failures = 0;
const servers = [];  // stderr of every server started, shown when a step fails
async function step(name, fn) {
  const t0 = performance.now();
  try {
    await fn();
    console.log(`ok   ${name} (${(performance.now() - t0).toFixed(1)} ms)`);
  } catch (e) {
    failures++;
    console.log(`FAIL ${name}\n     ${e?.stack ?? e}`);
    for (const stderr of servers) {
      const text = stderr();
      if (text) console.log(`     server stderr (last 3000 bytes):\n${text.slice(-3000)}`);
    }
  }
}

/// A client connected to a fresh server. `rewriteVersion` makes the client ask for an
/// older protocol revision (the SDK always asks for its latest).
async function connect(args = [], { rewriteVersion } = {}) {
  const transport = new StdioClientTransport({ command: server, args, stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (d) => (stderr += d));
  servers.push(() => stderr);
  const seen = [];  // every raw message from the server
  if (rewriteVersion) {
    const send = transport.send.bind(transport);
    transport.send = (message, options) => {
      if (message.method === 'initialize') {
        message = { ...message, params: { ...message.params, protocolVersion: rewriteVersion } };
      }
      return send(message, options);
    };
  }
  const client = new Client({ name: 'mcp-htm-e2e', version: '0.1.0' }, { capabilities: {} });
  const errors = [];
  client.onerror = (e) => errors.push(e);
  // Record raw messages (after the client installed its own handler in connect()).
  await client.connect(transport);
  const onmessage = transport.onmessage;
  transport.onmessage = (m, extra) => {
    seen.push(m);
    onmessage?.(m, extra);
  };
  const process_ = transport._process;  // to read the exit code after close()
  return {
    client,
    transport,
    seen,
    errors,
    stderr: () => stderr,
    async close() {
      const exited = process_ && process_.exitCode === null
        ? new Promise((r) => process_.once('exit', (code, signal) => r({ code, signal })))
        : Promise.resolve({ code: process_?.exitCode, signal: null });
      const t0 = performance.now();
      await client.close();
      const status = await exited;
      return { ...status, ms: performance.now() - t0 };
    },
  };
}

const structured = (result) => {
  assert.ok(result.structuredContent, `no structuredContent in ${JSON.stringify(result)}`);
  // The text content carries the same JSON.
  assert.deepEqual(JSON.parse(result.content[0].text), result.structuredContent);
  return result.structuredContent;
};

// ---------------------------------------------------------------------------------------
const c = await connect(['--breaker-threshold', '3', '--breaker-recovery-ms', '60000']);

await step('initialize: latest protocol revision, server info and capabilities', async () => {
  assert.equal(c.client.getServerVersion().name, 'mcp-htm-server');
  const caps = c.client.getServerCapabilities();
  assert.equal(caps.tools.listChanged, true);
  assert.ok(caps.logging);
  assert.equal(c.transport._protocolVersion ?? '2025-11-25', '2025-11-25');
});

await step('ping', async () => {
  assert.deepEqual(await c.client.ping(), {});
});

await step('tools/list: the five meta-tools with precise schemas', async () => {
  const { tools } = await c.client.listTools();
  assert.deepEqual(tools.map((t) => t.name), [
    'tools_list_categories', 'tools_list_tools', 'tools_get_schema', 'tools_dispatch',
    'tools_dispatch_parallel',
  ]);
  for (const t of tools) {
    assert.equal(t.inputSchema.type, 'object');
    assert.equal(t.inputSchema.additionalProperties, false);
  }
  assert.deepEqual(tools.find((t) => t.name === 'tools_dispatch').inputSchema.required, ['category', 'tool']);
});

await step('tools_list_categories', async () => {
  const s = structured(await c.client.callTool({ name: 'tools_list_categories', arguments: { include_count: true } }));
  assert.equal(s.status, 'success');
  const names = s.categories.map((x) => x.name);
  for (const n of ['math', 'text', 'timing', 'faults', 'util', 'stats']) assert.ok(names.includes(n), n);
  assert.equal(s.categories.find((x) => x.name === 'math').tool_count, 5);
});

await step('tools_list_tools', async () => {
  const s = structured(await c.client.callTool({ name: 'tools_list_tools', arguments: { category: 'math' } }));
  assert.deepEqual(s.tools.map((t) => t.name), ['add', 'divide', 'multiply', 'sqrt', 'subtract']);
  const missing = await c.client.callTool({ name: 'tools_list_tools', arguments: { category: 'nope' } });
  assert.equal(missing.isError, true);
  assert.ok(structured(missing).available_categories.includes('math'));
});

await step('tools_get_schema', async () => {
  const s = structured(await c.client.callTool({ name: 'tools_get_schema', arguments: { category: 'math', tool: 'divide' } }));
  assert.deepEqual(s.schema.inputSchema.required, ['a', 'b']);
});

await step('tools_dispatch: math, text (validated), lazily loaded stats', async () => {
  let s = structured(await c.client.callTool({
    name: 'tools_dispatch', arguments: { category: 'math', tool: 'multiply', params: { a: 6, b: 7 } },
  }));
  assert.equal(s.status, 'success');
  assert.equal(s.result.result, 42);
  s = structured(await c.client.callTool({
    name: 'tools_dispatch', arguments: { category: 'text', tool: 'normalize', params: { text: '  Hello   World ', lowercase: true } },
  }));
  assert.equal(s.result.text, 'hello world');
  const unsafe = await c.client.callTool({
    name: 'tools_dispatch', arguments: { category: 'text', tool: 'validate', params: { text: '<script>alert(1)</script>' } },
  });
  assert.equal(unsafe.isError, true);
  assert.equal(structured(unsafe).error_code, 'tool_error');
  assert.match(structured(unsafe).error, /Validation error for parameter 'text'/);
  s = structured(await c.client.callTool({
    name: 'tools_dispatch', arguments: { category: 'stats', tool: 'median', params: { values: [5, 1, 3] } },
  }));
  assert.equal(s.result.result, 3);
});

await step('an erroring tool is an isError result; bad inner params too', async () => {
  let r = await c.client.callTool({
    name: 'tools_dispatch', arguments: { category: 'math', tool: 'divide', params: { a: 1, b: 0 } },
  });
  assert.equal(r.isError, true);
  assert.equal(structured(r).error_code, 'tool_error');
  assert.match(structured(r).error, /division by zero/);
  r = await c.client.callTool({
    name: 'tools_dispatch', arguments: { category: 'math', tool: 'add', params: { a: 'x' } },
  });
  assert.equal(r.isError, true);
  assert.equal(structured(r).error_code, 'invalid_params');
});

await step('the circuit breaker opens after repeated failures', async () => {
  const flaky = (fail) => c.client.callTool({
    name: 'tools_dispatch', arguments: { category: 'faults', tool: 'flaky', params: { fail } },
  });
  for (let i = 0; i < 3; i++) assert.equal(structured(await flaky(true)).error_code, 'tool_error');
  const rejected = await flaky(false);
  assert.equal(rejected.isError, true);
  assert.equal(structured(rejected).error_code, 'circuit_open');
});

await step('meta-tool arguments not matching the schema, or an unknown tool: JSON-RPC -32602', async () => {
  for (const request of [
    { name: 'tools_dispatch', arguments: { category: 'math' } },
    { name: 'tools_list_categories', arguments: { include_count: 'yes' } },
    { name: 'tools_dispatch_parallel', arguments: { calls: [] } },
    { name: 'no_such_tool', arguments: {} },
  ]) {
    await assert.rejects(c.client.callTool(request), (e) => {
      assert.ok(e instanceof McpError, String(e));
      assert.equal(e.code, -32602);
      return true;
    }, JSON.stringify(request));
  }
});

await step('tools_dispatch_parallel with a progress token receives progress', async () => {
  const progress = [];
  const calls = [];
  for (let i = 0; i < 10; i++) calls.push({ category: 'math', tool: 'add', params: { a: i, b: 1 } });
  calls.push({ category: 'timing', tool: 'sleep_ms', params: { ms: 20 } });
  const r = await c.client.callTool(
    { name: 'tools_dispatch_parallel', arguments: { calls, max_concurrent: 4 } },
    undefined,
    { onprogress: (p) => progress.push(p) },
  );
  const s = structured(r);
  assert.equal(s.total, 11);
  assert.equal(s.succeeded, 11);
  assert.deepEqual(s.results.slice(0, 10).map((x) => x.result.result), [...Array(10).keys()].map((i) => i + 1));
  // "0 of 11", then one per completed call but the last (the response says "done"):
  // the ten additions end at once, the sleep 20 ms later.
  assert.equal(progress.length, 11, `progress: ${JSON.stringify(progress)}`);
  assert.deepEqual(progress.map((p) => p.progress), [...Array(11).keys()]);
  assert.ok(progress.every((p) => p.total === 11));
  for (let i = 1; i < progress.length; i++) assert.ok(progress[i].progress > progress[i - 1].progress);
});

await step('a slow call does not delay ping; cancelling it sends no response', async () => {
  const controller = new AbortController();
  const slow = c.client.callTool(
    { name: 'tools_dispatch', arguments: { category: 'timing', tool: 'sleep_ms', params: { ms: 600000 } } },
    undefined,
    { signal: controller.signal, timeout: 700000 },
  );
  const t0 = performance.now();
  await c.client.ping();
  const s = structured(await c.client.callTool({
    name: 'tools_dispatch', arguments: { category: 'math', tool: 'add', params: { a: 1, b: 2 } },
  }));
  assert.equal(s.result.result, 3);
  assert.ok(performance.now() - t0 < 5000);
  const before = c.seen.length;
  controller.abort('changed my mind');
  await assert.rejects(slow);
  await c.client.ping();  // the server keeps serving
  const late = c.seen.slice(before).filter((m) => 'result' in m && m.result?.structuredContent?.tool === 'sleep_ms');
  assert.equal(late.length, 0);
});

await step('logging/setLevel and notifications/message', async () => {
  const messages = [];
  c.client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => messages.push(n.params));
  await c.client.setLoggingLevel('debug');
  await c.client.callTool({ name: 'tools_dispatch', arguments: { category: 'math', tool: 'divide', params: { a: 1, b: 0 } } });
  await c.client.ping();
  assert.ok(messages.some((m) => m.data?.error_code === 'tool_error'), JSON.stringify(messages));
  await c.client.setLoggingLevel('emergency');
  const n = messages.length;
  await c.client.callTool({ name: 'tools_dispatch', arguments: { category: 'math', tool: 'divide', params: { a: 1, b: 0 } } });
  await c.client.ping();
  assert.equal(messages.length, n);
});

await step('notifications/tools/list_changed when a category is registered', async () => {
  const changed = new Promise((resolve) =>
    c.client.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve(true)));
  const s = structured(await c.client.callTool({
    name: 'tools_dispatch', arguments: { category: 'admin', tool: 'register_extras' },
  }));
  assert.equal(s.result.registered, true);
  assert.equal(await Promise.race([changed, new Promise((r) => setTimeout(() => r(false), 5000))]), true);
  const hello = structured(await c.client.callTool({
    name: 'tools_dispatch', arguments: { category: 'extras', tool: 'hello', params: { name: 'e2e' } },
  }));
  assert.equal(hello.result, 'hello, e2e');
});

await step('no unexpected client errors; closing stdin ends the server with exit code 0', async () => {
  assert.deepEqual(c.errors.map(String), []);
  const { code, signal, ms } = await c.close();
  assert.equal(signal, null);
  assert.equal(code, 0);
  // The cancelled 10-minute sleep is not holding the shutdown.
  assert.ok(ms < 1900, `close took ${ms} ms`);
});

// ---------------------------------------------------------------------------------------
await step('an older protocol revision (2024-11-05) is negotiated', async () => {
  const old = await connect([], { rewriteVersion: '2024-11-05' });
  try {
    assert.equal(old.transport._protocolVersion ?? '2024-11-05', '2024-11-05');
    const { tools } = await old.client.listTools();
    assert.equal(tools.length, 5);
    const s = structured(await old.client.callTool({
      name: 'tools_dispatch', arguments: { category: 'util', tool: 'echo', params: { text: 'hi' } },
    }));
    assert.equal(s.result, 'hi');
  } finally {
    assert.equal((await old.close()).code, 0);
  }
});

await step('flat mode: every tool as category.tool with its own schema', async () => {
  const flat = await connect(['--flat']);
  try {
    const { tools } = await flat.client.listTools();
    const names = tools.map((t) => t.name);
    for (const n of ['math.add', 'text.word_count', 'timing.sleep_ms', 'faults.flaky', 'util.noop', 'util.echo', 'stats.mean']) {
      assert.ok(names.includes(n), n);
    }
    assert.deepEqual(tools.find((t) => t.name === 'math.add').inputSchema.required, ['a', 'b']);
    let r = await flat.client.callTool({ name: 'math.add', arguments: { a: 2, b: 3 } });
    assert.equal(r.structuredContent.result, 5);
    r = await flat.client.callTool({ name: 'util.noop', arguments: {} });
    assert.deepEqual(r.content, [{ type: 'text', text: 'ok' }]);
    r = await flat.client.callTool({ name: 'math.divide', arguments: { a: 1, b: 0 } });
    assert.equal(r.isError, true);
    assert.match(r.content[0].text, /division by zero.*\[tool_error\]/);
    await assert.rejects(flat.client.callTool({ name: 'math.nope', arguments: {} }), (e) => e.code === -32602);
  } finally {
    assert.equal((await flat.close()).code, 0);
  }
});

console.log(failures ? `${failures} step(s) failed` : 'all steps passed');
process.exit(failures ? 1 : 0);
