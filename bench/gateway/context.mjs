// bench/gateway/context.mjs -- part (a): what the model's context receives. The bytes of
// tools/list (exact, one JSON-RPC line each) for a real catalogue of MCP servers: each
// server asked directly (what a client configured with all of them receives), through
// `mcp-htm-gateway --flat` (every tool as server.tool) and through the gateway's five
// meta-tools; then the discovery answers the meta-tools need before a first call.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmt, median, packages, RawClient } from './lib.mjs';

/// The catalogues measured: the three reference servers, then with @playwright/mcp
/// (its tools/list needs no browser) when it is installed.
export function catalogues(scratch) {
  const node = process.execPath;
  const mcp = join(packages, '@modelcontextprotocol');
  const three = {
    everything: { command: node, args: [join(mcp, 'server-everything/dist/index.js'), 'stdio'] },
    filesystem: { command: node, args: [join(mcp, 'server-filesystem/dist/index.js'), scratch] },
    memory: { command: node, args: [join(mcp, 'server-memory/dist/index.js')], env: { MEMORY_FILE_PATH: join(scratch, 'memory.jsonl') } },
  };
  const result = [{ name: 'everything + filesystem + memory', servers: three }];
  const playwright = join(packages, '@playwright/mcp/cli.js');
  if (existsSync(playwright)) {
    result.push({
      name: '... + @playwright/mcp',
      servers: { ...three, playwright: { command: node, args: [playwright, '--headless', '--isolated'] } },
    });
  } else {
    result.push({ name: '... + @playwright/mcp', missing: `${playwright} is not installed` });
  }
  return result;
}

async function structuredCall(client, name, args) {
  const { result, bytes } = await client.callTool(name, args);
  if (result.isError) throw new Error(`${name}: ${JSON.stringify(result).slice(0, 400)}`);
  return { value: result.structuredContent, bytes };
}

/// One catalogue measured.
export async function measureCatalogue(gateway, catalogue, scratch) {
  const configPath = join(scratch, `context-${Object.keys(catalogue.servers).length}.json`);
  writeFileSync(configPath, JSON.stringify({ mcpServers: catalogue.servers }));

  // Each server directly.
  const direct = {};
  for (const [name, entry] of Object.entries(catalogue.servers)) {
    const client = new RawClient(entry.command, entry.args, { env: entry.env });
    await client.initialize();
    const { tools, bytes } = await client.listTools();
    direct[name] = { tools: tools.length, bytes };
    await client.close();
  }

  // --flat: tools/list starts every server.
  const flatClient = new RawClient(gateway, ['--config', configPath, '--flat', '--log-level', 'warning']);
  await flatClient.initialize();
  let t0 = performance.now();
  const flat = await flatClient.listTools();
  const flatFirstListMs = performance.now() - t0;
  await flatClient.close();

  // The meta-tools, then discovery: categories, each category's tools, each tool's schema.
  const metaClient = new RawClient(gateway, ['--config', configPath, '--log-level', 'warning']);
  await metaClient.initialize();
  t0 = performance.now();
  const meta = await metaClient.listTools();
  const metaFirstListMs = performance.now() - t0;
  const categories = await structuredCall(metaClient, 'tools_list_categories', {});
  const perCategory = {};
  for (const name of Object.keys(catalogue.servers)) {
    const listed = await structuredCall(metaClient, 'tools_list_tools', { category: name });
    const schemaBytes = [];
    for (const tool of listed.value.tools) {
      const schema = await structuredCall(metaClient, 'tools_get_schema', { category: name, tool: tool.name });
      schemaBytes.push(schema.bytes);
    }
    perCategory[name] = { tools: listed.value.tools.length, listBytes: listed.bytes, schemaBytes };
  }
  await metaClient.close();

  const directBytes = Object.values(direct).reduce((s, d) => s + d.bytes, 0);
  const directTools = Object.values(direct).reduce((s, d) => s + d.tools, 0);
  const allSchemas = Object.values(perCategory).flatMap((c) => c.schemaBytes);
  const listTools = Object.values(perCategory).map((c) => c.listBytes);
  // A first call of some tool: tools_list_categories + tools_list_tools + tools_get_schema.
  const firstCall = categories.bytes + median(listTools) + median(allSchemas);
  return {
    name: catalogue.name,
    servers: Object.keys(catalogue.servers).length,
    direct, directTools, directBytes,
    flatTools: flat.tools.length, flatBytes: flat.bytes, flatFirstListMs,
    metaTools: meta.tools.length, metaBytes: meta.bytes, metaFirstListMs,
    categoriesBytes: categories.bytes,
    listToolsBytesMedian: median(listTools),
    schemaBytesMedian: median(allSchemas),
    schemaBytesMax: Math.max(...allSchemas),
    firstCallDiscoveryBytes: firstCall,
    reductionVsDirect: 1 - meta.bytes / directBytes,
    reductionVsFlat: 1 - meta.bytes / flat.bytes,
    reductionWithDiscovery: 1 - (meta.bytes + firstCall) / directBytes,
  };
}

export async function runContext(gateway, { log = console.log } = {}) {
  const scratch = mkdtempSync(join(tmpdir(), 'mcp-htm-gw-bench-'));
  try {
    const rows = [];
    for (const catalogue of catalogues(scratch)) {
      if (catalogue.missing) {
        rows.push({ name: catalogue.name, missing: catalogue.missing });
        continue;
      }
      rows.push(await measureCatalogue(gateway, catalogue, scratch));
    }
    log(contextTable(rows));
    return rows;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export function contextTable(rows) {
  const kb = (b) => `${fmt(b / 1024, 1)} KiB`;
  const pct = (x) => `${fmt(100 * x, 1)} %`;
  const lines = [
    '| catalogue | tools | tools/list direct (sum of servers) | gateway --flat | gateway meta-tools | meta vs direct | meta vs --flat | + discovery before a first call (categories + list_tools + get_schema) | meta + discovery vs direct | first tools/list: --flat / meta |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    if (r.missing) {
      lines.push(`| ${r.name} | not measured: ${r.missing} |||||||||`);
      continue;
    }
    lines.push(`| ${r.name} | ${r.directTools} | ${kb(r.directBytes)} | ${kb(r.flatBytes)} (${r.flatTools} tools) | ${kb(r.metaBytes)} (${r.metaTools} tools) | ${pct(r.reductionVsDirect)} smaller | ${pct(r.reductionVsFlat)} smaller | ${kb(r.firstCallDiscoveryBytes)} (${r.categoriesBytes} + ${fmt(r.listToolsBytesMedian, 0)} + ${fmt(r.schemaBytesMedian, 0)} B, medians; largest schema ${r.schemaBytesMax} B), 3 extra round trips | ${pct(r.reductionWithDiscovery)} smaller | ${fmt(r.flatFirstListMs, 0)} ms / ${fmt(r.metaFirstListMs, 1)} ms |`);
  }
  return lines.join('\n');
}
