#!/usr/bin/env node
// bench/scale/throughput.mjs -- calls/s of `mcp-htm-server --http` through HAProxy and nginx
// (the configs of deploy/, as tests/scale runs them) against one node direct, with 1 and 3
// nodes, rounds interleaved (docs/scale-out.md).
//
//   node bench/scale/throughput.mjs [--server build/release/examples/mcp-htm-server]
//        [--rounds 5] [--calls 3000] [--warmup 500] [--concurrency 1,32]
//        [--configs direct,haproxy-1,nginx-1,haproxy-3,nginx-3] [--modes sessions,stateless]
//        [--json OUT]
//
// Every run: a fresh cluster (nodes `--flat --threads 1`; the balancer), then
// bench/http/driver.mjs (closed loop, C sessions with one call in flight each, undici, one
// keep-alive connection per session; tool util.noop): a warm-up run, then the measured run,
// around which the CPU time (/proc/PID/task/*/schedstat, all threads) of every node and of
// the balancer (nginx: master and workers) is read. CPU per call = that difference / calls
// (the measured run's session set-up included: C initializes against `--calls` calls).
// Rounds: every (mode, C, config) once per round, in order; medians over rounds; the ratio to
// `direct` per round (the same round's direct run), then its median.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { Cluster, childrenOf, have } from '../../tests/scale/cluster.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const { values: v } = parseArgs({
  options: {
    server: { type: 'string', default: join(repo, 'build', 'release', 'examples', 'mcp-htm-server') },
    rounds: { type: 'string', default: '5' },
    calls: { type: 'string', default: '3000' },
    warmup: { type: 'string', default: '500' },
    concurrency: { type: 'string', default: '1,32' },
    configs: { type: 'string', default: 'direct,haproxy-1,nginx-1,haproxy-3,nginx-3' },
    modes: { type: 'string', default: 'sessions,stateless' },
    json: { type: 'string' },
  },
});
const int = (name, min) => {
  const n = Number(v[name]);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}`);
  return n;
};
const rounds = int('rounds', 1);
const calls = int('calls', 1);
const warmup = int('warmup', 0);
const concurrencies = v.concurrency.split(',').map(Number);
const configs = v.configs.split(',').map((c) => {
  const m = /^(direct|haproxy|nginx)(?:-(\d+))?$/.exec(c);
  if (!m) throw new Error(`--configs: ${c} is not direct, haproxy-N or nginx-N`);
  return { name: c, kind: m[1], nodes: m[1] === 'direct' ? 1 : Number(m[2] ?? 1) };
});
const modes = v.modes.split(',');
const driver = join(repo, 'bench', 'http', 'driver.mjs');
if (!existsSync(v.server)) throw new Error(`no server at ${v.server} (cmake --build build/release --target mcp-htm-server)`);
if (!existsSync(join(repo, 'bench', 'http', 'node_modules', 'undici'))) {
  throw new Error('the driver needs undici: npm ci --prefix bench/http');
}
for (const c of configs) if (c.kind !== 'direct' && !have(c.kind)) throw new Error(`${c.kind} is not installed`);

/// CPU time of `pid`, microseconds: user + system summed over its threads from
/// /proc/PID/task/*/schedstat (nanoseconds; /proc/PID/stat counts 10 ms ticks).
function cpuUs(pid) {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended between readdir and read
    }
  }
  return ns / 1000;
}

function runDriver(url, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [driver, '--url', url.href, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => {
      try {
        const report = JSON.parse(out.trim().split('\n').at(-1));
        if (code !== 0 || report.errors) reject(new Error(`driver: exit ${code}, ${report.errors} errors: ${err}`));
        else resolve(report);
      } catch {
        reject(new Error(`driver: exit ${code}: ${err}${out}`));
      }
    });
  });
}

async function measure(config, mode, sessions) {
  const cluster = new Cluster({ server: v.server, kind: config.kind, mode, nodes: config.nodes,
    nodeArgs: ['--flat', '--threads', '1', '--log-level', 'warning'] });
  try {
    await cluster.start();
    const common = ['--sessions', String(sessions), ...(mode === 'stateless' ? ['--stateless'] : [])];
    if (warmup > 0) await runDriver(cluster.url, [...common, '--calls', String(warmup), '--warmup', '0']);
    const nodePids = cluster.nodes.map((n) => n.s.child.pid);
    const balancerPids = cluster.balancer ? [cluster.balancer.child.pid, ...childrenOf(cluster.balancer.child.pid)] : [];
    const sum = (pids) => pids.reduce((a, p) => a + cpuUs(p), 0);
    const before = { nodes: sum(nodePids), balancer: sum(balancerPids) };
    const r = await runDriver(cluster.url, [...common, '--calls', String(calls), '--warmup', '0']);
    r.nodes_cpu_us_per_call = (sum(nodePids) - before.nodes) / calls;
    r.balancer_cpu_us_per_call = (sum(balancerPids) - before.balancer) / calls;
    return r;
  } finally {
    await cluster.stop();
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const t0 = performance.now();
const results = [];  // {round, mode, sessions, config, report}
for (let round = 1; round <= rounds; round++) {
  for (const mode of modes) {
    for (const sessions of concurrencies) {
      for (const config of configs) {
        const report = await measure(config, mode, sessions);
        results.push({ round, mode, sessions, config: config.name, report });
        process.stderr.write(`round ${round} ${mode} C=${sessions} ${config.name}: ${report.calls_per_s} calls/s\n`);
      }
    }
  }
}

const rows = [];
for (const mode of modes) {
  for (const sessions of concurrencies) {
    for (const config of configs) {
      const mine = results.filter((x) => x.mode === mode && x.sessions === sessions && x.config === config.name);
      const ratio = mine.map((x) => x.report.calls_per_s / results.find((d) => d.round === x.round && d.mode === mode &&
        d.sessions === sessions && d.config === configs[0].name).report.calls_per_s);
      const med = (f) => median(mine.map((x) => f(x.report)));
      rows.push({
        mode, sessions, config: config.name,
        calls_per_s: Math.round(med((r) => r.calls_per_s)),
        ratio_to_first: Math.round(median(ratio) * 100) / 100,
        p50_us: Math.round(med((r) => r.p50_us)),
        p99_us: Math.round(med((r) => r.p99_us)),
        nodes_cpu_us_per_call: Math.round(med((r) => r.nodes_cpu_us_per_call) * 10) / 10,
        balancer_cpu_us_per_call: Math.round(med((r) => r.balancer_cpu_us_per_call) * 10) / 10,
        driver_cpu_us_per_call: Math.round(med((r) => r.driver_cpu_us_per_call) * 10) / 10,
        min_calls_per_s: Math.min(...mine.map((x) => x.report.calls_per_s)),
        max_calls_per_s: Math.max(...mine.map((x) => x.report.calls_per_s)),
      });
    }
  }
}

const header = `| mode | sessions | config | calls/s | vs ${configs[0].name} | p50 µs | p99 µs | nodes CPU µs/call | balancer CPU µs/call | driver CPU µs/call | calls/s min-max |`;
console.log(header);
console.log(`|${header.split('|').slice(1, -1).map((_, i) => (i < 3 ? '---' : '---:')).join('|')}|`);
for (const r of rows) {
  console.log(`| ${r.mode} | ${r.sessions} | ${r.config} | ${r.calls_per_s} | ${r.ratio_to_first.toFixed(2)} | ${r.p50_us} | ${r.p99_us} | ` +
    `${r.nodes_cpu_us_per_call} | ${r.balancer_cpu_us_per_call} | ${r.driver_cpu_us_per_call} | ${r.min_calls_per_s}-${r.max_calls_per_s} |`);
}
console.log(`\n${rounds} rounds, ${calls} calls (+${warmup} warm-up) per run, ${Math.round((performance.now() - t0) / 1000)} s`);
if (v.json) writeFileSync(v.json, `${JSON.stringify({ rounds, calls, warmup, results, rows }, null, 2)}\n`);
