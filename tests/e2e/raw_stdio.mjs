#!/usr/bin/env node
// Drives the real mcp-htm-server binary with raw bad-input lines over stdio (no SDK, no
// dependencies) and checks every answer, that serving goes on, and the graceful end:
// calls in flight at end of input (or at SIGTERM) are answered, and the exit code is 0.
//   node raw_stdio.mjs /path/to/mcp-htm-server
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';

const server = process.argv[2];
if (!server) {
  console.error('usage: node raw_stdio.mjs /path/to/mcp-htm-server');
  process.exit(2);
}

/// Runs the server with `args`, writes `chunks` (Buffers/strings) to its stdin, then
/// either ends stdin or sends `signal` once `signalAfter(messages)` is true. Resolves
/// with the parsed stdout lines and the exit status.
function run(args, chunks, { signal, signalAfter } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(server, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const messages = [];
    let buffer = '';
    let stderr = '';
    let signalled = false;
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d) => {
      buffer += d;
      for (let nl; (nl = buffer.indexOf('\n')) >= 0; buffer = buffer.slice(nl + 1)) {
        messages.push(JSON.parse(buffer.slice(0, nl)));  // every line is one JSON message
      }
      if (signal && !signalled && signalAfter(messages)) {
        signalled = true;
        child.kill(signal);
      }
    });
    child.on('error', reject);
    child.on('close', (code, sig) => resolve({ messages, code, signal: sig, rest: buffer, stderr }));
    for (const c of chunks) child.stdin.write(c);
    if (!signal) child.stdin.end();
  });
}

const line = (o) => JSON.stringify(o) + '\n';
let failures = 0;
async function step(name, fn) {
  try {
    await fn();
    console.log(`ok   ${name}`);
  } catch (e) {
    failures++;
    console.log(`FAIL ${name}\n     ${e?.stack ?? e}`);
  }
}

await step('every bad input gets its error; serving goes on; end of input finishes calls in flight; exit 0', async () => {
  const chunks = [
    line({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }),
    line({ jsonrpc: '2.0', method: 'notifications/initialized' }),
    line({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'tools_dispatch', arguments: { category: 'timing', tool: 'sleep_ms', params: { ms: 300 } } } }),
    '{"jsonrpc":"2.0","id":3,"method":"ping"\n',                          // malformed JSON
    Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d, 0x0a]),                // invalid UTF-8
    'x'.repeat(5000) + '\n',                                               // over the 1024-byte limit
    '[{"jsonrpc":"2.0","id":4,"method":"ping"}]\n',                        // a batch: 2024-11-05 has them
    '42\n',                                                                // not an object
    line({ jsonrpc: '2.0', id: 5, method: 'no/such/method' }),             // unknown method
    line({ jsonrpc: '2.0', id: 6, method: 'tools/call', params: { name: 'tools_dispatch', arguments: {} } }),  // bad meta-tool args
    line({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'nope', arguments: {} } }),            // unknown tool
    line({ jsonrpc: '2.0', id: 8, method: 'logging/setLevel', params: { level: 'loud' } }),                    // bad params
    line({ jsonrpc: '1.0', id: 9, method: 'ping' }),                       // wrong jsonrpc
    line({ jsonrpc: '2.0', id: 10 }),                                      // no method
    '\n',                                                                  // blank: ignored
    line({ jsonrpc: '2.0', id: 11, method: 'ping' }),
    '{"jsonrpc":"2.0","id":12,"method":"ping"}',                           // no final newline
  ];
  const { messages, code, signal, rest } = await run(['--max-line-bytes', '1024', '--log-level', 'error'], chunks);
  assert.equal(rest, '', 'output ends with a newline');
  assert.equal(signal, null);
  assert.equal(code, 0);
  const byId = new Map(messages.filter((m) => m.id !== undefined && m.id !== null).map((m) => [m.id, m]));
  assert.equal(byId.get(1).result.protocolVersion, '2024-11-05');
  assert.equal(byId.get(2).result.structuredContent.result.slept_ms, 300);
  // 2024-11-05's schema has no error without an id: JSON-RPC 2.0's null.
  const anonymous = messages.filter((m) => m.id === null).map((m) => [m.error.code, m.error.data?.reason]);
  assert.deepEqual(anonymous, [
    [-32700, 'invalid_json'], [-32700, 'invalid_utf8'], [-32600, 'line_too_long'], [-32600, undefined],
  ]);
  assert.deepEqual(messages.filter(Array.isArray), [[{ jsonrpc: '2.0', id: 4, result: {} }]]);
  assert.equal(byId.get(5).error.code, -32601);
  assert.equal(byId.get(6).error.code, -32602);
  assert.equal(byId.get(7).error.code, -32602);
  assert.equal(byId.get(8).error.code, -32602);
  assert.equal(byId.get(9).error.code, -32600);
  assert.equal(byId.get(10).error.code, -32600);
  assert.deepEqual(byId.get(11).result, {});
  assert.deepEqual(byId.get(12).result, {});
  // The slow call is answered last, after everything that came after it.
  assert.equal(messages.at(-1).id, 2);
});

await step('SIGTERM finishes the calls in flight, then exits 0', async () => {
  const chunks = [
    line({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }),
    line({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'tools_dispatch', arguments: { category: 'timing', tool: 'sleep_ms', params: { ms: 300 } } } }),
    line({ jsonrpc: '2.0', id: 3, method: 'ping' }),
  ];
  const { messages, code, signal } = await run(['--log-level', 'error'], chunks, {
    signal: 'SIGTERM',
    signalAfter: (m) => m.some((x) => x.id === 3),
  });
  assert.equal(signal, null);
  assert.equal(code, 0);
  assert.equal(messages.at(-1).id, 2);
  assert.equal(messages.at(-1).result.structuredContent.status, 'success');
});

await step('a huge line over the default 4 MiB limit is discarded without being buffered', async () => {
  const big = Buffer.alloc(5 * 1024 * 1024, 'a');
  const { messages, code } = await run(['--log-level', 'error'], [big, '\n', line({ jsonrpc: '2.0', id: 1, method: 'ping' })]);
  assert.equal(code, 0);
  assert.equal(messages[0].error.code, -32600);
  assert.equal(messages[0].error.data.line_bytes, 5 * 1024 * 1024);
  assert.deepEqual(messages[1], { jsonrpc: '2.0', id: 1, result: {} });
});

console.log(failures ? `${failures} step(s) failed` : 'all steps passed');
process.exit(failures ? 1 : 0);
