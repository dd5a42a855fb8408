#!/usr/bin/env node
// tests/gateway/e2e_sdk.mjs -- mcp-htm-gateway end to end: the official MCP TypeScript SDK
// client in front; behind it the reference npm servers (everything, filesystem, memory,
// and memory once more as a user pastes it, through npx), mcp-htm-server --flat and, when
// given, the fault server.
//   node e2e_sdk.mjs --gateway BUILD/examples/mcp-htm-gateway \
//        --server BUILD/examples/mcp-htm-server [--fault BUILD/tests/gateway_fault_server]
// Exit code: 0 passed, 1 failed, 77 skipped (run `npm ci` here first). Offline: npx finds
// the package in this folder's node_modules (npm_config_offline is set).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  brief, children, dispatch, gatewayBug, here, makeMarker, marked, options, packages,
  skipUnlessInstalled, startGateway, Steps, structured, tempDir, text, upstreamResult, waitFor,
} from './harness.mjs';

skipUnlessInstalled();
const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
const { StdioClientTransport } = await import('@modelcontextprotocol/sdk/client/stdio.js');

const opt = options();
if (!opt.gateway || !opt.server) {
  console.error('usage: node e2e_sdk.mjs --gateway GATEWAY --server MCP_HTM_SERVER [--fault FAULT_SERVER]');
  process.exit(2);
}
const steps = new Steps();
const dir = tempDir('mcp-htm-gw-e2e-');
const files = join(dir, 'files');  // the filesystem server's only allowed directory
await import('node:fs').then((fs) => fs.mkdirSync(files));

// ---- the servers, as entries of an mcpServers config ----------------------------------
const node = process.execPath;
const servers = {
  everything: { command: node, args: [join(packages, 'server-everything/dist/index.js'), 'stdio'] },
  fs: {
    command: node,
    args: [join(packages, 'server-filesystem/dist/index.js'), files],
    description: 'Files of the test directory',
  },
  memory: {
    command: node,
    args: [join(packages, 'server-memory/dist/index.js')],
    env: { MEMORY_FILE_PATH: join(dir, 'memory.jsonl') },
  },
  // Pasted from a Claude Desktop config: resolved by npx from this folder.
  memory_npx: {
    command: 'npx',
    args: ['@modelcontextprotocol/server-memory'],
    cwd: here,
    env: { MEMORY_FILE_PATH: join(dir, 'memory-npx.jsonl') },
  },
  demo: { command: opt.server, args: ['--flat'] },
};
if (opt.fault) servers.fault = { command: opt.fault };
const names = Object.keys(servers).sort();
const { marker, mark } = makeMarker();
const config = { mcpServers: Object.fromEntries(names.map((n) => [n, mark(servers[n])])) };

// ---- what each server says about itself, asked directly --------------------------------
/// The raw tools/list result of one server, through a direct SDK connection.
async function directTools(entry) {
  const transport = new StdioClientTransport({
    command: entry.command, args: entry.args, cwd: entry.cwd, stderr: 'pipe',
    env: { ...process.env, ...(entry.env ?? {}), npm_config_offline: 'true' },
  });
  const client = new Client({ name: 'direct', version: '0.1.0' }, { capabilities: {} });
  await client.connect(transport);
  const raw = [];
  const onmessage = transport.onmessage;
  transport.onmessage = (m, extra) => {
    raw.push(m);
    onmessage?.(m, extra);
  };
  const { tools } = await client.listTools();
  await client.close();
  const answer = raw.find((m) => m.result?.tools);
  assert.ok(answer, 'no raw tools/list answer recorded');
  assert.equal(answer.result.tools.length, tools.length);
  return answer.result.tools;
}
const direct = {};
for (const name of names) {
  // The two memory servers are the same package: ask once.
  if (name === 'memory_npx') continue;
  direct[name] = await directTools({ ...servers[name], env: { ...(servers[name].env ?? {}), MEMORY_FILE_PATH: join(dir, 'direct.jsonl') } });
}
direct.memory_npx = direct.memory;

const call = async (client, name, args, requestOptions) =>
  structured(await client.callTool({ name, arguments: args }, undefined, requestOptions));
const upstreamNames = () => new Set(marked(marker).map((p) => p.cmd));

// ---- hierarchical mode ------------------------------------------------------------------
const gw = await startGateway(opt.gateway, config, { dir, steps });
const c = gw.client;

