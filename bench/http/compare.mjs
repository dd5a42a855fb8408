#!/usr/bin/env node
// bench/http/compare.mjs -- `mcp-htm-server --http` against the official TypeScript SDK's
// Streamable HTTP server (peer-server.mjs), measured with driver.mjs, rounds interleaved.
//
//   node bench/http/compare.mjs [--build build/release] [--rounds 3] [--calls 3000]
//        [--warmup 1000] [--concurrency 1,32,256] [--idle-sessions 1000] [--threads 1]
//        [--servers peer,htm,peer-stateless,htm-stateless,peer-sse,htm-sse]
//        [--quick] [--json OUT] [--skip-if-missing]
//
// Servers (every one serves at /mcp on an ephemeral loopback port; the tool returns "ok"):
//   peer                 the SDK server, stateful, JSON responses (enableJsonResponse: true)
//   peer-sse             the same, SSE responses (the SDK's default)
//   peer-stateless       the SDK server, stateless (a new server + transport per request), JSON
//   peer-stateless-sse   the same, SSE responses
//   htm                  mcp-htm-server --flat --http, stateful, tool util.noop (JSON responses)
//   htm-stateless        the same with --stateless
//   htm-sse              mcp-htm-server --http in its hierarchical mode: tools_dispatch_parallel
//                        of one util.noop with a progressToken, so the answer is an SSE stream
//                        (a progress event, then the response); the flat mode has no tool that
//                        reports progress, and a plain call is always answered as JSON. More
//                        work than the peer's no-op: compare it with peer-sse as an upper bound.
// Each server's row is paired with a peer row (htm -> peer, htm-stateless -> peer-stateless,
// htm-sse -> peer-sse) for the ratios.
//
// For every round, concurrency and server: a fresh server, then one driver run: C sessions
// open (initialize + notifications/initialized), `--warmup` calls, then `--calls` measured
// calls in a closed loop (one in flight per session). The server's CPU (user + system, all
// threads, /proc) is read at the two call counts that bound the measured calls: their
// difference / calls is the marginal CPU per call. Then, per round, the idle-session
// memory of every stateful server: a fresh server, 50 warm-up sessions, VmRSS, `--idle-
// sessions` more sessions left idle (their connections closed), VmRSS again.
// Reported: medians over rounds; ratios per round (paired rows of the same round), then
// their median. The machine is shared: compare only rows of one run.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const { values: v } = parseArgs({
  options: {
    build: { type: 'string', default: join(repo, 'build/release') },
    server: { type: 'string' },  // an mcp-htm-server binary (default: BUILD/examples/mcp-htm-server)
    rounds: { type: 'string' },
    calls: { type: 'string' },
    warmup: { type: 'string' },
    concurrency: { type: 'string' },
    'idle-sessions': { type: 'string' },
    threads: { type: 'string', default: '1' },
    servers: { type: 'string', default: 'peer,htm,peer-stateless,htm-stateless,peer-sse,htm-sse' },
    quick: { type: 'boolean', default: false },
    json: { type: 'string' },
    'skip-if-missing': { type: 'boolean', default: false },
  },
});
// --quick: a smoke run (seconds); explicit options still win.
const defaults = v.quick
  ? { rounds: '1', calls: '200', warmup: '50', concurrency: '1,32', 'idle-sessions': '100' }
  : { rounds: '3', calls: '3000', warmup: '1000', concurrency: '1,32,256', 'idle-sessions': '1000' };
const int = (name, min = 0) => {
  const n = Number(v[name] ?? defaults[name]);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}`);
  return n;
};
const rounds = int('rounds', 1);
const calls = int('calls', 1);
const warmup = int('warmup');
const idleSessions = int('idle-sessions');  // 0: no memory measurement
const threads = int('threads', 1);
const concurrencies = (v.concurrency ?? defaults.concurrency).split(',').map(Number);
if (!concurrencies.every((c) => Number.isInteger(c) && c > 0)) throw new Error('bad --concurrency');
const skip = (why) => {
  process.stdout.write(`SKIP: ${why}\n`);
  process.exit(77);  // ctest's skip code
};

// The peer's packages (pinned in package-lock.json), installed beside it.
if (!existsSync(join(here, 'node_modules/@modelcontextprotocol/sdk/package.json'))) {
  if (v['skip-if-missing']) skip(`npm packages not installed: npm ci --prefix ${here}`);
  process.stderr.write(`installing the peer's packages: npm ci in ${here}\n`);
  const npm = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: here, stdio: 'inherit' });
  if (npm.status !== 0) throw new Error(`npm ci in ${here} failed`);
}
const chosen = v.servers.split(',');
const htmBin = resolve(v.server ?? join(v.build, 'examples/mcp-htm-server'));
if (chosen.some((s) => s.startsWith('htm')) && !existsSync(htmBin)) {
  if (v['skip-if-missing']) skip(`${htmBin} is missing`);
  throw new Error(`${htmBin} is missing: cmake --preset release && cmake --build build/release --target mcp-htm-server`);
}

