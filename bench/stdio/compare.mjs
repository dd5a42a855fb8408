#!/usr/bin/env node
// bench/stdio/compare.mjs -- mcp-htm-server against the official TypeScript SDK server,
// measured with the shared mcp-stdio-bench driver, in one run, rounds interleaved.
//
//   node bench/stdio/compare.mjs [--build build/release] [--rounds 5] [--calls 2000]
//        [--long-calls 20000] [--warmup 1000] [--concurrency 1,32]
//        [--servers peer,floor,asio-floor,flat,hier]
//        [--bench-dir DIR] [--json OUT] [--baseline OTHER_BUILD] [--skip-if-missing]
//
// Servers: `peer` (the official SDK server of mcp-stdio-bench), `floor` (stdio_floor: canned
// answers from a blocking read/write loop), `asio-floor` (the same canned answers through
// Asio's event loop), `flat` (mcp-htm-server --flat, tool util.noop) and `hier` (the default
// hierarchical mode, tools_dispatch of util.noop).
// For every round, concurrency and server it runs the driver twice: `--calls` measured calls
// and `--long-calls` measured calls, both after `--warmup` calls. The server runs under
// cpu_time (wait4 rusage, microsecond resolution), so its CPU time is its own, not the
// driver's. Reported per server and concurrency, medians over the rounds:
//  - calls/s, P50/P90/P99 (µs) of the `--calls` run, as the driver reports them;
//  - CPU µs/call with start-up: CPU of the `--calls` run / (warmup + calls), what
//    `/usr/bin/time` over the standard run gives;
//  - marginal CPU µs/call (steady state, start-up and warm-up removed):
//    (CPU of the long run - CPU of the short run) / (long-calls - calls), within a round;
//  - ratios to the peer of the same round, then their median.
// The machine is shared: compare only rows of one run. `--baseline` adds the servers
// `flat@base` and `hier@base`, the mcp-htm-server of another build (an A/B in one run).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync, cpSync, rmSync } from 'node:fs';
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
    servers: { type: 'string', default: 'peer,floor,asio-floor,flat,hier' },
    'bench-dir': { type: 'string', default: join(repo, 'build/mcp-stdio-bench') },
    json: { type: 'string' },
    baseline: { type: 'string' },
    'skip-if-missing': { type: 'boolean', default: false },
  },
});
const int = (name) => {
  const n = Number(v[name]);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer`);
  return n;
};
const rounds = int('rounds');
const calls = int('calls');
const longCalls = int('long-calls');
const warmup = int('warmup');
const concurrencies = v.concurrency.split(',').map(Number);
if (longCalls <= calls) throw new Error('--long-calls must exceed --calls');

// The driver and the peer: a writable copy of the shared tool, its pinned packages installed.
const benchDir = resolve(v['bench-dir']);
if (!existsSync(join(benchDir, 'node_modules/@modelcontextprotocol/sdk'))) {
  const shared = resolve(repo, '../shared/tools/mcp-stdio-bench');
  if (!existsSync(join(shared, 'driver.mjs'))) {
    if (v['skip-if-missing']) {
      process.stdout.write(`SKIP: no mcp-stdio-bench at ${shared}\n`);
      process.exit(77);  // ctest's skip code
    }
    throw new Error(`no mcp-stdio-bench at ${shared}`);
  }
  rmSync(benchDir, { recursive: true, force: true });
  cpSync(shared, benchDir, { recursive: true });
  spawnSync('chmod', ['-R', 'u+w', benchDir]);  // the shared copy is read-only; npm ci writes here
  const npm = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: benchDir, stdio: 'inherit' });
  if (npm.status !== 0) throw new Error('npm ci in the bench folder failed');
}
const build = resolve(v.build);
const bin = (p) => {
  const path = join(build, p);
  if (!existsSync(path)) throw new Error(`${path} is missing: build the release preset first`);
  return path;
};
const server = bin('examples/mcp-htm-server');
const servers = {
  peer: { cmd: ['node', join(benchDir, 'peer-server.mjs')], tool: [] },
  floor: { cmd: [bin('bench/stdio/stdio_floor')], tool: [] },
  'asio-floor': { cmd: [bin('bench/stdio/asio_floor')], tool: [] },
  flat: { cmd: [server, '--flat', '--log-level', 'warning'], tool: ['--tool', 'util.noop'] },
  hier: {
    cmd: [server, '--log-level', 'warning'],
    tool: ['--tool', 'tools_dispatch', '--args', '{"category":"util","tool":"noop"}'],
  },
};
const chosen = v.servers.split(',');
if (v.baseline) {
  const base = join(resolve(v.baseline), 'examples/mcp-htm-server');
  if (!existsSync(base)) throw new Error(`${base} is missing`);
  for (const name of ['flat', 'hier']) {
    if (!chosen.includes(name)) continue;
    servers[`${name}@base`] = { ...servers[name], cmd: [base, ...servers[name].cmd.slice(1)] };
    chosen.push(`${name}@base`);
  }
}
for (const s of chosen) if (!servers[s]) throw new Error(`unknown server ${s}`);
const cpuTime = bin('bench/stdio/cpu_time');
const scratch = mkdtempSync(join(tmpdir(), 'mcp-stdio-compare-'));

function run(name, c, n) {
  const out = join(scratch, 'cpu.json');
  rmSync(out, { force: true });
  const args = [join(benchDir, 'driver.mjs'), '--calls', String(n), '--warmup', String(warmup),
    '--concurrency', String(c), ...servers[name].tool, '--', cpuTime, out, ...servers[name].cmd];
  const r = spawnSync('node', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`${name} c=${c} n=${n}: driver exit ${r.status}: ${r.stdout}`);
  const report = JSON.parse(r.stdout.trim().split('\n').pop());
  const cpu = JSON.parse(readFileSync(out, 'utf8'));
  return { ...report, cpu_us: cpu.user_us + cpu.sys_us, user_us: cpu.user_us, sys_us: cpu.sys_us };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const samples = {};  // `${name}/${c}` -> [{short, long}]
for (let round = 1; round <= rounds; ++round) {
  for (const c of concurrencies) {
    for (const name of chosen) {
      const short = run(name, c, calls);
      const long = run(name, c, longCalls);
      (samples[`${name}/${c}`] ??= []).push({ short, long });
      process.stderr.write(`round ${round}/${rounds} c=${c} ${name}: p50 ${short.p50_us} µs, ` +
        `marginal ${((long.cpu_us - short.cpu_us) / (longCalls - calls)).toFixed(2)} µs/call\n`);
    }
  }
}

const rows = [];
for (const c of concurrencies) {
  for (const name of chosen) {
    const s = samples[`${name}/${c}`];
    const peer = samples[`peer/${c}`];
    const perRound = (f) => s.map((x, i) => f(x, peer?.[i]));
    const marginal = (x) => (x.long.cpu_us - x.short.cpu_us) / (longCalls - calls);
    const withStartup = (x) => x.short.cpu_us / (warmup + calls);
    const row = {
      server: name, concurrency: c, rounds: s.length,
      calls_per_s: median(perRound((x) => x.short.calls_per_s)),
      p50_us: median(perRound((x) => x.short.p50_us)),
      p90_us: median(perRound((x) => x.short.p90_us)),
      p99_us: median(perRound((x) => x.short.p99_us)),
      long_p50_us: median(perRound((x) => x.long.p50_us)),
      cpu_us_per_call_with_startup: median(perRound(withStartup)),
      marginal_cpu_us_per_call: median(perRound(marginal)),
      errors: s.reduce((a, x) => a + x.short.errors + x.long.errors, 0),
    };
    if (peer && name !== 'peer') {
      row.peer_p50_over_p50 = median(perRound((x, p) => p.short.p50_us / x.short.p50_us));
      row.peer_long_p50_over_long_p50 = median(perRound((x, p) => p.long.p50_us / x.long.p50_us));
      row.peer_cpu_over_cpu_with_startup = median(perRound((x, p) => withStartup(p) / withStartup(x)));
      row.peer_cpu_over_cpu_marginal = median(perRound((x, p) => marginal(p) / marginal(x)));
    }
    rows.push(row);
  }
}

const f = (x, d = 1) => (x === undefined ? '' : x.toFixed(d));
const lines = [
  `${rounds} rounds; ${warmup} warm-up calls, then ${calls} (short run) or ${longCalls} (long run) measured calls; medians over rounds; ratios are the peer's value over ours, per round, then the median.`,
  '',
  '| server | c | calls/s | p50 µs | p90 µs | p99 µs | p50 µs (long run) | CPU µs/call with start-up | marginal CPU µs/call | peer/ours p50 | peer/ours p50 (long) | peer/ours CPU with start-up | peer/ours marginal CPU | errors |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map((r) => `| ${r.server} | ${r.concurrency} | ${Math.round(r.calls_per_s)} | ${f(r.p50_us)} | ${f(r.p90_us)} | ${f(r.p99_us)} | ${f(r.long_p50_us)} | ${f(r.cpu_us_per_call_with_startup, 2)} | ${f(r.marginal_cpu_us_per_call, 2)} | ${f(r.peer_p50_over_p50, 2)} | ${f(r.peer_long_p50_over_long_p50, 2)} | ${f(r.peer_cpu_over_cpu_with_startup, 1)} | ${f(r.peer_cpu_over_cpu_marginal, 1)} | ${r.errors} |`),
];
process.stdout.write(lines.join('\n') + '\n');
if (v.json) writeFileSync(v.json, JSON.stringify({ rounds, calls, longCalls, warmup, rows, samples }, null, 1));
rmSync(scratch, { recursive: true, force: true });
