// tests/gateway/harness.mjs -- what the gateway's Node tests share: a step runner, the
// official SDK client connected to mcp-htm-gateway, configs with a marker on every
// upstream, and /proc scans that find the upstream processes (and what they started).
//
// The marker: every upstream of a test config gets the environment variable
// MCP_HTM_GW_MARK=<run id>. Children inherit the environment, so every process an upstream
// starts (npx's shell and node, the fault server's `sleep`) carries it too, also after it
// has been reparented: "no upstream process left" is "no process with the marker".
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const here = dirname(fileURLToPath(import.meta.url));
export const packages = join(here, 'node_modules', '@modelcontextprotocol');

/// Exit 77 (ctest's skip) when `npm ci` has not installed this folder's packages.
export function skipUnlessInstalled(dir = here) {
  if (!existsSync(join(dir, 'node_modules', '@modelcontextprotocol', 'sdk', 'package.json'))) {
    console.log(`SKIP: ${dir}/node_modules is missing; run: npm ci --prefix ${dir}`);
    process.exit(77);
  }
}

/// `--name value` options of a test script.
export function options(argv = process.argv.slice(2)) {
  const result = {};
  for (let i = 0; i < argv.length; i++) {
    if (!argv[i].startsWith('--')) throw new Error(`unexpected argument ${argv[i]}`);
    const name = argv[i].slice(2);
    if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) result[name] = argv[++i];
    else result[name] = true;
  }
  return result;
}

// ---- steps --------------------------------------------------------------------------