const node = process.execPath;
const peerCmd = (...a) => [node, join(here, 'peer-server.mjs'), '--listen', '127.0.0.1:0', ...a];
const htmCmd = (...a) => [htmBin, '--http', '127.0.0.1:0', '--log-level', 'warning', '--threads', String(threads), ...a];
const servers = {
  peer: { cmd: peerCmd(), mode: 'stateful', responses: 'JSON', tool: [] },
  htm: { cmd: htmCmd('--flat'), mode: 'stateful', responses: 'JSON', tool: [], peer: 'peer' },
  'peer-stateless': { cmd: peerCmd('--stateless'), mode: 'stateless', responses: 'JSON', tool: [], stateless: true },
  'htm-stateless': { cmd: htmCmd('--flat', '--stateless'), mode: 'stateless', responses: 'JSON', tool: [], stateless: true, peer: 'peer-stateless' },
  'peer-sse': { cmd: peerCmd('--sse'), mode: 'stateful', responses: 'SSE', tool: [] },
  'htm-sse': {
    cmd: htmCmd(), mode: 'stateful', responses: 'SSE',
    tool: ['--tool', 'tools_dispatch_parallel', '--args', '{"calls":[{"category":"util","tool":"noop"}]}', '--progress'],
    peer: 'peer-sse',
  },
  'peer-stateless-sse': { cmd: peerCmd('--stateless', '--sse'), mode: 'stateless', responses: 'SSE', tool: [], stateless: true },
};
for (const s of chosen) if (!servers[s]) throw new Error(`unknown server ${s} (known: ${Object.keys(servers).join(', ')})`);

// ---------------------------------------------------------------------------------------