await steps.step('tools/list: the five meta-tools; no upstream started', async () => {
  const { tools } = await c.listTools();
  assert.deepEqual(tools.map((t) => t.name), [
    'tools_list_categories', 'tools_list_tools', 'tools_get_schema', 'tools_dispatch',
    'tools_dispatch_parallel',
  ]);
  assert.deepEqual(brief(marked(marker)), [], 'an upstream process exists before any use');
  assert.deepEqual(brief(children(gw.pid)), [], 'the gateway has children before any use');
});

await steps.step('tools_list_categories: one per server, none loaded, still none started', async () => {
  const answer = await call(c, 'tools_list_categories', {});
  assert.equal(answer.status, 'success');
  assert.deepEqual(answer.categories.map((x) => x.name), names);
  for (const category of answer.categories) {
    assert.equal(category.loaded, false, `${category.name} is loaded before use`);
  }
  assert.equal(answer.categories.find((x) => x.name === 'fs').description,
    'Files of the test directory');
  assert.deepEqual(brief(marked(marker)), [], 'listing categories started an upstream');
});

await steps.step('tools_list_tools starts that server only; its tools as it lists them', async () => {
  const answer = await call(c, 'tools_list_tools', { category: 'everything' });
  assert.equal(answer.status, 'success', JSON.stringify(answer));
  assert.deepEqual(answer.tools.map((t) => t.name).sort(),
    direct.everything.map((t) => t.name).sort());
  const running = marked(marker);
  assert.equal(running.length, 1, `expected one upstream process: ${brief(running)}`);
  assert.match(running[0].cmd, /server-everything/);
  assert.equal(running[0].ppid, gw.pid, 'the upstream is not a child of the gateway');
  const categories = await call(c, 'tools_list_categories', {});
  assert.deepEqual(categories.categories.filter((x) => x.loaded).map((x) => x.name),
    ['everything']);
});

await steps.step('tools_get_schema: every tool as its server gives it (description, inputSchema, outputSchema)', async () => {
  let compared = 0;
  for (const name of names) {
    for (const tool of direct[name]) {
      const answer = await call(c, 'tools_get_schema', { category: name, tool: tool.name });
      assert.equal(answer.status, 'success', `${name}.${tool.name}: ${JSON.stringify(answer)}`);
      const schema = answer.schema;
      assert.equal(schema.name, tool.name);
      assert.equal(schema.description ?? '', tool.description ?? '', `${name}.${tool.name}`);
      assert.deepEqual(schema.inputSchema, tool.inputSchema, `${name}.${tool.name}: inputSchema`);
      assert.deepEqual(schema.outputSchema, tool.outputSchema, `${name}.${tool.name}: outputSchema`);
      compared++;
    }
  }
  assert.ok(compared >= 36 + 9 + 5, `only ${compared} schemas compared`);
});

await steps.step('everything: echo', async () => {
  const result = upstreamResult(await dispatch(c, 'everything', 'echo', { message: 'through the gateway' }));
  assert.equal(text(result), 'Echo: through the gateway');
});

await steps.step('filesystem: write_file, then read_text_file, in a temp dir', async () => {
  const path = join(files, 'note.txt');
  const written = upstreamResult(await dispatch(c, 'fs', 'write_file', { path, content: 'line 1\nline 2\n' }));
  assert.ok(!written.isError, JSON.stringify(written));
  assert.equal(readFileSync(path, 'utf8'), 'line 1\nline 2\n');
  const read = upstreamResult(await dispatch(c, 'fs', 'read_text_file', { path }));
  assert.equal(text(read), 'line 1\nline 2\n');
  assert.deepEqual(read.structuredContent, { content: 'line 1\nline 2\n' });
  // Outside the allowed directory: the server's own refusal, as an isError result.
  const refused = upstreamResult(await dispatch(c, 'fs', 'read_text_file', { path: '/etc/hostname' }));
  assert.equal(refused.isError, true, JSON.stringify(refused));
});

for (const server of ['memory', 'memory_npx']) {
  await steps.step(`${server}: create_entities, then read_graph`, async () => {
    const entities = [{ name: `gateway-${server}`, entityType: 'test', observations: ['made through mcp-htm-gateway'] }];
    const created = upstreamResult(await dispatch(c, server, 'create_entities', { entities }));
    assert.ok(!created.isError, JSON.stringify(created));
    const graph = upstreamResult(await dispatch(c, server, 'read_graph', {}));
    assert.deepEqual(graph.structuredContent.entities.map((e) => e.name), [`gateway-${server}`]);
    assert.ok(existsSync(servers[server].env.MEMORY_FILE_PATH), 'the memory file was not written');
  });
}

