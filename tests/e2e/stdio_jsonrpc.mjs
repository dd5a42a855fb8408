#!/usr/bin/env node
// mcp-htm-server's JSON-RPC edges over stdio, with the official MCP TypeScript SDK client
// (the version pinned in package-lock.json) where what it can read matters, and with raw
// lines elsewhere:
// - a tool call over the line limit fails at once with a readable error (its id is read
//   from the discarded line), instead of hanging until the client's timeout;
// - an error for a line whose id cannot be read reaches the client as an error response;
// - bytes after the JSON value, responses and malformed notifications;
// - JSON-RPC batches under 2025-03-26, refused under 2025-11-25.
//   node stdio_jsonrpc.mjs /path/to/mcp-htm-server
// Exit code: 0 passed, 1 failed, 77 skipped (the SDK is not installed: npm ci here).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
if (!existsSync(join(here, 'node_modules', '@modelcontextprotocol', 'sdk'))) {
  console.log(`SKIP: ${here}/node_modules is missing; run: npm ci --prefix ${here}`);
  process.exit(77);
}
const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
const { StdioClientTransport } = await import('@modelcontextprotocol/sdk/client/stdio.js');
const { McpError } = await import('@modelcontextprotocol/sdk/types.js');

const server = process.argv[2];
if (!server) {
  console.error('usage: node stdio_jsonrpc.mjs /path/to/mcp-htm-server');
  process.exit(2);
}

let failures = 0;
async function step(name, fn) {
  const t0 = performance.now();
  try {
    await fn();
    console.log(`ok   ${name} (${(performance.now() - t0).toFixed(1)} ms)`);
  } catch (e) {
    failures++;
    console.log(`FAIL ${name}\n     ${e?.stack ?? e}`);
  }
}

async function connect(args = []) {
  const transport = new StdioClientTransport({ command: server, args: ['--log-level', 'error', ...args], stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (d) => (stderr += d));
  const client = new Client({ name: 'mcp-htm-jsonrpc-e2e', version: '0.1.0' }, { capabilities: {} });
  const errors = [];
  client.onerror = (e) => errors.push(String(e?.message ?? e));
  await client.connect(transport);
  return { client, transport, errors, stderr: () => stderr };
}

/// Runs the server on raw lines: writes `lines` one at a time, each after the answers the
/// previous one expects (`expect[i]` messages) have arrived; then ends stdin.
function rawSession(args, steps) {
  return new Promise((resolve, reject) => {
    const child = spawn(server, ['--log-level', 'error', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    const answers = steps.map(() => []);
    let current = 0;
    let buffer = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const advance = () => {
      while (current < steps.length && answers[current].length >= steps[current].expect) {
        current++;
        if (current < steps.length) child.stdin.write(steps[current].line);
        else child.stdin.end();
      }
    };
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d) => {
      buffer += d;
      for (let nl; (nl = buffer.indexOf('\n')) >= 0; buffer = buffer.slice(nl + 1)) {
        answers[Math.min(current, steps.length - 1)].push(JSON.parse(buffer.slice(0, nl)));
      }
      advance();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ answers, code, stderr }));
    child.stdin.write(steps[0].line);
    advance();
  });
}

