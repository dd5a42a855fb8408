#!/usr/bin/env node
// bench/gateway/bench.mjs -- mcp-htm-gateway measured (see docs/gateway.md for results):
//   (a) context.mjs: bytes of tools/list, flat vs meta-tools, on real MCP servers;
//   (b) overhead.mjs: CPU and latency per forwarded call against a direct stdio call.
//
//   node bench/gateway/bench.mjs --gateway build/release/examples/mcp-htm-gateway \
//        --server build/release/examples/mcp-htm-server [--part context|overhead|all]
//        [--rounds 5] [--calls 20000] [--warmup 2000] [--concurrency 16] [--json OUT]
//   --smoke   a few calls, one round, for ctest (bench:gateway_smoke): checks that every
//             part runs and every answer is right; asserts no timing.
// Exit code 77 (skipped) when `npm ci --prefix bench/gateway` has not been run.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { here } from './lib.mjs';

const { values: v } = parseArgs({
  options: {
    gateway: { type: 'string' },
    server: { type: 'string' },
    fault: { type: 'string' },  // accepted (ctest passes it), unused
    part: { type: 'string', default: 'all' },
    rounds: { type: 'string' },
    calls: { type: 'string' },
    warmup: { type: 'string' },
    concurrency: { type: 'string', default: '16' },
    json: { type: 'string' },
    smoke: { type: 'boolean', default: false },
  },
});
if (!existsSync(join(here, 'node_modules/@modelcontextprotocol/sdk/package.json'))) {
  console.log(`SKIP: ${here}/node_modules is missing; run: npm ci --prefix ${here}`);
  process.exit(77);
}
if (!v.gateway || !v.server) {
  console.error('usage: node bench.mjs --gateway GATEWAY --server MCP_HTM_SERVER [--smoke]');
  process.exit(2);
}
const defaults = v.smoke ? { rounds: 1, calls: 50, warmup: 10 } : { rounds: 5, calls: 20000, warmup: 2000 };
const int = (name) => {
  const n = Number(v[name] ?? defaults[name]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
  return n;
};

const report = { when: new Date().toISOString(), gateway: v.gateway, server: v.server };
if (v.part === 'all' || v.part === 'context') {
  console.log('(a) context: tools/list bytes as the client receives them');
  const { runContext } = await import('./context.mjs');
  report.context = await runContext(v.gateway);
  for (const row of report.context) {
    if (row.missing) continue;
    if (!(row.metaBytes < row.flatBytes && row.metaTools === 5 && row.flatTools === row.directTools)) {
      console.error(`FAIL: implausible context figures: ${JSON.stringify(row)}`);
      process.exit(1);
    }
  }
}
if (v.part === 'all' || v.part === 'overhead') {
  console.log('(b) overhead: one forwarded call, gateway vs direct stdio');
  const { runOverhead } = await import('./overhead.mjs');
  report.overhead = await runOverhead({
    gateway: v.gateway, server: v.server, rounds: int('rounds'), calls: int('calls'),
    warmup: int('warmup'), concurrency: int('concurrency'),
  });
}
if (v.json) writeFileSync(v.json, JSON.stringify(report, null, 2));
console.log(v.smoke ? 'smoke run: every part ran, every answer was right' : 'done');
