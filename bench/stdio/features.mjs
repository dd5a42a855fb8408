#!/usr/bin/env node
// bench/stdio/features.mjs -- resources/read of a small text resource and prompts/get
// with two arguments: `mcp-htm-server --conformance` against the official TypeScript SDK
// server (features_peer.mjs), over stdio, rounds interleaved.
//
//   node bench/stdio/features.mjs [--build build/release] [--rounds 5] [--calls 2000]
//        [--long-calls 20000] [--warmup 1000] [--concurrency 1,32] [--sdk DIR]
//
// Each server runs under cpu_time (wait4 rusage, µs). For every round, method,
// concurrency and server, a short run (`--calls`) and a long one (`--long-calls`), both
// after `--warmup` requests: the marginal server CPU per request is
// (CPU long - CPU short) / (long-calls - calls), start-up and warm-up removed. Reported:
// medians over rounds of that, of P50 latency, and of the peer's value over ours.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const { values: v } = parseArgs({
  options: {
    build: { type: 'string', default: join(repo, 'build/release') },
    rounds: { type: 'string', default: '5' },
    calls: { type: 'string', default: '2000' },
    'long-calls': { type: 'string', default: '20000' },
    warmup: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '1,32' },
    sdk: { type: 'string', default: join(repo, 'tests/e2e/node_modules') },
  },
});
const rounds = Number(v.rounds);
const calls = Number(v.calls);
const longCalls = Number(v['long-calls']);
const warmup = Number(v.warmup);
const concurrencies = v.concurrency.split(',').map(Number);
const cpuTime = join(resolve(v.build), 'bench/stdio/cpu_time');
const htm = join(resolve(v.build), 'examples/mcp-htm-server');
for (const p of [cpuTime, htm, join(v.sdk, '@modelcontextprotocol/sdk')]) {
  if (!existsSync(p)) throw new Error(`${p} is missing (build the release preset; npm ci --prefix tests/e2e)`);
}
const servers = {
  peer: ['node', join(here, 'features_peer.mjs'), resolve(v.sdk)],
  htm: [htm, '--conformance', '--log-level', 'warning'],
};
const methods = {
  'resources/read': { uri: 'test://static-text' },
  'prompts/get': { name: 'test_prompt_with_arguments', arguments: { arg1: 'hello', arg2: 'world' } },
};
const scratch = mkdtempSync(join(tmpdir(), 'mcp-features-bench-'));

/// One server process: initialize, `warmup` then `n` requests of `method` with `c` in
/// flight; resolves with latencies and the server's CPU once it has exited.
function run(name, method, c, n) {
  const out = join(scratch, `${name}.json`);
  rmSync(out, { force: true });
  const child = spawn(cpuTime, [out, ...servers[name]], { stdio: ['pipe', 'pipe', 'inherit'] });
  const pending = new Map();
  let buffer = '';
  let nextId = 1;
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d) => {
    buffer += d;
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (!line.trim()) continue;
      const msg = JSON.parse(line);
      const done = pending.get(msg.id);
      if (done) { pending.delete(msg.id); done(msg); }
    }
  });
  const request = (m, params) => new Promise((resolveRequest) => {
    const id = nextId++;
    pending.set(id, resolveRequest);
    child.stdin.write(JSON.stringify({ jsonrpc: '2.0', id, method: m, params }) + '\n');
  });
  const exited = new Promise((r) => child.on('exit', r));
  return (async () => {
    await request('initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1' } });
    child.stdin.write(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) + '\n');
    const latencies = [];
    let errors = 0;
    async function phase(total, record) {
      let sent = 0;
      async function lane() {
        while (sent < total) {
          ++sent;
          const t0 = process.hrtime.bigint();
          const answer = await request(method, methods[method]);
          if (!answer.result) ++errors;
          if (record) latencies.push(Number(process.hrtime.bigint() - t0) / 1000);
        }
      }
      await Promise.all(Array.from({ length: c }, lane));
    }
    await phase(warmup, false);
    const t0 = performance.now();
    await phase(n, true);
    const seconds = (performance.now() - t0) / 1000;
    child.stdin.end();
    await exited;
    const cpu = JSON.parse(readFileSync(out, 'utf8'));
    latencies.sort((a, b) => a - b);
    return { cpu_us: cpu.user_us + cpu.sys_us, p50_us: latencies[latencies.length >> 1], per_s: n / seconds, errors };
  })();
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const samples = {};
for (let round = 1; round <= rounds; ++round) {
  for (const method of Object.keys(methods)) {
    for (const c of concurrencies) {
      for (const name of Object.keys(servers)) {
        const short = await run(name, method, c, calls);
        const long = await run(name, method, c, longCalls);
        const marginal = (long.cpu_us - short.cpu_us) / (longCalls - calls);
        (samples[`${method}/${c}/${name}`] ??= []).push({ short, long, marginal });
        process.stderr.write(`round ${round}/${rounds} ${method} c=${c} ${name}: p50 ${short.p50_us.toFixed(1)} µs, marginal ${marginal.toFixed(2)} µs/request\n`);
      }
    }
  }
}
const lines = [
  `${rounds} rounds; ${warmup} warm-up requests, then ${calls} or ${longCalls}; medians over rounds; ratios are the peer's value over ours, per round, then the median.`,
  '',
  '| method | c | server | requests/s | p50 µs | marginal server CPU µs/request | peer/ours CPU | peer/ours p50 | errors |',
  '|---|---:|---|---:|---:|---:|---:|---:|---:|',
];
for (const method of Object.keys(methods)) {
  for (const c of concurrencies) {
    for (const name of Object.keys(servers)) {
      const s = samples[`${method}/${c}/${name}`];
      const peer = samples[`${method}/${c}/peer`];
      const ratio = (f) => (name === 'peer' ? '' : median(s.map((x, i) => f(peer[i]) / f(x))).toFixed(1));
      lines.push(`| ${method} | ${c} | ${name} | ${Math.round(median(s.map((x) => x.short.per_s)))} | ` +
        `${median(s.map((x) => x.short.p50_us)).toFixed(1)} | ${median(s.map((x) => x.marginal)).toFixed(2)} | ` +
        `${ratio((x) => x.marginal)} | ${ratio((x) => x.short.p50_us)} | ${s.reduce((a, x) => a + x.short.errors + x.long.errors, 0)} |`);
    }
  }
}
process.stdout.write(lines.join('\n') + '\n');
rmSync(scratch, { recursive: true, force: true });