await steps.step('memory_npx runs as npx -> node server-memory, all under the gateway', async () => {
  const tree = marked(marker).filter((p) => /npm|npx|server-memory|mcp-server-memory|sh /.test(p.cmd));
  assert.ok(tree.some((p) => /npm exec|npx/.test(p.cmd)), `no npx process: ${brief(tree)}`);
  // npx's grandchild: the server itself, started by npx (directly or through sh).
  const npxServers = tree.filter((p) => /mcp-server-memory/.test(p.cmd) && !/npm exec|npx/.test(p.cmd));
  assert.ok(npxServers.length >= 1, `npx's server process not found: ${brief(tree)}`);
});

await steps.step('demo (mcp-htm-server --flat): math.add and util.echo', async () => {
  const sum = upstreamResult(await dispatch(c, 'demo', 'math.add', { a: 2, b: 3 }));
  assert.equal(sum.structuredContent.result, 5);
  const echo = upstreamResult(await dispatch(c, 'demo', 'util.echo', { text: 'hi' }));
  assert.ok(JSON.stringify(echo).includes('hi'), JSON.stringify(echo));
});

await steps.step('progress forwarded: trigger-long-running-operation through tools_dispatch', async () => {
  const seen = [];
  const answer = await dispatch(c, 'everything', 'trigger-long-running-operation',
    { duration: 1, steps: 4 }, { onprogress: (p) => seen.push(p) });
  assert.equal(answer.status, 'success', JSON.stringify(answer));
  assert.deepEqual(seen.map((p) => p.progress), [1, 2, 3, 4], JSON.stringify(seen));
  assert.ok(seen.every((p) => p.total === 4), JSON.stringify(seen));
});

await steps.step('cancellation forwarded: an aborted long call ends at once; the gateway keeps serving', async () => {
  const controller = new AbortController();
  let abortedAt = 0;
  const pending = dispatch(c, 'everything', 'trigger-long-running-operation', { duration: 30, steps: 30 }, {
    signal: controller.signal,
    onprogress: () => {
      if (!abortedAt) {
        abortedAt = performance.now();
        controller.abort();
      }
    },
  });
  await assert.rejects(pending, /abort/i);
  assert.ok(abortedAt > 0, 'no progress came before the abort');
  assert.ok(performance.now() - abortedAt < 1000, 'the abort took a second');
  const echo = upstreamResult(await dispatch(c, 'everything', 'echo', { message: 'after' }));
  assert.equal(text(echo), 'Echo: after');
});

if (opt.fault) {
  await steps.step('cancellation reaches the upstream (fault.hang aborted: fault.cancellations counts it)', async () => {
    const before = Number(text(upstreamResult(await dispatch(c, 'fault', 'fault.cancellations'))));
    const controller = new AbortController();
    const pending = dispatch(c, 'fault', 'fault.hang', {}, { signal: controller.signal });
    // The call is running upstream once fault.max_in_flight counts it.
    await waitFor('fault.hang to run upstream', async () =>
      Number(text(upstreamResult(await dispatch(c, 'fault', 'fault.max_in_flight')))) >= 1);
    controller.abort();
    await assert.rejects(pending, /abort/i);
    await waitFor('the upstream to see the cancellation', async () =>
      Number(text(upstreamResult(await dispatch(c, 'fault', 'fault.cancellations')))) === before + 1,
    { timeoutMs: 5000 });
  });

  await steps.step('list_changed followed: fault.grow, then tools_list_tools shows extra.added', async () => {
    const grown = upstreamResult(await dispatch(c, 'fault', 'fault.grow'));
    assert.equal(text(grown), 'grown');
    let names = [];
    try {
      await waitFor('extra.added in tools_list_tools(fault)', async () => {
        names = (await call(c, 'tools_list_tools', { category: 'fault' })).tools.map((t) => t.name);
        return names.includes('extra.added');
      }, { timeoutMs: 5000 });
    } catch (e) {
      gatewayBug('list_changed', 'after an upstream\'s notifications/tools/list_changed with a really ' +
        'changed list, its category must be reloaded (c240f56 and 37abca5 re-read the list but never ' +
        'reloaded: no reload callback was set; fixed by be20610)',
      () => assert.fail(`${e.message}; log: ${gw.stderr().match(/.*tool list changed.*/g)}`));
    }
    const added = upstreamResult(await dispatch(c, 'fault', 'extra.added'));
    assert.equal(text(added), 'added');
    assert.ok(gw.notifications.some((n) => n.method === 'notifications/tools/list_changed'),
      'the client was not told the catalogue changed');
  });
}

// ---- flat mode ------------------------------------------------------------------------
const flat = await startGateway(opt.gateway, config, { dir, steps, args: ['--flat'] });