const line = (o) => JSON.stringify(o) + '\n';
const initialize = (id, protocolVersion) =>
  line({ jsonrpc: '2.0', id, method: 'initialize', params: { protocolVersion, capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });

await step('SDK client: a 5 MiB tool call fails at once with a readable error, and serving goes on', async () => {
  const c = await connect();
  try {
    const t0 = performance.now();
    await assert.rejects(
      c.client.callTool(
        { name: 'tools_dispatch', arguments: { category: 'util', tool: 'echo', params: { text: 'a'.repeat(5 * 1024 * 1024) } } },
        undefined,
        { timeout: 15000 },
      ),
      (e) => {
        assert.ok(e instanceof McpError, String(e));
        assert.equal(e.code, -32600, String(e));
        assert.match(e.message, /exceeds the limit of 4194304 bytes/);
        assert.equal(e.data?.reason, 'line_too_long');
        return true;
      },
    );
    const ms = performance.now() - t0;
    assert.ok(ms < 10000, `the refusal took ${ms} ms`);
    assert.deepEqual(await c.client.ping(), {});
    assert.deepEqual(c.errors, []);
  } finally {
    await c.client.close();
  }
});

await step('SDK client: an error for a line without a readable id is an error response it reads', async () => {
  const c = await connect();
  try {
    const stdin = c.transport._process.stdin;
    stdin.write('{"jsonrpc":"2.0","id":1,"method":"ping"\n');  // not JSON
    assert.deepEqual(await c.client.ping(), {});  // answered after the parse error
    // The SDK took the error for a response (to no request of its own), not for a message
    // that fails its schema: what it reports names the error.
    assert.equal(c.errors.length, 1, JSON.stringify(c.errors));
    assert.match(c.errors[0], /response for an unknown message ID/);
    assert.match(c.errors[0], /-32700/);
    assert.match(c.errors[0], /Parse error: the message is not valid JSON/);
  } finally {
    await c.client.close();
  }
});

await step('raw: bytes after the JSON value, responses and malformed notifications', async () => {
  const ping = (id) => line({ jsonrpc: '2.0', id, method: 'ping' });
  const { answers, code } = await rawSession([], [
    { line: initialize(1, '2025-11-25'), expect: 1 },
    { line: '{"jsonrpc":"2.0","id":2,"method":"ping"}\u0000{"x":1}\n', expect: 1 },
    // A client's report that it could not parse a line of ours, then a malformed
    // notification: neither is answered, so the ping after them is the next answer.
    { line: '{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}\n', expect: 0 },
    { line: '{"jsonrpc":"1.0","method":"notifications/initialized"}\n', expect: 0 },
    { line: ping(3), expect: 1 },
  ]);
  assert.equal(code, 0);
  assert.equal(answers[0][0].result.protocolVersion, '2025-11-25');
  const nul = answers[1][0];
  assert.equal(nul.error.code, -32700);
  assert.equal(nul.error.data.reason, 'nul_byte');
  assert.ok(!('id' in nul), JSON.stringify(nul));  // 2025-11-25: an error may omit its id
  assert.deepEqual(answers[4], [{ jsonrpc: '2.0', id: 3, result: {} }]);
});

await step('raw: a batch under 2025-03-26 is answered with one array; under 2025-11-25 refused', async () => {
  const batch = '[' + [
    JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' }),
    JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
    JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'tools_dispatch', arguments: { category: 'timing', tool: 'sleep_ms', params: { ms: 30 } } } }),
    JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'no/such/method' }),
  ].join(',') + ']\n';
  let { answers, code } = await rawSession([], [
    { line: initialize(1, '2025-03-26'), expect: 1 },
    { line: batch, expect: 1 },
    { line: '[]\n', expect: 1 },
  ]);
  assert.equal(code, 0);
  const array = answers[1][0];
  assert.ok(Array.isArray(array), JSON.stringify(array));
  assert.deepEqual(array.map((m) => m.id), [2, 3, 4]);
  assert.equal(array[1].result.structuredContent.result.slept_ms, 30);
  assert.equal(array[2].error.code, -32601);
  assert.equal(answers[2][0].error.code, -32600);
  assert.equal(answers[2][0].id, null);  // 2025-03-26's schema has no error without an id
  ({ answers, code } = await rawSession([], [
    { line: initialize(1, '2025-11-25'), expect: 1 },
    { line: batch, expect: 1 },
  ]));
  assert.equal(code, 0);
  assert.equal(answers[1][0].error.code, -32600);
  assert.match(answers[1][0].error.message, /batches are not part of MCP 2025-11-25/);
});

console.log(failures ? `${failures} step(s) failed` : 'all steps passed');
process.exit(failures ? 1 : 0);