/** Starts a server; resolves {child, pid, url} once it says `listening on http://H:P/mcp`. */
function start(name) {
  const [cmd, ...args] = servers[name].cmd;
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
  return new Promise((resolveStart, reject) => {
    let text = '';
    let url;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name}: no "listening on" line within 15 s; stderr:\n${text}`));
    }, 15000);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d) => {
      if (url) return process.stderr.write(d);
      text += d;
      const m = /listening on (http:\/\/(?:\[[^\]]+\]|[^\s:/]+):\d+\/mcp)/.exec(text);
      if (!m) return;
      clearTimeout(timer);
      url = m[1];
      const rest = text.slice(text.indexOf('\n', m.index) + 1);
      if (rest) process.stderr.write(rest);
      resolveStart({ child, pid: child.pid, url, exited });
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      if (!url) reject(new Error(`${name} exited (${code ?? signal}) before listening; stderr:\n${text}`));
    });
  });
}

async function stop(s) {
  s.child.kill('SIGTERM');
  const kill = setTimeout(() => s.child.kill('SIGKILL'), 10000);
  await s.exited;
  clearTimeout(kill);
}

/** Runs driver.mjs; resolves its report (stdout's last line), with `driver_exit`. */
function driver(args) {
  return new Promise((resolveRun) => {
    const child = spawn(node, [join(here, 'driver.mjs'), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => {
      let report = { errors: -1 };
      try {
        report = JSON.parse(out.trim().split('\n').pop());
      } catch {
        // no report: the handshake failed (the driver said why on stderr)
      }
      resolveRun({ ...report, driver_exit: code });
    });
  });
}

async function measure(name, c) {
  const s = await start(name);
  try {
    return await driver(['--url', s.url, '--pid', String(s.pid), '--sessions', String(c),
      '--calls', String(calls), '--warmup', String(warmup),
      ...(servers[name].stateless ? ['--stateless'] : []), ...servers[name].tool]);
  } finally {
    await stop(s);
  }
}

async function measureIdle(name) {
  const s = await start(name);
  try {
    return await driver(['--url', s.url, '--pid', String(s.pid), '--idle-sessions', String(idleSessions)]);
  } finally {
    await stop(s);
  }
}

const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return undefined;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const t0 = performance.now();
const samples = {};  // `${name}/${c}` -> [report per round]
const idle = {};     // name -> [report per round]
const idleServers = idleSessions > 0 ? chosen.filter((n) => !servers[n].stateless && n !== 'htm-sse' && n !== 'peer-sse') : [];
let failures = 0;
for (let round = 1; round <= rounds; ++round) {
  for (const c of concurrencies) {
    for (const name of chosen) {
      const r = await measure(name, c);
      (samples[`${name}/${c}`] ??= []).push(r);
      if (r.errors !== 0 || r.driver_exit !== 0) failures++;
      process.stderr.write(`round ${round}/${rounds} c=${c} ${name}: ${r.calls_per_s} calls/s, p50 ${r.p50_us} µs, ` +
        `server ${r.cpu_us_per_call} µs/call, driver ${r.driver_cpu_us_per_call} µs/call, errors ${r.errors}\n`);
    }
  }
  for (const name of idleServers) {
    const r = await measureIdle(name);
    (idle[name] ??= []).push(r);
    if (r.errors !== 0 || r.driver_exit !== 0) failures++;
    process.stderr.write(`round ${round}/${rounds} idle ${name}: ${r.bytes_per_session} bytes/session ` +
      `(${r.rss_before_kib} -> ${r.rss_after_kib} KiB)\n`);
  }
}
const elapsedS = (performance.now() - t0) / 1000;

const rows = [];
for (const c of concurrencies) {
  for (const name of chosen) {
    const s = samples[`${name}/${c}`];
    const pair = servers[name].peer && samples[`${servers[name].peer}/${c}`];
    const perRound = (f) => s.map((x, i) => f(x, pair?.[i]));
    const row = {
      server: name, mode: servers[name].mode, responses: [...new Set(s.flatMap((x) => x.content_types ?? []))].join('+'),
      concurrency: c, rounds: s.length,
      calls_per_s: median(perRound((x) => x.calls_per_s)),
      p50_us: median(perRound((x) => x.p50_us)),
      p90_us: median(perRound((x) => x.p90_us)),
      p99_us: median(perRound((x) => x.p99_us)),
      cpu_us_per_call: median(perRound((x) => x.cpu_us_per_call)),
      driver_cpu_us_per_call: median(perRound((x) => x.driver_cpu_us_per_call)),
      errors: s.reduce((a, x) => a + (x.errors < 0 ? calls : x.errors), 0),
    };
    if (pair) {
      row.peer = servers[name].peer;
      row.peer_cpu_over_ours = median(perRound((x, p) => p.cpu_us_per_call / x.cpu_us_per_call));
      row.ours_calls_per_s_over_peer = median(perRound((x, p) => x.calls_per_s / p.calls_per_s));
      row.peer_p50_over_ours = median(perRound((x, p) => p.p50_us / x.p50_us));
      row.peer_p99_over_ours = median(perRound((x, p) => p.p99_us / x.p99_us));
    }
    rows.push(row);
  }
}
const memory = idleServers.map((name) => {
  const s = idle[name];
  const pairName = servers[name].peer;
  const pair = pairName && idle[pairName];
  const row = {
    server: name, idle_sessions: idleSessions, rounds: s.length,
    rss_before_kib: median(s.map((x) => x.rss_before_kib)),
    rss_after_kib: median(s.map((x) => x.rss_after_kib)),
    bytes_per_session: median(s.map((x) => x.bytes_per_session)),
  };
  if (pair) row.peer_over_ours = median(s.map((x, i) => pair[i].bytes_per_session / x.bytes_per_session));
  return row;
});

const f = (x, d = 1) => (x === undefined || x === null || Number.isNaN(x) ? '' : x.toFixed(d));
const lines = [
  `${rounds} round(s), ${warmup} warm-up + ${calls} measured calls per run, one call in flight per session; ` +
  `medians over rounds; ratios per round against the paired peer row, then the median; ${elapsedS.toFixed(0)} s.`,
  '',
  '| server | mode | responses | sessions | calls/s | p50 µs | p90 µs | p99 µs | server CPU µs/call | driver CPU µs/call | peer/ours CPU | ours/peer calls/s | peer/ours p50 | peer/ours p99 | errors |',
  '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map((r) => `| ${r.server} | ${r.mode} | ${r.responses} | ${r.concurrency} | ${f(r.calls_per_s, 0)} | ${f(r.p50_us)} | ${f(r.p90_us)} | ${f(r.p99_us)} | ${f(r.cpu_us_per_call)} | ${f(r.driver_cpu_us_per_call)} | ${f(r.peer_cpu_over_ours)} | ${f(r.ours_calls_per_s_over_peer)} | ${f(r.peer_p50_over_ours)} | ${f(r.peer_p99_over_ours)} | ${r.errors} |`),
];
if (memory.length) {
  lines.push('', `Idle sessions: ${idleSessions} sessions opened after 50 warm-up sessions, left idle, their connections closed; VmRSS before and after.`, '',
    '| server | RSS before MiB | RSS after MiB | KiB per idle session | peer/ours |', '|---|---:|---:|---:|---:|',
    ...memory.map((m) => `| ${m.server} | ${f(m.rss_before_kib / 1024)} | ${f(m.rss_after_kib / 1024)} | ${f(m.bytes_per_session / 1024, 2)} | ${f(m.peer_over_ours)} |`));
}
process.stdout.write(lines.join('\n') + '\n');
if (v.json) writeFileSync(v.json, JSON.stringify({ rounds, calls, warmup, concurrencies, idleSessions, threads, elapsedS, rows, memory, samples, idle }, null, 1));
if (failures) {
  process.stderr.write(`compare: ${failures} run(s) had unanswered or failed calls\n`);
  process.exit(1);
}
