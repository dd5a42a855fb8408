// The `mcp-htm-server --http` process for the HTTP tests, and their waiting helpers.
// Every wait has a deadline; nothing sleeps to synchronise.
import { spawn } from 'node:child_process';

const children = new Set();
process.on('exit', () => { for (const c of children) c.kill('SIGKILL'); });

/// `promise`, or a rejection naming `what` after `ms`.
export function withDeadline(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms); }),
  ]).finally(() => clearTimeout(timer));
}

/// Calls `probe` until it returns something other than undefined (or `deadline` ms pass).
export async function until(probe, deadline, what) {
  const end = performance.now() + deadline;
  for (;;) {
    const r = await probe();
    if (r !== undefined) return r;
    if (performance.now() > end) throw new Error(`condition not met within ${deadline} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));  // poll interval, not a synchronisation
  }
}

/// Starts `server --http ADDR:PORT ...args` and resolves once its stderr says
/// `listening on http://ADDR:PORT/mcp`: {child, stderr, exited, exit, host, port, url}.
export function startServer(server, args = [], { listen = '127.0.0.1:0' } = {}) {
  const child = spawn(server, ['--http', listen, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.add(child);
  const s = { child, stderr: '', exited: null, port: 0, host: '' };
  s.exit = new Promise((resolve) => child.on('exit', (code, signal) => {
    children.delete(child);
    s.exited = { code, signal };
    resolve(s.exited);
  }));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no "listening on" line within 10 s; stderr:\n${s.stderr}`));
    }, 10000);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d) => {
      s.stderr += d;
      if (s.port) return;
      const m = /listening on http:\/\/(\[[^\]]+\]|[^\s:/]+):(\d+)\/mcp/.exec(s.stderr);
      if (m) {
        clearTimeout(timer);
        s.host = m[1];
        s.port = Number(m[2]);
        s.url = new URL(`http://127.0.0.1:${s.port}/mcp`);
        resolve(s);
      }
    });
    s.exit.then(({ code, signal }) => {
      clearTimeout(timer);
      if (!s.port) reject(new Error(`server exited (${code ?? signal}) before listening; stderr:\n${s.stderr}`));
    });
  });
}

/// Sends `signal`, then resolves with the exit status (SIGKILL and a failure after `ms`).
export async function stopServer(s, signal = 'SIGTERM', ms = 5000) {
  if (s.exited) return s.exited;
  s.child.kill(signal);
  return withDeadline(s.exit, ms, `server exit after ${signal}`).catch((e) => {
    s.child.kill('SIGKILL');
    throw e;
  });
}
