#!/usr/bin/env node
// The MCP surface beyond tools -- resources (read, subscription update), prompts,
// completion, and a tool asking the client for a sample and an elicitation -- with the
// official TypeScript SDK client against `mcp-htm-server --conformance`, over stdio and
// over Streamable HTTP.
//   node features_e2e.mjs /path/to/mcp-htm-server
// Exit code: 0 passed, 1 failed, 77 skipped (the SDK is not installed: run `npm ci` here).
import assert from 'node:assert/strict';
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
const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
const { CreateMessageRequestSchema, ElicitRequestSchema, ResourceUpdatedNotificationSchema } =
  await import('@modelcontextprotocol/sdk/types.js');
const { startServer, withDeadline } = await import('./http_server_process.mjs');

const server = process.argv[2];
if (!server) {
  console.error('usage: node features_e2e.mjs /path/to/mcp-htm-server');
  process.exit(2);
}

let failures = 0;
const stderrs = [];
async function step(name, fn) {
  const t0 = performance.now();
  try {
    await fn();
    console.log(`ok   ${name} (${(performance.now() - t0).toFixed(1)} ms)`);
  } catch (e) {
    failures++;
    console.log(`FAIL ${name}\n     ${e?.stack ?? e}`);
    for (const s of stderrs) if (s()) console.log(`     server stderr (last 3000 bytes):\n${s().slice(-3000)}`);
  }
}

const http = await startServer(server, ['--conformance']);
stderrs.push(() => http.stderr);

/// A client over `kind` ('stdio': a fresh server process; 'http': the shared one).
async function connect(kind, capabilities) {
  let transport;
  if (kind === 'stdio') {
    transport = new StdioClientTransport({ command: server, args: ['--conformance'], stderr: 'pipe' });
    let stderr = '';
    transport.stderr?.on('data', (d) => (stderr += d));
    stderrs.push(() => stderr);
  } else {
    transport = new StreamableHTTPClientTransport(http.url);
  }
  const client = new Client({ name: 'mcp-htm-features-e2e', version: '0.1.0' }, { capabilities });
  await client.connect(transport);
  return client;
}

for (const kind of ['stdio', 'http']) {
  const asked = { sampling: [], elicitation: [] };
  let c;
  await step(`${kind}: capabilities name resources, prompts and completions`, async () => {
    c = await connect(kind, { sampling: {}, elicitation: {} });
    const caps = c.getServerCapabilities();
    assert.deepEqual(caps.resources, { subscribe: true, listChanged: true });
    assert.deepEqual(caps.prompts, { listChanged: true });
    assert.deepEqual(caps.completions, {});
    c.setRequestHandler(CreateMessageRequestSchema, async (request) => {
      asked.sampling.push(request.params);
      return { role: 'assistant', content: { type: 'text', text: 'forty-two' }, model: 'e2e', stopReason: 'endTurn' };
    });
    c.setRequestHandler(ElicitRequestSchema, async (request) => {
      asked.elicitation.push(request.params);
      return { action: 'accept', content: { username: 'ada', email: 'ada@example.com' } };
    });
  });

  await step(`${kind}: resources/list, templates, read text, blob and a template`, async () => {
    const { resources } = await c.listResources();
    assert.ok(resources.some((r) => r.uri === 'test://static-text' && r.mimeType === 'text/plain'));
    const { resourceTemplates } = await c.listResourceTemplates();
    assert.deepEqual(resourceTemplates.map((t) => t.uriTemplate), ['test://template/{id}/data']);
    const text = await c.readResource({ uri: 'test://static-text' });
    assert.deepEqual(text.contents, [{ uri: 'test://static-text', mimeType: 'text/plain', text: 'This is the content of the static text resource.' }]);
    const blob = await c.readResource({ uri: 'test://static-binary' });
    assert.equal(Buffer.from(blob.contents[0].blob, 'base64').subarray(1, 4).toString(), 'PNG');
    const templated = await c.readResource({ uri: 'test://template/77/data' });
    assert.equal(JSON.parse(templated.contents[0].text).id, '77');
    await assert.rejects(c.readResource({ uri: 'test://missing' }), (e) => e.code === -32002);
  });

  await step(`${kind}: a subscription gets notifications/resources/updated, then none after unsubscribe`, async () => {
    const updates = [];
    c.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => updates.push(n.params.uri));
    await c.subscribeResource({ uri: 'test://watched-resource' });
    await c.callTool({ name: 'test_update_resource', arguments: {} });
    await withDeadline((async () => { while (updates.length === 0) await new Promise((r) => setImmediate(r)); })(),
                       5000, 'notifications/resources/updated');
    assert.deepEqual(updates, ['test://watched-resource']);
    await c.unsubscribeResource({ uri: 'test://watched-resource' });
    await c.callTool({ name: 'test_update_resource', arguments: {} });
    await c.ping();  // anything the server sent before this answer has been handled
    assert.deepEqual(updates, ['test://watched-resource']);
  });

  await step(`${kind}: prompts/get with arguments; a missing argument is -32602; completion`, async () => {
    const { prompts } = await c.listPrompts();
    assert.ok(prompts.some((p) => p.name === 'test_prompt_with_arguments' && p.arguments.length === 2));
    const got = await c.getPrompt({ name: 'test_prompt_with_arguments', arguments: { arg1: 'a', arg2: 'b' } });
    assert.equal(got.messages[0].content.text, "Prompt with arguments: arg1='a', arg2='b'");
    await assert.rejects(c.getPrompt({ name: 'test_prompt_with_arguments', arguments: { arg1: 'a' } }),
                         (e) => e.code === -32602 && /arg2/.test(e.message));
    const done = await c.complete({ ref: { type: 'ref/prompt', name: 'test_prompt_with_arguments' },
                                    argument: { name: 'arg1', value: 'pa' } });
    assert.deepEqual(done.completion.values, ['paris', 'park', 'party']);
    const ids = await c.complete({ ref: { type: 'ref/resource', uri: 'test://template/{id}/data' },
                                   argument: { name: 'id', value: '4' } });
    assert.deepEqual(ids.completion.values, ['456']);
  });

  await step(`${kind}: a tool asks the client for a sample and for an elicitation`, async () => {
    const sampled = await c.callTool({ name: 'test_sampling', arguments: { prompt: 'the answer?' } });
    assert.equal(sampled.content[0].text, 'LLM response: forty-two');
    assert.equal(asked.sampling[0].messages[0].content.text, 'the answer?');
    const elicited = await c.callTool({ name: 'test_elicitation', arguments: { message: 'who are you?' } });
    assert.match(elicited.content[0].text, /action=accept, content=\{"email":"ada@example.com","username":"ada"\}/);
    assert.equal(asked.elicitation[0].message, 'who are you?');
  });

  await step(`${kind}: a client without the sampling capability gets the tool's error, no request`, async () => {
    const bare = await connect(kind, {});
    let requested = false;
    bare.fallbackRequestHandler = async () => { requested = true; return {}; };
    const refused = await bare.callTool({ name: 'test_sampling', arguments: { prompt: 'x' } });
    assert.equal(refused.isError, true);
    assert.match(refused.content[0].text, /did not declare the 'sampling' capability/);
    assert.equal(requested, false);
    await bare.close();
  });

  await c?.close();
}

http.child.kill('SIGTERM');
await http.exit;
console.log(failures === 0 ? 'PASS' : `${failures} step(s) failed`);
process.exit(failures === 0 ? 0 : 1);
