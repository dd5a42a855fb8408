// tests/scale/cluster.mjs -- N `mcp-htm-server --http` nodes behind a real HAProxy or nginx,
// on loopback ports, with the balancer configs of deploy/ rendered by deploy/render.mjs.
// Shared by the scale test and the throughput bench (bench/scale). Every process started
// here is stopped by `Cluster.stop()`, and on exit (a failed run included).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import * as proc from '../e2e/http_server_process.mjs';
import { renderFile } from '../../deploy/render.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const repo = join(here, '..', '..');
export const templates = {
  haproxy: join(repo, 'deploy', 'haproxy', 'mcp-htm.cfg.in'),
  'nginx-sessions': join(repo, 'deploy', 'nginx', 'mcp-htm-sessions.conf.in'),
  'nginx-stateless': join(repo, 'deploy', 'nginx', 'mcp-htm-stateless.conf.in'),
};
export const { withDeadline, until } = proc;

/// The Host name the nodes are told to accept (--allowed-host), as behind a real proxy.
export const PUBLIC_HOST = 'mcp.example.test';

// Balancer processes: nginx's master is stopped with SIGTERM (a SIGKILLed master leaves its
// worker running), HAProxy's single process with SIGKILL.
const balancers = new Set();
process.on('exit', () => {
  for (const b of balancers) b.child.kill(b.exitSignal);
});

/// The balancer programs: from PATH, or MCP_HTM_HAPROXY / MCP_HTM_NGINX (what CMake found).
export const programs = {
  haproxy: process.env.MCP_HTM_HAPROXY || 'haproxy',
  nginx: process.env.MCP_HTM_NGINX || 'nginx',
};

/// Whether balancer `name` can be run.
export function have(name) {
  return spawnSync(programs[name], ['-v'], { stdio: 'ignore' }).status === 0;
}

/// A loopback port that was free a moment ago (the balancers need theirs before they start).
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/// Resolves once something accepts TCP connections on 127.0.0.1:port.
export function waitForPort(port, ms, what) {
  return until(() => new Promise((resolve) => {
    const c = net.connect(port, '127.0.0.1');
    c.once('connect', () => { c.destroy(); resolve(true); });
    c.once('error', () => resolve(undefined));
  }), ms, what);
}

/// PIDs of the children of `pid` (from /proc).
export function childrenOf(pid) {
  const out = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // gone between readdir and read
    }
  }
  return out;
}

/// Whether process `pid` exists and is not a zombie.
export function alive(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

function spawnBalancer(command, args, exitSignal) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const b = { child, exitSignal, output: '', exited: null };
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding('utf8');
    stream.on('data', (d) => { b.output = (b.output + d).slice(-(process.env.SCALE_DEBUG ? 16 << 20 : 64 << 10)); });
  }
  b.exit = new Promise((resolve) => child.on('exit', (code, signal) => {
    balancers.delete(b);
    b.exited = { code, signal };
    resolve(b.exited);
  }));
  balancers.add(b);
  return b;
}

/**
 * Nodes and a balancer. `kind`: 'haproxy' | 'nginx' | 'direct' (no balancer: node 0's own
 * port). `mode`: 'sessions' | 'stateless'.
 */
export class Cluster {
  constructor({ server, kind, mode = 'sessions', nodes = 3, nodeArgs = [], settings = {} }) {
    Object.assign(this, { server, kind, mode, count: nodes, nodeArgs, settings });
    this.nodes = [];  // {id, s (the process of http_server_process.mjs), port, url}
    this.dir = mkdtempSync(join(tmpdir(), `mcp-htm-scale-${kind}-`));
    this.balancer = undefined;
    this.workers = [];  // nginx's worker PIDs at stop, checked gone
  }

  /// Starts the nodes and the balancer; resolves when the balancer routes to every node.
  async start() {
    for (let i = 1; i <= this.count; i++) await this.startNode(`n${i}`);
    if (this.kind === 'direct') {
      this.url = this.nodes[0].url;
      return this;
    }
    if (!['haproxy', 'nginx'].includes(this.kind)) throw new Error(`unknown balancer ${this.kind}`);
    // A port found free can be taken by someone else before the balancer binds it: then the
    // balancer exits at once, and it is started again on other ports.
    for (let attempt = 1; ; attempt++) {
      this.port = await freePort();
      this.url = new URL(`http://127.0.0.1:${this.port}/mcp`);
      try {
        if (this.kind === 'haproxy') await this.startHaproxy();
        else await this.startNginx();
        return this;
      } catch (e) {
        if (attempt >= 3 || !this.balancer?.exited) throw e;
      }
    }
  }