await steps.step('--flat: tools/list is every upstream tool as server.tool', async () => {
  const { tools } = await flat.client.listTools();
  const expected = names.flatMap((n) => direct[n].map((t) => `${n}.${t.name}`)).sort();
  assert.deepEqual(tools.map((t) => t.name).sort(), expected);
  const byName = new Map(tools.map((t) => [t.name, t]));
  for (const n of names) {
    for (const tool of direct[n]) {
      const mine = byName.get(`${n}.${tool.name}`);
      assert.deepEqual(mine.inputSchema, tool.inputSchema, `${n}.${tool.name}`);
      assert.equal(mine.description ?? '', tool.description ?? '');
    }
  }
});

await steps.step('--flat: calls answer with the upstream result as it is', async () => {
  const echo = await flat.client.callTool({ name: 'everything.echo', arguments: { message: 'flat' } });
  assert.equal(text(echo), 'Echo: flat');
  const sum = await flat.client.callTool({ name: 'demo.math.add', arguments: { a: 1, b: 2 } });
  assert.equal(sum.structuredContent.result, 3);
  const read = await flat.client.callTool({ name: 'fs.read_text_file', arguments: { path: join(files, 'note.txt') } });
  assert.deepEqual(read.structuredContent, { content: 'line 1\nline 2\n' });
});

await steps.step('--flat: title and annotations of upstream tools are passed through', async () => {
  const { tools } = await flat.client.listTools();
  const byName = new Map(tools.map((t) => [t.name, t]));
  const lost = [];
  for (const n of names) {
    for (const tool of direct[n]) {
      const mine = byName.get(`${n}.${tool.name}`);
      if (tool.title !== undefined && mine?.title !== tool.title) lost.push(`${n}.${tool.name}: title`);
      if (tool.annotations && JSON.stringify(mine?.annotations) !== JSON.stringify(tool.annotations)) {
        lost.push(`${n}.${tool.name}: annotations`);
      }
    }
  }
  // A known gap, listed like the conformance suite's expected failures: ToolSpec has no
  // title/annotations fields until issue 16 adds them. Reported, not failed; once they
  // pass through, this says so and the expectation must be removed.
  if (lost.length > 0) {
    console.log(`     KNOWN GAP (issue 16): ${lost.length} upstream title/annotations fields ` +
      `dropped, e.g. ${lost.slice(0, 3).join(', ')}`);
  } else {
    assert.fail('title and annotations now pass through: remove the known-gap expectation');
  }
});

if (opt.fault) {
  await steps.step('--flat: list_changed followed: fault.fault.grow, then tools/list holds fault.extra.added', async () => {
    const grown = await flat.client.callTool({ name: 'fault.fault.grow', arguments: {} });
    assert.equal(text(grown), 'grown');
    try {
      await waitFor('fault.extra.added in tools/list', async () =>
        (await flat.client.listTools()).tools.some((t) => t.name === 'fault.extra.added'), { timeoutMs: 5000 });
    } catch (e) {
      gatewayBug('list_changed', 'the flat tools/list must follow an upstream\'s list_changed ' +
        '(see the hierarchical step)', () => assert.fail(e.message));
    }
    assert.ok(flat.notifications.some((n) => n.method === 'notifications/tools/list_changed'),
      'the client was not told the tool list changed');
    const added = await flat.client.callTool({ name: 'fault.extra.added', arguments: {} });
    assert.equal(text(added), 'added');
  });
}

// ---- the end -------------------------------------------------------------------------
await steps.step('the client closes: both gateways exit by themselves, no upstream left (npx\'s grandchild included)', async () => {
  const before = marked(marker);
  assert.ok(before.length >= 6, `expected the upstreams of both gateways: ${brief(before)}`);
  const zombies = [...children(gw.pid), ...children(flat.pid)].filter((p) => p.state === 'Z');
  assert.deepEqual(brief(zombies), [], 'unreaped children');
  const [a, b] = await Promise.all([gw.close(), flat.close()]);
  for (const status of [a, b]) {
    assert.equal(status.killed, false, `the gateway did not exit on end of input: ${JSON.stringify(status)}`);
    assert.equal(status.code, 0, JSON.stringify(status));
    assert.ok(status.ms < 5000, `the gateway took ${status.ms} ms to exit`);
  }
  await waitFor('every upstream process to be gone', () => marked(marker).length === 0, { timeoutMs: 5000 })
    .catch((e) => assert.fail(`${e.message}: ${brief(marked(marker))}`));
  console.log(`     exited ${a.ms.toFixed(0)} ms and ${b.ms.toFixed(0)} ms after the end of input`);
  if (opt.verbose) console.log(gw.stderr().split("\n").slice(-25).join("\n"));
});

steps.finish();
