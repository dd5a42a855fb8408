// bench/gateway/overhead.mjs -- part (b): what one forwarded call costs. The same SDK
// client driver calls util.echo of `mcp-htm-server --flat`:
//   direct     the client talks to mcp-htm-server over stdio
//   relay      through `cat | mcp-htm-server --flat | cat`: one extra stdio hop each way
//              that does nothing else (the floor of any stdio gateway)
//   gw-flat    through `mcp-htm-gateway --flat` (tools/call demo.util.echo)
//   gw-meta    through the gateway's meta-tools (tools_dispatch {demo, util.echo})
// Rounds are interleaved (each round: every mode, every setup, the setup order rotated);
// one batch = `warmup` calls, then `calls` measured ones, sequential (one in flight) or
// `concurrency` in flight (a closed loop). Measured per batch: latency of each call
// (P50, P90, P99), calls/s, and the CPU per call of the middle (the gateway process; the
// two cats of the relay), of the upstream and of the driver: /proc/PID/stat utime+stime
// (10 ms ticks) and /proc/PID/task/*/schedstat (ns). Reported: medians over rounds, and
// the median of the per-round ratios against direct.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { childrenOf, cpuOf, fmt, median, quantile, waitFor } from './lib.mjs';

const SETUPS = ['direct', 'relay', 'gw-flat', 'gw-meta'];

async function connect(setup, { gateway, server, configPath }) {
  const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
  const { StdioClientTransport } = await import('@modelcontextprotocol/sdk/client/stdio.js');
  const spec = {
    direct: { command: server, args: ['--flat', '--log-level', 'warning'] },
    relay: { command: 'sh', args: ['-c', 'cat | "$0" --flat --log-level warning | cat', server] },
    'gw-flat': { command: gateway, args: ['--config', configPath, '--flat', '--log-level', 'warning'] },
    'gw-meta': { command: gateway, args: ['--config', configPath, '--log-level', 'warning'] },
  }[setup];
  const transport = new StdioClientTransport({ ...spec, stderr: 'pipe', env: process.env });
  let stderr = '';
  transport.stderr?.on('data', (d) => (stderr += d));
  const client = new Client({ name: 'gateway-bench', version: '0.1.0' }, { capabilities: {} });
  await client.connect(transport);
  const top = transport.pid;
  const call = {
    direct: () => client.callTool({ name: 'util.echo', arguments: { text: 'x' } }),
    relay: () => client.callTool({ name: 'util.echo', arguments: { text: 'x' } }),
    'gw-flat': () => client.callTool({ name: 'demo.util.echo', arguments: { text: 'x' } }),
    'gw-meta': () => client.callTool({ name: 'tools_dispatch', arguments: { category: 'demo', tool: 'util.echo', params: { text: 'x' } } }),
  }[setup];
  // Check the answer once (and start the upstream behind the gateway).
  const first = await call();
  const textOf = (r) => (setup === 'gw-meta' ? r.structuredContent?.result?.content?.[0]?.text : r.content?.[0]?.text);
  if (textOf(first) !== 'x') throw new Error(`${setup}: unexpected answer ${JSON.stringify(first)}`);
  // Who is who in /proc.
  let middle = [];
  let upstream;
  if (setup === 'direct') {
    upstream = top;
  } else if (setup === 'relay') {
    const kids = await waitFor('the relay\'s processes', () => {
      const k = childrenOf(top);
      return k.filter((p) => p.comm === 'cat').length === 2 && k.some((p) => p.comm !== 'cat') ? k : null;
    });
    middle = kids.filter((p) => p.comm === 'cat').map((p) => p.pid);
    upstream = kids.find((p) => p.comm !== 'cat').pid;
  } else {
    middle = [top];
    upstream = (await waitFor('the upstream', () => childrenOf(top)[0])).pid;
  }
  return { setup, client, call, check: (r) => textOf(r) === 'x', middle, upstream, stderr: () => stderr };
}

