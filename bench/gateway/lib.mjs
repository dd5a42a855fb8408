// bench/gateway/lib.mjs -- what the gateway bench's parts share: a raw JSON-RPC stdio
// client that counts the bytes of every answer, CPU readings from /proc, statistics.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const here = dirname(fileURLToPath(import.meta.url));
export const packages = join(here, 'node_modules');

// ---- statistics ---------------------------------------------------------------------

export const median = (xs) => quantile(xs, 0.5);
export function quantile(xs, q) {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}
export const fmt = (x, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');

// ---- CPU from /proc -----------------------------------------------------------------

const TICK_US = 1e6 / 100;  // USER_HZ is 100 on Linux (getconf CLK_TCK)

/// CPU used so far by the processes `pids` (all their threads): `ticks_us` from
/// /proc/PID/stat utime+stime (10 ms resolution), `ns` from /proc/PID/task/*/schedstat
/// (the scheduler's run time, nanoseconds).
export function cpuOf(pids) {
  let ticks = 0;
  let ns = 0;
  for (const pid of pids) {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(f[11]) + Number(f[12]);
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // a thread that just ended
      }
    }
  }
  return { ticks_us: ticks * TICK_US, ns };
}

/// The children of `pid` as [{pid, comm}].
export function childrenOf(pid) {
  const result = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(f[1]) === pid) {
        result.push({ pid: Number(name), comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) });
      }
    } catch {
      // gone meanwhile
    }
  }
  return result;
}

/// Polls `probe` until it returns something truthy (a deadline, no fixed sleep).
export async function waitFor(what, probe, timeoutMs = 20000) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// ---- a raw stdio client that counts bytes ----------------------------------------------

/// An MCP server over stdio, spoken to without the SDK so the exact bytes of each
/// answer (one line, its newline included) are known.
export class RawClient {
  constructor(command, args, { env, cwd } = {}) {
    this.child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env }, cwd });
    this.stderr = '';
    this.child.stderr.on('data', (d) => (this.stderr += d));
    this.pending = new Map();
    this.nextId = 1;
    this.received = 0;  // every byte read from the server
    let buffer = '';
    this.child.stdout.on('data', (chunk) => {
      this.received += chunk.length;
      buffer += chunk;
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        let message;
        try {
          message = JSON.parse(line);
        } catch {
          continue;
        }
        const waiter = message.id !== undefined && this.pending.get(message.id);
        if (waiter && (message.result !== undefined || message.error !== undefined)) {
          this.pending.delete(message.id);
          waiter({ message, bytes: Buffer.byteLength(line) + 1 });
        }
      }
    });
    this.exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.once('exit', () => {
      for (const waiter of this.pending.values()) waiter({ message: { error: { message: `exited: ${this.stderr.slice(-500)}` } }, bytes: 0 });
    });
  }
  request(method, params = {}) {
    const id = this.nextId++;
    const answer = new Promise((resolve) => this.pending.set(id, resolve));
    this.child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
    return answer.then((a) => {
      if (a.message.error) throw new Error(`${method}: ${JSON.stringify(a.message.error)}`);
      return a;
    });
  }
  notify(method, params = {}) {
    this.child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method, params })}\n`);
  }
  async initialize() {
    const answer = await this.request('initialize', {
      protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '0.1.0' },
    });
    this.notify('notifications/initialized');
    return answer;
  }
  /// tools/list, every page: the tools and the bytes of all pages.
  async listTools() {
    const tools = [];
    let bytes = 0;
    let cursor;
    do {
      const page = await this.request('tools/list', cursor ? { cursor } : {});
      bytes += page.bytes;
      tools.push(...page.message.result.tools);
      cursor = page.message.result.nextCursor;
    } while (cursor);
    return { tools, bytes };
  }
  async callTool(name, args) {
    const answer = await this.request('tools/call', { name, arguments: args });
    return { result: answer.message.result, bytes: answer.bytes };
  }
  async close() {
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10000);
    await this.exited;
    clearTimeout(timer);
  }
}