  async startNode(id) {
    const args = ['--node-id', id, '--allowed-host', PUBLIC_HOST, ...this.nodeArgs];
    if (this.mode === 'stateless') args.push('--stateless');
    const s = await proc.startServer(this.server, args);
    const node = { id, s, port: s.port, url: s.url, addr: `127.0.0.1:${s.port}` };
    this.nodes.push(node);
    return node;
  }

  node(id) {
    const n = this.nodes.find((x) => x.id === id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  nodeList() {
    return this.nodes.map((n) => ({ id: n.id, addr: n.addr }));
  }

  async startHaproxy() {
    this.statsPort = await freePort();
    const config = join(this.dir, 'haproxy.cfg');
    writeFileSync(config, renderFile(templates.haproxy, {
      listen: `127.0.0.1:${this.port}`,
      stats_listen: `127.0.0.1:${this.statsPort}`,
      log: `stderr format raw local0 ${process.env.SCALE_DEBUG ? 'info' : 'notice'}`,
      ...this.settings,
    }, this.nodeList()));
    this.config = config;
    this.balancer = spawnBalancer(programs.haproxy, ['-db', '-f', config], 'SIGKILL');
    await this.waitBalancer(() => this.haproxyStates().then((states) => (
      this.nodes.every((n) => states[n.id]?.status === 'UP') ? true : undefined), () => undefined), 'HAProxy: every node UP');
  }

  async startNginx() {
    mkdirSync(join(this.dir, 'tmp'), { recursive: true });
    mkdirSync(join(this.dir, 'logs'), { recursive: true });
    // As root, nginx's worker runs as nobody: it must reach its temp directories.
    chmodSync(this.dir, 0o755);
    const template = this.mode === 'stateless' ? templates['nginx-stateless'] : templates['nginx-sessions'];
    const site = join(this.dir, 'mcp-htm.conf');
    writeFileSync(site, renderFile(template, { listen: `127.0.0.1:${this.port}`, ...this.settings }, this.nodeList()));
    const main = join(this.dir, 'nginx.conf');
    writeFileSync(main, renderFile(join(here, 'nginx-main.conf.in'), { prefix: this.dir, include: site }, []));
    this.config = site;
    this.balancer = spawnBalancer(programs.nginx, ['-p', this.dir, '-c', main, '-g',
      `daemon off; pid ${this.dir}/nginx.pid; error_log stderr notice;`], 'SIGTERM');
    await this.waitBalancer(() => waitForPort(this.port, 200, 'nginx port').catch(() => undefined), 'nginx listening');
  }

  async waitBalancer(probe, what) {
    try {
      await until(async () => {
        if (this.balancer.exited) throw new Error(`${this.kind} exited (${JSON.stringify(this.balancer.exited)})`);
        return probe();
      }, 10000, what);
    } catch (e) {
      e.message += `\n${this.kind} output:\n${this.balancer.output}`;
      throw e;
    }
  }

  /// HAProxy's view of each node: {id: {status: 'UP'|'DOWN'|..., check: 'L7STS'..., code, sessions}}.
  async haproxyStates() {
    const res = await fetch(`http://127.0.0.1:${this.statsPort}/stats;csv`);
    const text = await res.text();
    const [head, ...rows] = text.split('\n').filter((l) => l.trim());
    const cols = head.replace(/^# /, '').split(',');
    const states = {};
    for (const row of rows) {
      const f = Object.fromEntries(row.split(',').map((v, i) => [cols[i], v]));
      if (f.pxname !== 'mcp_nodes' || ['FRONTEND', 'BACKEND'].includes(f.svname)) continue;
      states[f.svname] = { status: f.status, check: f.check_status, code: f.check_code, total: Number(f.stot) };
    }
    return states;
  }

  /// Stops everything started (SIGKILL for the nodes, SIGTERM for nginx), and checks that
  /// no process is left: the balancer, its workers and every node have exited.
  async stop() {
    const nodeExits = this.nodes.map((n) => (n.s.exited ? undefined : proc.stopServer(n.s, 'SIGKILL', 5000)));
    const b = this.balancer;
    if (b && !b.exited) {
      // nginx's workers, as they are now (they fork after the port is bound).
      if (this.kind === 'nginx') this.workers = childrenOf(b.child.pid);
      b.child.kill(b.exitSignal);
      await withDeadline(b.exit, 5000, `${this.kind} exit`);
    }
    await Promise.all(nodeExits);
    if (this.workers.length) {
      await until(() => (this.workers.some(alive) ? undefined : true), 5000, 'nginx workers gone');
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  /// Every node's stderr and the balancer's output, for a failure report.
  logs() {
    const parts = this.nodes.map((n) => `--- node ${n.id} (port ${n.port}) stderr:\n${n.s.stderr.slice(-4000)}`);
    if (this.balancer) parts.push(`--- ${this.kind} output:\n${this.balancer.output.slice(-4000)}`);
    return parts.join('\n');
  }
}