async function batch(conn, calls, concurrency) {
  const latencies = new Array(calls);
  let next = 0;
  let wrong = 0;
  const worker = async () => {
    for (let i = next++; i < calls; i = next++) {
      const t0 = performance.now();
      const r = await conn.call();
      latencies[i] = (performance.now() - t0) * 1000;  // µs
      if (!conn.check(r)) wrong++;
    }
  };
  const mid0 = conn.middle.length ? cpuOf(conn.middle) : { ticks_us: 0, ns: 0 };
  const up0 = cpuOf([conn.upstream]);
  const drv0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const wall = performance.now() - t0;
  const drv = process.cpuUsage(drv0);
  const mid1 = conn.middle.length ? cpuOf(conn.middle) : { ticks_us: 0, ns: 0 };
  const up1 = cpuOf([conn.upstream]);
  if (wrong) throw new Error(`${conn.setup}: ${wrong} wrong answers`);
  return {
    p50: quantile(latencies, 0.5), p90: quantile(latencies, 0.9), p99: quantile(latencies, 0.99),
    callsPerSecond: calls / (wall / 1000),
    middleTicksUs: (mid1.ticks_us - mid0.ticks_us) / calls,
    middleNsUs: (mid1.ns - mid0.ns) / 1000 / calls,
    upstreamNsUs: (up1.ns - up0.ns) / 1000 / calls,
    driverUs: (drv.user + drv.system) / calls,
  };
}

export async function runOverhead({ gateway, server, rounds, calls, warmup, concurrency, log = console.log }) {
  const scratch = mkdtempSync(join(tmpdir(), 'mcp-htm-gw-overhead-'));
  const configPath = join(scratch, 'servers.json');
  writeFileSync(configPath, JSON.stringify({ mcpServers: { demo: { command: server, args: ['--flat', '--log-level', 'warning'] } } }));
  const conns = {};
  try {
    for (const setup of SETUPS) conns[setup] = await connect(setup, { gateway, server, configPath });
    const modes = [['sequential', 1], [`${concurrency} in flight`, concurrency]];
    const results = {};  // mode -> setup -> [batch per round]
    for (let round = 0; round < rounds; round++) {
      for (const [mode, inFlight] of modes) {
        const order = SETUPS.map((_, i) => SETUPS[(i + round) % SETUPS.length]);
        for (const setup of order) {
          await batch(conns[setup], warmup, inFlight);
          const b = await batch(conns[setup], calls, inFlight);
          ((results[mode] ??= {})[setup] ??= []).push(b);
        }
      }
      log(`  round ${round + 1}/${rounds} done`);
    }
    const summary = summarize(results, rounds);
    log(overheadTable(summary));
    return { rounds, calls, warmup, concurrency, summary, raw: results };
  } finally {
    for (const conn of Object.values(conns)) await conn.client.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}

function summarize(results, rounds) {
  const summary = {};
  for (const [mode, bySetup] of Object.entries(results)) {
    for (const setup of SETUPS) {
      const bs = bySetup[setup];
      const m = (key) => median(bs.map((b) => b[key]));
      const perRound = (key, f) => median(Array.from({ length: rounds }, (_, r) => f(bs[r][key], bySetup.direct[r][key])));
      (summary[mode] ??= {})[setup] = {
        p50: m('p50'), p90: m('p90'), p99: m('p99'), callsPerSecond: m('callsPerSecond'),
        middleTicksUs: m('middleTicksUs'), middleNsUs: m('middleNsUs'),
        upstreamNsUs: m('upstreamNsUs'), driverUs: m('driverUs'),
        p50Ratio: perRound('p50', (a, d) => a / d),
        p50AddedUs: perRound('p50', (a, d) => a - d),
        throughputRatio: perRound('callsPerSecond', (a, d) => a / d),
      };
    }
  }
  return summary;
}

export function overheadTable(summary) {
  const lines = [
    '| mode | setup | P50 µs | P90 µs | P99 µs | P50 vs direct (median of per-round ratios) | added P50 µs | calls/s | calls/s vs direct | middle CPU µs/call: stat ticks / schedstat | upstream CPU µs/call | driver CPU µs/call |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const [mode, bySetup] of Object.entries(summary)) {
    for (const [setup, s] of Object.entries(bySetup)) {
      const middle = setup === 'direct' ? '-' : `${fmt(s.middleTicksUs)} / ${fmt(s.middleNsUs)}`;
      const vs = setup === 'direct' ? '1' : `${fmt(s.p50Ratio, 3)} (${s.p50Ratio >= 1 ? '+' : ''}${fmt(100 * (s.p50Ratio - 1), 1)} %)`;
      lines.push(`| ${mode} | ${setup} | ${fmt(s.p50, 0)} | ${fmt(s.p90, 0)} | ${fmt(s.p99, 0)} | ${vs} | ${setup === 'direct' ? '0' : fmt(s.p50AddedUs, 0)} | ${fmt(s.callsPerSecond, 0)} | ${setup === 'direct' ? '1' : fmt(s.throughputRatio, 3)} | ${middle} | ${fmt(s.upstreamNsUs)} | ${fmt(s.driverUs)} |`);
    }
  }
  return lines.join('\n');
}