/// Runs named steps in order; a failing step is reported (with the gateways' logs) and
/// the run goes on. finish() prints the tally and exits 1 if any step failed.
export class Steps {
  constructor() {
    this.passed = 0;
    this.failed = [];
    this.logs = [];  // functions returning the stderr of gateways started so far
  }
  /// `limitMs` bounds the step: a wedged gateway fails it instead of hanging the run.
  async step(name, fn, { limitMs = 60000 } = {}) {
    const t0 = performance.now();
    let timer;
    try {
      await Promise.race([fn(), new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the step took over ${limitMs} ms`)), limitMs);
      })]).finally(() => clearTimeout(timer));
      this.passed++;
      console.log(`ok   ${name} (${(performance.now() - t0).toFixed(0)} ms)`);
    } catch (e) {
      this.failed.push(name);
      console.log(`FAIL ${name} (${(performance.now() - t0).toFixed(0)} ms)\n     ${e?.stack ?? e}`);
      for (const log of this.logs) {
        const text = log();
        if (text) console.log(`     gateway stderr (last 4000 bytes):\n${text.slice(-4000)}`);
      }
    }
  }
  finish() {
    console.log(`${this.passed} passed, ${this.failed.length} failed`);
    for (const name of this.failed) console.log(`  failed: ${name}`);
    process.exit(this.failed.length ? 1 : 0);
  }
}

/// An assertion that documents a known defect of the gateway: it fails until the
/// gateway is fixed, and says so in its message.
export function gatewayBug(id, description, check) {
  try {
    check();
  } catch (e) {
    const label = `GATEWAY BUG ${id}: ${description}`;
    e.message = `${label}\n     ${e.message}`;
    e.stack = `${label}\n     ${e.stack}`;  // what Steps prints (captured before this)
    throw e;
  }
}

/// Polls `probe` (sync or async) until it returns a truthy value, which is returned.
/// Fails after `timeoutMs` with `what` and the last value seen.
export async function waitFor(what, probe, { timeoutMs = 10000, intervalMs = 20 } = {}) {
  const deadline = performance.now() + timeoutMs;
  let last;
  for (;;) {
    last = await probe();
    if (last) return last;
    if (performance.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${
        JSON.stringify(last)})`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

// ---- /proc --------------------------------------------------------------------------

/// One process as /proc shows it, or null when it is gone.
export function procStat(pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
  const close = text.lastIndexOf(')');
  const f = text.slice(close + 2).split(' ');
  return {
    pid: Number(pid),
    comm: text.slice(text.indexOf('(') + 1, close),
    state: f[0],
    ppid: Number(f[1]),
    pgid: Number(f[2]),
    utime: Number(f[11]),
    stime: Number(f[12]),
    start: Number(f[19]),
  };
}

function cmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
  } catch {
    return '';
  }
}

/// Every process now: [{pid, ppid, pgid, state, comm, start, cmd, env}] (env: raw).
export function processes() {
  const result = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = procStat(name);
    if (!stat) continue;
    let env = '';
    try {
      env = readFileSync(`/proc/${name}/environ`, 'latin1');
    } catch {
      // gone meanwhile, or not ours
    }
    result.push({ ...stat, cmd: cmdline(name), env });
  }
  return result;
}

/// The processes carrying this run's marker (see the top of this file).
export function marked(marker, table = processes()) {
  const needle = `\0MCP_HTM_GW_MARK=${marker}\0`;
  return table
    .filter((p) => `\0${p.env}`.includes(needle))
    .map(({ env, ...p }) => p);
}

/// Children of `pid` (any state, zombies included).
export function children(pid, table = processes()) {
  return table.filter((p) => p.ppid === pid).map(({ env, ...p }) => p);
}

/// Processes in any of `pgids` (a killed group leaves nothing behind).
export function inGroups(pgids, table = processes()) {
  const set = new Set(pgids);
  return table.filter((p) => set.has(p.pgid)).map(({ env, ...p }) => p);
}

export const brief = (list) => list.map((p) => `${p.pid}/${p.state} ${p.cmd || p.comm}`);

// ---- configs and the gateway ----------------------------------------------------------

export function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/// A unique marker for this run, and a function that adds it to a server entry's env.
/// Whatever still carries it when the test exits is killed (a failed step may leave a
/// wedged gateway's upstreams behind; the steps report them, this only cleans up).
export function makeMarker() {
  const marker = `${process.pid}-${Date.now().toString(36)}`;
  process.on('exit', () => {
    for (const p of marked(marker)) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
  });
  const mark = (entry) => ({ ...entry, env: { ...(entry.env ?? {}), MCP_HTM_GW_MARK: marker } });
  return { marker, mark };
}

/// The official SDK client connected to a fresh gateway serving `config` over stdio.
export async function startGateway(gateway, config, { args = [], dir, steps, env = {} } = {}) {
  const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
  const { StdioClientTransport } = await import('@modelcontextprotocol/sdk/client/stdio.js');
  const path = join(dir, `servers-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify(config, null, 2));
  const transport = new StdioClientTransport({
    command: gateway,
    args: ['--config', path, ...args],
    // npx must resolve from node_modules without the network.
    env: { ...process.env, npm_config_offline: 'true', npm_config_update_notifier: 'false', ...env },
    stderr: 'pipe',
  });
  // The gateway's log, each line stamped with the ms since it started (for failures).
  let stderr = '';
  const born = performance.now();
  transport.stderr?.on('data', (d) => {
    const stamp = `[${(performance.now() - born).toFixed(0).padStart(6)} ms] `;
    stderr += String(d).replace(/^(?=.)/gm, stamp);
  });
  steps?.logs.push(() => stderr);
  const client = new Client({ name: 'mcp-htm-gateway-test', version: '0.1.0' }, { capabilities: {} });
  const notifications = [];
  client.fallbackNotificationHandler = async (n) => notifications.push(n);
  await client.connect(transport);
  const child = transport._process;  // for the exit status
  process.on('exit', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal, at: performance.now() }));
  });
  return {
    client,
    transport,
    pid: transport.pid,
    notifications,
    stderr: () => stderr,
    exited,
    /// Closes stdin as an MCP client does and waits for the gateway to exit by itself
    /// (up to `patienceMs`; then SIGKILL, reported as signal 'SIGKILL'). Unlike the SDK's
    /// close(), which sends SIGTERM after 2 s, nothing but the end of input asks it to go.
    async close({ patienceMs = 15000 } = {}) {
      const t0 = performance.now();
      child.stdin.end();
      let timer;
      const late = new Promise((resolve) => {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          resolve(null);
        }, patienceMs);
      });
      const status = (await Promise.race([exited, late])) ?? { ...(await exited), killed: true };
      clearTimeout(timer);
      await client.close();
      return { code: status.code, signal: status.signal, killed: !!status.killed, ms: status.at - t0 };
    },
  };
}

/// The CallToolResult's structuredContent (the meta-tools always have one).
export function structured(result) {
  assert.ok(result.structuredContent, `no structuredContent in ${JSON.stringify(result)}`);
  return result.structuredContent;
}

/// tools_dispatch of one upstream tool; the meta-tool's structured answer
/// ({status, result | error, error_code, ...}).
export const requestTimeoutMs = 20000;
export async function dispatch(client, category, tool, params = {}, requestOptions) {
  const result = await client.callTool(
    { name: 'tools_dispatch', arguments: { category, tool, params } }, undefined,
    { timeout: requestTimeoutMs, ...requestOptions });
  return structured(result);
}

/// The upstream CallToolResult of a successful dispatch.
export function upstreamResult(answer) {
  assert.equal(answer.status, 'success', `dispatch failed: ${JSON.stringify(answer)}`);
  return answer.result;
}

/// The first text content of a CallToolResult.
export function text(callToolResult) {
  const item = callToolResult.content?.find((c) => c.type === 'text');
  assert.ok(item, `no text content in ${JSON.stringify(callToolResult)}`);
  return item.text;
}
