#!/usr/bin/env node
// Drives `mcp-htm-server --http` with raw HTTP/1.1 over node:net (no SDK, no dependencies)
// and checks every refusal (status and JSON-RPC error body), that serving goes on, slow
// clients, pipelining, chunked bodies, SSE streams, stateless mode, session limits and
// draining on SIGTERM.
//   node raw_http.mjs /path/to/mcp-htm-server
// Exit code: 0 passed, 1 failed. Every wait has a deadline; nothing sleeps to synchronise.
import assert from 'node:assert/strict';
import net from 'node:net';

import * as proc from './http_server_process.mjs';

const server = process.argv[2];
if (!server) {
  console.error('usage: node raw_http.mjs /path/to/mcp-htm-server');
  process.exit(2);
}

const LATEST = '2025-11-25';

// ---------------------------------------------------------------------------------------
// The server process.

const startServer = (args, options) => proc.startServer(server, args, options);
const stopServer = (s) => proc.stopServer(s);
const { withDeadline, until } = proc;

// ---------------------------------------------------------------------------------------
// A raw HTTP/1.1 connection: writes bytes, parses responses (Content-Length, chunked or
// close-delimited bodies) and SSE streams incrementally.

class Closed extends Error {}

class Conn {
  constructor(port, host = '127.0.0.1') {
    this.socket = net.connect({ port, host });
    this.socket.setNoDelay(true);
    this.buf = Buffer.alloc(0);
    this.closed = false;
    this.error = null;
    this.wake = null;
    this.connected = new Promise((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('error', reject);
    });
    this.ended = new Promise((resolve) => this.socket.once('close', () => resolve(performance.now())));
    this.socket.on('data', (d) => { this.buf = Buffer.concat([this.buf, d]); this.notify(); });
    this.socket.on('end', () => { this.closed = true; this.notify(); });
    this.socket.on('close', () => { this.closed = true; this.notify(); });
    this.socket.on('error', (e) => { this.error = e; this.closed = true; this.notify(); });
  }
  notify() { const w = this.wake; this.wake = null; w?.(); }
  write(data) { this.socket.write(data); }
  destroy() { this.socket.destroy(); }
  /// Waits until `fn()` returns something other than undefined; fails on close or deadline.
  async waitFor(fn, ms, what) {
    const end = performance.now() + ms;
    for (;;) {
      const r = fn();
      if (r !== undefined) return r;
      if (this.closed) throw new Closed(`connection closed while waiting for ${what} (buffered: ${JSON.stringify(this.buf.toString('latin1').slice(0, 300))})`);
      const left = end - performance.now();
      if (left <= 0) throw new Error(`timed out after ${ms} ms waiting for ${what} (buffered: ${JSON.stringify(this.buf.toString('latin1').slice(0, 300))})`);
      await new Promise((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => { clearTimeout(t); resolve(); };
      });
    }
  }
  take(n) { const out = this.buf.subarray(0, n); this.buf = this.buf.subarray(n); return out; }

  /// The status line and headers of the next response (skips 1xx).
  async readHead(ms = 5000) {
    for (;;) {
      const head = await this.waitFor(() => {
        const i = this.buf.indexOf('\r\n\r\n');
        return i < 0 ? undefined : this.take(i + 4).toString('latin1');
      }, ms, 'response headers');
      const [statusLine, ...lines] = head.slice(0, -4).split('\r\n');
      const m = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(statusLine);
      assert.ok(m, `bad status line ${JSON.stringify(statusLine)}`);
      const headers = {};
      for (const l of lines) {
        const c = l.indexOf(':');
        const k = l.slice(0, c).trim().toLowerCase();
        const v = l.slice(c + 1).trim();
        headers[k] = headers[k] === undefined ? v : `${headers[k]}, ${v}`;
      }
      const status = Number(m[1]);
      if (status >= 100 && status < 200) continue;
      this.bodyMode = status === 204 || status === 304 || this.lastMethod === 'HEAD' ? 'none'
        : /chunked/i.test(headers['transfer-encoding'] ?? '') ? 'chunked'
          : headers['content-length'] !== undefined ? 'length' : 'close';
      this.remaining = Number(headers['content-length'] ?? 0);
      this.bodyDone = this.bodyMode === 'none' || (this.bodyMode === 'length' && this.remaining === 0);
      this.decoded = '';
      return { status, reason: m[2] ?? '', headers };
    }
  }
  /// Moves whatever body bytes have arrived into this.decoded; true once the body ended.
  pump() {
    if (this.bodyDone) return true;
    if (this.bodyMode === 'length') {
      const n = Math.min(this.remaining, this.buf.length);
      this.decoded += this.take(n).toString('utf8');
      this.remaining -= n;
      this.bodyDone = this.remaining === 0;
    } else if (this.bodyMode === 'close') {
      this.decoded += this.take(this.buf.length).toString('utf8');
      this.bodyDone = this.closed;
    } else {
      for (;;) {
        const nl = this.buf.indexOf('\r\n');
        if (nl < 0) break;
        const size = parseInt(this.buf.subarray(0, nl).toString('latin1').split(';')[0], 16);
        assert.ok(Number.isFinite(size), `bad chunk size line ${JSON.stringify(this.buf.subarray(0, nl).toString('latin1'))}`);
        if (size === 0) {
          // Last chunk, then trailers up to an empty line.
          const end = this.buf.indexOf('\r\n\r\n', nl);
          if (end === nl) { this.take(nl + 4); this.bodyDone = true; } else if (end >= 0) { this.take(end + 4); this.bodyDone = true; }
          else if (this.buf.length >= nl + 4 && this.buf.subarray(nl, nl + 4).toString() === '\r\n\r\n') { this.take(nl + 4); this.bodyDone = true; }
          break;
        }
        if (this.buf.length < nl + 2 + size + 2) break;
        this.decoded += this.buf.subarray(nl + 2, nl + 2 + size).toString('utf8');
        this.take(nl + 2 + size + 2);
      }
    }
    return this.bodyDone;
  }
  /// The whole body of the current response.
  async readBody(ms = 5000) {
    await this.waitFor(() => (this.pump() ? true : undefined), ms, 'the end of the response body')
      .catch((e) => {
        if (e instanceof Closed && this.bodyMode === 'close') return;
        throw e;
      });
    const body = this.decoded;
    this.decoded = '';
    return body;
  }
  async readResponse(ms = 5000) {
    const head = await this.readHead(ms);
    return withBody(head, await this.readBody(ms));
  }
  /// The next SSE event of a streaming body (comments are returned as {comment}).
  async nextEvent(ms = 5000, { skipComments = true } = {}) {
    for (;;) {
      const raw = await this.waitFor(() => {
        this.pump();
        const m = /\r?\n\r?\n/.exec(this.decoded);
        if (!m) return undefined;
        const text = this.decoded.slice(0, m.index);
        this.decoded = this.decoded.slice(m.index + m[0].length);
        return text;
      }, ms, 'an SSE event');
      const ev = parseSseEvent(raw);
      if (ev.data === undefined && skipComments) continue;
      return ev;
    }
  }
}

function parseSseEvent(text) {
  const ev = { comments: [] };
  for (const line of text.split(/\r?\n/)) {
    if (line.startsWith(':')) { ev.comments.push(line.slice(1).trim()); continue; }
    const c = line.indexOf(':');
    const field = c < 0 ? line : line.slice(0, c);
    let value = c < 0 ? '' : line.slice(c + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') ev.data = ev.data === undefined ? value : `${ev.data}\n${value}`;
    else if (field) ev[field] = value;
  }
  return ev;
}

function parseSse(body) {
  return body.split(/\r?\n\r?\n/).filter((t) => t.trim()).map(parseSseEvent).filter((e) => e.data !== undefined);
}

function withBody(head, body) {
  return {
    ...head,
    body,
    json() {
      try { return JSON.parse(body); } catch (e) { throw new Error(`body is not JSON (${e.message}): ${JSON.stringify(body.slice(0, 500))}`); }
    },
  };
}

/// The bytes of one request. `headers`: name -> value; null drops a default header.
function requestBytes(port, { method = 'POST', path = '/mcp', headers = {}, body, chunks } = {}) {
  const h = {
    Host: `127.0.0.1:${port}`,
    ...(method === 'POST' ? { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' } : {}),
    ...(method === 'GET' && path === '/mcp' ? { Accept: 'text/event-stream' } : {}),
    ...headers,
  };
  let payload = Buffer.alloc(0);
  if (chunks) {
    h['Transfer-Encoding'] = 'chunked';
    payload = Buffer.concat([...chunks.map((c) => {
      const b = Buffer.from(c);
      return Buffer.concat([Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from('\r\n')]);
    }), Buffer.from('0\r\n\r\n')]);
  } else if (body !== undefined) {
    payload = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    if (h['Content-Length'] === undefined) h['Content-Length'] = String(payload.length);
  } else if (method === 'POST' && h['Content-Length'] === undefined) {
    h['Content-Length'] = '0';
  }
  let head = `${method} ${path} HTTP/1.1\r\n`;
  for (const [k, v] of Object.entries(h)) if (v !== null && v !== undefined) head += `${k}: ${v}\r\n`;
  return Buffer.concat([Buffer.from(`${head}\r\n`, 'latin1'), payload]);
}

/// One request on a fresh connection; the parsed response.
async function exchange(port, options = {}, ms = 5000) {
  const c = new Conn(port);
  try {
    await withDeadline(c.connected, ms, 'connect');
    c.lastMethod = options.method ?? 'POST';
    c.write(requestBytes(port, options));
    return await c.readResponse(ms);
  } finally {
    c.destroy();
  }
}

const rpc = (id, method, params) => ({ jsonrpc: '2.0', id, method, ...(params ? { params } : {}) });
const dispatch = (id, category, tool, params, meta) =>
  rpc(id, 'tools/call', { name: 'tools_dispatch', arguments: { category, tool, ...(params ? { params } : {}) }, ...(meta ? { _meta: meta } : {}) });
const initialize = (id = 1, version = LATEST) =>
  rpc(id, 'initialize', { protocolVersion: version, capabilities: {}, clientInfo: { name: 'raw-http', version: '1' } });

const show = (res) => `${res.status} ${JSON.stringify(res.headers)} ${JSON.stringify(res.body.slice(0, 400))}`;

/// A refusal: `status`, and a JSON-RPC error body without a usable id: null from the
/// transport's own refusals, absent from the Server's under 2025-11-25 (whose schema lets
/// an error omit its id; the TypeScript SDK rejects a null one).
function assertRefusal(res, status, { code } = {}) {
  assert.equal(res.status, status, show(res));
  assert.match(res.headers['content-type'] ?? '', /^application\/json/i, `content-type of ${show(res)}`);
  const b = res.json();
  assert.equal(b.jsonrpc, '2.0', show(res));
  assert.ok(b.id === null || !('id' in b), show(res));
  assert.equal(typeof b.error?.code, 'number', show(res));
  assert.equal(typeof b.error?.message, 'string', show(res));
  if (code !== undefined) assert.equal(b.error.code, code, show(res));
  return b;
}

/// A JSON-RPC answer to a request: 200 and the message (application/json, or the last
/// event of an SSE stream).
function answer(res, id) {
  assert.equal(res.status, 200, show(res));
  const type = res.headers['content-type'] ?? '';
  let message;
  if (/^text\/event-stream/i.test(type)) message = JSON.parse(parseSse(res.body).at(-1).data);
  else {
    assert.match(type, /^application\/json/i, show(res));
    message = res.json();
  }
  if (id !== undefined) assert.equal(message.id, id, show(res));
  return message;
}

/// initialize + notifications/initialized; the session's headers.
async function openSession(port, extra = {}) {
  const res = await exchange(port, { body: initialize(1), headers: extra });
  const m = answer(res, 1);
  assert.equal(m.result.protocolVersion, LATEST, show(res));
  const id = res.headers['mcp-session-id'];
  assert.ok(id, `no Mcp-Session-Id on the initialize response: ${show(res)}`);
  const headers = { 'Mcp-Session-Id': id, 'MCP-Protocol-Version': LATEST };
  const done = await exchange(port, { body: { jsonrpc: '2.0', method: 'notifications/initialized' }, headers: { ...headers, ...extra } });
  assert.equal(done.status, 202, show(done));
  assert.equal(done.body, '');
  return { id, headers };
}

/// A GET stream of a session, its head read.
async function openStream(port, headers) {
  const c = new Conn(port);
  await withDeadline(c.connected, 5000, 'connect');
  c.lastMethod = 'GET';
  c.write(requestBytes(port, { method: 'GET', headers }));
  const head = await c.readHead();
  return { c, head };
}

let failures = 0;
let current = [];  // servers of the running step, their stderr shown when it fails
async function step(name, fn) {
  const t0 = performance.now();
  current = [];
  try {
    await fn();
    console.log(`ok   ${name} (${(performance.now() - t0).toFixed(1)} ms)`);
  } catch (e) {
    failures++;
    console.log(`FAIL ${name}\n     ${e?.stack ?? e}`);
    for (const s of current) if (s.stderr) console.log(`     server stderr (last 3000 bytes):\n${s.stderr.slice(-3000)}`);
  }
}
async function withServer(args, fn, options) {
  const s = await startServer(args, options);
  current.push(s);
  try {
    await fn(s);
  } finally {
    if (!s.exited) await stopServer(s).catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------
const main = await startServer(['--node-id', 'n7', '--max-line-bytes', '4096', '--header-timeout-ms', '500', '--log-level', 'error']);
const port = main.port;
const mainStep = (name, fn) => step(name, async () => { current.push(main); await fn(); });
let session;  // { id, headers }
let stream;   // the GET stream of `session`, kept open across steps

await mainStep('the listening line names 127.0.0.1 and a real port; /healthz and /readyz answer 200', async () => {
  assert.equal(main.host, '127.0.0.1');
  assert.ok(port > 0 && port < 65536);
  for (const path of ['/healthz', '/readyz']) {
    const res = await exchange(port, { method: 'GET', path });
    assert.equal(res.status, 200, `${path}: ${show(res)}`);
  }
});

await mainStep('initialize: 200 application/json with a visible-ASCII Mcp-Session-Id starting with the node id', async () => {
  session = await openSession(port);
  assert.match(session.id, /^n7-[\x21-\x7e]+$/);
  const other = await openSession(port);
  assert.notEqual(other.id, session.id);
});

await mainStep('ping and tools/list answer with application/json; no MCP-Protocol-Version header means 2025-03-26, accepted', async () => {
  let res = await exchange(port, { body: rpc(2, 'ping'), headers: session.headers });
  assert.match(res.headers['content-type'], /^application\/json/);
  assert.deepEqual(answer(res, 2).result, {});
  res = await exchange(port, { body: rpc(3, 'tools/list'), headers: session.headers });
  assert.equal(answer(res, 3).result.tools.length, 5);
  res = await exchange(port, { body: rpc(4, 'ping'), headers: { 'Mcp-Session-Id': session.id } });
  assert.deepEqual(answer(res, 4).result, {});
});

await mainStep('notifications and responses POSTed: 202 with no body', async () => {
  let res = await exchange(port, { body: { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 999 } }, headers: session.headers });
  assert.equal(res.status, 202, show(res));
  assert.equal(res.body, '');
  res = await exchange(port, { body: { jsonrpc: '2.0', id: 'srv-1', result: {} }, headers: session.headers });
  assert.equal(res.status, 202, show(res));
  assert.equal(res.body, '');
});

await mainStep('an unknown method is a JSON-RPC error in a 200 answer (-32601)', async () => {
  const res = await exchange(port, { body: rpc(5, 'no/such/method'), headers: session.headers });
  assert.equal(answer(res, 5).error.code, -32601);
});

await mainStep('the session GET stream opens: 200 text/event-stream', async () => {
  stream = await openStream(port, session.headers);
  assert.equal(stream.head.status, 200, JSON.stringify(stream.head));
  assert.match(stream.head.headers['content-type'], /^text\/event-stream/);
});

await mainStep('a second concurrent GET stream for the same session: 409', async () => {
  const res = await exchange(port, { method: 'GET', headers: session.headers });
  assertRefusal(res, 409);
});

await mainStep('wrong Origin: 403 (loopback origins and no Origin are allowed)', async () => {
  for (const origin of ['http://evil.example', 'http://localhost.evil.example', 'http://127.0.0.1.evil.example:80', 'null', 'https://evil.example:443']) {
    assertRefusal(await exchange(port, { body: rpc(6, 'ping'), headers: { ...session.headers, Origin: origin } }), 403);
  }
  // Refused before anything else: even an initialize.
  assertRefusal(await exchange(port, { body: initialize(7), headers: { Origin: 'http://evil.example' } }), 403);
  for (const origin of ['http://localhost', 'http://localhost:5173', 'http://127.0.0.1:8080', 'http://[::1]:3000']) {
    const res = await exchange(port, { body: rpc(8, 'ping'), headers: { ...session.headers, Origin: origin } });
    assert.deepEqual(answer(res, 8).result, {}, origin);
  }
});

await mainStep('wrong Host (DNS rebinding): 403 (localhost, 127.0.0.1, [::1] with any port are allowed)', async () => {
  for (const host of ['evil.example', `evil.example:${port}`, `localhost.evil.example:${port}`, `127.0.0.1.nip.io:${port}`, `10.0.0.1:${port}`]) {
    assertRefusal(await exchange(port, { body: rpc(9, 'ping'), headers: { ...session.headers, Host: host } }), 403);
  }
  for (const host of [`localhost:${port}`, 'localhost', '127.0.0.1', '127.0.0.1:1', `[::1]:${port}`, 'LOCALHOST:9']) {
    const res = await exchange(port, { body: rpc(10, 'ping'), headers: { ...session.headers, Host: host } });
    assert.deepEqual(answer(res, 10).result, {}, host);
  }
});

await mainStep('no session after initialize: 400 (POST, GET and DELETE)', async () => {
  assertRefusal(await exchange(port, { body: rpc(11, 'tools/list'), headers: { 'MCP-Protocol-Version': LATEST } }), 400);
  assertRefusal(await exchange(port, { method: 'GET' }), 400);
  assertRefusal(await exchange(port, { method: 'DELETE' }), 400);
});

await mainStep('unknown session: 404 (POST, GET and DELETE)', async () => {
  const headers = { 'Mcp-Session-Id': 'n7-no-such-session', 'MCP-Protocol-Version': LATEST };
  assertRefusal(await exchange(port, { body: rpc(12, 'ping'), headers }), 404);
  assertRefusal(await exchange(port, { method: 'GET', headers }), 404);
  assertRefusal(await exchange(port, { method: 'DELETE', headers }), 404);
});

await mainStep('unsupported MCP-Protocol-Version: 400', async () => {
  for (const v of ['1999-01-01', 'banana']) {
    assertRefusal(await exchange(port, { body: rpc(13, 'ping'), headers: { ...session.headers, 'MCP-Protocol-Version': v } }), 400);
  }
});

await mainStep('a body over --max-line-bytes (4096): 413, by Content-Length (not waiting for the body) and chunked', async () => {
  const big = JSON.stringify(dispatch(14, 'util', 'echo', { text: 'x'.repeat(8000) }));
  assertRefusal(await exchange(port, { body: big, headers: session.headers }), 413);
  // A declared length over the limit is refused at once, the body never sent.
  const c = new Conn(port);
  try {
    await c.connected;
    c.write(requestBytes(port, { headers: { ...session.headers, 'Content-Length': String(100 * 1024 * 1024) } }));
    assertRefusal(await c.readResponse(2000), 413);
  } finally {
    c.destroy();
  }
  const chunks = [];
  for (let i = 0; i < big.length; i += 1000) chunks.push(big.slice(i, i + 1000));
  assertRefusal(await exchange(port, { chunks, headers: session.headers }), 413);
  // Just under the limit is served.
  const fits = JSON.stringify(dispatch(15, 'util', 'echo', { text: 'y'.repeat(3900) }));
  assert.ok(Buffer.byteLength(fits) <= 4096);
  const res = await exchange(port, { body: fits, headers: session.headers });
  assert.equal(answer(res, 15).result.structuredContent.result, 'y'.repeat(3900));
});

await mainStep('malformed JSON: 400 with a -32700 parse error; invalid UTF-8 too; an empty body: 400', async () => {
  assertRefusal(await exchange(port, { body: '{"jsonrpc":"2.0","id":16,"method":"ping"', headers: session.headers }), 400, { code: -32700 });
  assertRefusal(await exchange(port, { body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), headers: session.headers }), 400, { code: -32700 });
  assertRefusal(await exchange(port, { body: '', headers: session.headers }), 400);
  assertRefusal(await exchange(port, { body: '42', headers: session.headers }), 400);
});

await mainStep('wrong Accept on POST: 406; the media types may come in any order, with parameters', async () => {
  for (const accept of ['application/json', 'text/event-stream', 'text/html', null]) {
    assertRefusal(await exchange(port, { body: rpc(17, 'ping'), headers: { ...session.headers, Accept: accept } }), 406);
  }
  const res = await exchange(port, { body: rpc(18, 'ping'), headers: { ...session.headers, Accept: 'text/event-stream;q=0.9, application/json' } });
  assert.deepEqual(answer(res, 18).result, {});
});

await mainStep('wrong Accept on GET: 406', async () => {
  const second = await openSession(port);
  assertRefusal(await exchange(port, { method: 'GET', headers: { ...second.headers, Accept: 'application/json' } }), 406);
});

await mainStep('wrong Content-Type: 415; application/json with a charset is accepted', async () => {
  for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonx', null]) {
    assertRefusal(await exchange(port, { body: rpc(19, 'ping'), headers: { ...session.headers, 'Content-Type': type } }), 415);
  }
  for (const type of ['application/json; charset=utf-8', 'Application/JSON;charset=UTF-8']) {
    const res = await exchange(port, { body: rpc(20, 'ping'), headers: { ...session.headers, 'Content-Type': type } });
    assert.deepEqual(answer(res, 20).result, {}, type);
  }
});

await mainStep('other methods: 405 with an Allow header naming GET, POST and DELETE', async () => {
  for (const method of ['PUT', 'PATCH']) {
    const res = await exchange(port, { method, body: rpc(21, 'ping'), headers: { ...session.headers, 'Content-Type': 'application/json' } });
    assertRefusal(res, 405);
    const allow = (res.headers.allow ?? '').split(',').map((x) => x.trim().toUpperCase());
    for (const m of ['GET', 'POST', 'DELETE']) assert.ok(allow.includes(m), `Allow: ${res.headers.allow}`);
  }
});

await mainStep('another path: 404', async () => {
  const res = await exchange(port, { path: '/other', body: rpc(22, 'ping'), headers: session.headers });
  assert.equal(res.status, 404, show(res));
});

await mainStep('progress of a request goes out first on its own SSE stream, the response last, then the stream ends', async () => {
  const calls = [];
  for (let i = 0; i < 5; i++) calls.push({ category: 'math', tool: 'add', params: { a: i, b: 1 } });
  calls.push({ category: 'timing', tool: 'sleep_ms', params: { ms: 20 } });
  const body = rpc(23, 'tools/call', { name: 'tools_dispatch_parallel', arguments: { calls, max_concurrent: 2 }, _meta: { progressToken: 'tok-23' } });
  const res = await exchange(port, { body, headers: session.headers });
  assert.equal(res.status, 200, show(res));
  assert.match(res.headers['content-type'], /^text\/event-stream/, show(res));
  const events = parseSse(res.body).map((e) => JSON.parse(e.data));
  const last = events.at(-1);
  assert.equal(last.id, 23);
  assert.equal(last.result.structuredContent.succeeded, 6);
  const progress = events.slice(0, -1);
  assert.ok(progress.length >= 1, res.body);
  for (const p of progress) {
    assert.equal(p.method, 'notifications/progress', JSON.stringify(p));
    assert.equal(p.params.progressToken, 'tok-23');
    assert.equal(p.params.total, 6);
  }
  // Without a token: plain JSON.
  const plain = await exchange(port, { body: rpc(24, 'tools/call', { name: 'tools_dispatch_parallel', arguments: { calls } }), headers: session.headers });
  assert.match(plain.headers['content-type'], /^application\/json/, show(plain));
  assert.equal(answer(plain, 24).result.structuredContent.succeeded, 6);
});

await mainStep('pipelined keep-alive requests are answered in order on one connection (a slow call first)', async () => {
  const c = new Conn(port);
  try {
    await c.connected;
    c.write(Buffer.concat([
      requestBytes(port, { body: dispatch(31, 'timing', 'sleep_ms', { ms: 700 }), headers: session.headers }),  // longer than --header-timeout-ms
      requestBytes(port, { body: rpc(32, 'ping'), headers: session.headers }),
      requestBytes(port, { body: { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 12345 } }, headers: session.headers }),
      requestBytes(port, { body: dispatch(33, 'util', 'echo', { text: 'third' }), headers: session.headers }),
    ]));
    const r1 = await c.readResponse(5000);
    assert.equal(answer(r1, 31).result.structuredContent.result.slept_ms, 700);
    const r2 = await c.readResponse(5000);
    assert.deepEqual(answer(r2, 32).result, {});
    const r3 = await c.readResponse(5000);
    assert.equal(r3.status, 202, show(r3));
    const r4 = await c.readResponse(5000);
    assert.equal(answer(r4, 33).result.structuredContent.result, 'third');
    assert.equal(c.closed, false, 'the connection stays open (keep-alive)');
    // And it serves one more request afterwards.
    c.write(requestBytes(port, { body: rpc(34, 'ping'), headers: session.headers }));
    assert.deepEqual(answer(await c.readResponse(5000), 34).result, {});
  } finally {
    c.destroy();
  }
});

await mainStep('a chunked request body is accepted', async () => {
  const text = JSON.stringify(dispatch(35, 'math', 'add', { a: 20, b: 22 }));
  const chunks = [text.slice(0, 1), text.slice(1, 17), text.slice(17, 40), text.slice(40)];
  const res = await exchange(port, { chunks, headers: session.headers });
  assert.equal(answer(res, 35).result.structuredContent.result.result, 42);
  // Chunked, then another request on the same connection.
  const c = new Conn(port);
  try {
    await c.connected;
    c.write(requestBytes(port, { chunks: [text.slice(0, 10), text.slice(10)], headers: session.headers }));
    assert.equal(answer(await c.readResponse(), 35).result.structuredContent.result.result, 42);
    c.write(requestBytes(port, { body: rpc(36, 'ping'), headers: session.headers }));
    assert.deepEqual(answer(await c.readResponse(), 36).result, {});
  } finally {
    c.destroy();
  }
});

await mainStep('request ids of every JSON-RPC type come back as sent; a batch is refused (400, -32600)', async () => {
  for (const id of [0, 'abc', 'n7-1', 2 ** 40]) {
    assert.deepEqual(answer(await exchange(port, { body: rpc(id, 'ping'), headers: session.headers }), id).result, {});
  }
  assertRefusal(await exchange(port, { body: [rpc(41, 'ping'), rpc(42, 'ping')], headers: session.headers }), 400, { code: -32600 });
});

await mainStep('Origin and Host are checked on GET and DELETE too (a rebinding page cannot end a session)', async () => {
  const victim = await openSession(port);
  assertRefusal(await exchange(port, { method: 'GET', headers: { ...victim.headers, Origin: 'http://evil.example' } }), 403);
  assertRefusal(await exchange(port, { method: 'DELETE', headers: { ...victim.headers, Origin: 'http://evil.example' } }), 403);
  assertRefusal(await exchange(port, { method: 'DELETE', headers: { ...victim.headers, Host: 'evil.example' } }), 403);
  assert.deepEqual(answer(await exchange(port, { body: rpc(43, 'ping'), headers: victim.headers }), 43).result, {});
});

await mainStep('HTTP framing: headers over 16 KiB 431, garbage 400, Content-Length with Transfer-Encoding 400, two Content-Lengths 400', async () => {
  assertRefusal(await exchange(port, { body: rpc(44, 'ping'), headers: { ...session.headers, 'X-Big': 'b'.repeat(20000) } }), 431);
  for (const bytes of [
    'GARBAGE\r\n\r\n',
    `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: 2\r\nContent-Length: 40\r\n\r\n{}`,
  ]) {
    const c = new Conn(port);
    try {
      await c.connected;
      c.write(bytes);
      const res = await c.readResponse(2000);
      assert.equal(res.status, 400, `${JSON.stringify(bytes.slice(0, 60))}: ${show(res)}`);
      await withDeadline(c.ended, 2000, 'the connection closing after a framing error');
    } finally {
      c.destroy();
    }
  }
});

await mainStep('Expect: 100-continue gets 100 Continue before the body is sent', async () => {
  const c = new Conn(port);
  try {
    await c.connected;
    const body = Buffer.from(JSON.stringify(dispatch(45, 'util', 'echo', { text: 'after 100' })));
    const head = requestBytes(port, { headers: { ...session.headers, Expect: '100-continue', 'Content-Length': String(body.length) } });
    c.write(head);
    await c.waitFor(() => (/^HTTP\/1\.1 100 /.test(c.buf.toString('latin1')) ? true : undefined), 1000, '100 Continue');
    c.write(body);
    assert.equal(answer(await c.readResponse(), 45).result.structuredContent.result, 'after 100');
  } finally {
    c.destroy();
  }
});

await mainStep('Connection: close is honoured (the response, then the server closes)', async () => {
  const c = new Conn(port);
  try {
    await c.connected;
    c.write(requestBytes(port, { body: rpc(46, 'ping'), headers: { ...session.headers, Connection: 'close' } }));
    assert.deepEqual(answer(await c.readResponse(), 46).result, {});
    await withDeadline(c.ended, 2000, 'the server closing after Connection: close');
  } finally {
    c.destroy();
  }
});

await mainStep('sessions are isolated: another session cannot cancel a call; the same request id in two sessions is fine', async () => {
  const a = await openSession(port);
  const b = await openSession(port);
  const before = answer(await exchange(port, { body: dispatch(47, 'timing', 'cancellations'), headers: a.headers }), 47).result.structuredContent.result;
  const ca = new Conn(port);
  try {
    await ca.connected;
    ca.write(requestBytes(port, { body: dispatch(7, 'timing', 'wait_for_cancel', { ms: 600000 }), headers: a.headers }));
    await until(async () => {
      const n = answer(await exchange(port, { body: dispatch(48, 'timing', 'cancellations'), headers: b.headers }), 48).result.structuredContent.result;
      return n.started > before.started ? true : undefined;
    }, 3000, 'wait_for_cancel running in session a');
    // Session b sends a cancellation of request 7 (a's request), then runs its own request 7.
    const cancel = await exchange(port, { body: { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 7 } }, headers: b.headers });
    assert.equal(cancel.status, 202, show(cancel));
    assert.equal(answer(await exchange(port, { body: dispatch(7, 'util', 'echo', { text: 'b7' }), headers: b.headers }), 7).result.structuredContent.result, 'b7');
    let n = answer(await exchange(port, { body: dispatch(49, 'timing', 'cancellations'), headers: b.headers }), 49).result.structuredContent.result;
    assert.equal(n.cancelled, before.cancelled, `session b cancelled session a's call: ${JSON.stringify(n)}`);
    assert.equal(ca.buf.length, 0, 'a\'s call is still running');
    // a cancels its own call: the coroutine sees it, and a's POST ends (no hang).
    const own = await exchange(port, { body: { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 7, reason: 'test' } }, headers: a.headers });
    assert.equal(own.status, 202);
    n = await until(async () => {
      const x = answer(await exchange(port, { body: dispatch(50, 'timing', 'cancellations'), headers: b.headers }), 50).result.structuredContent.result;
      return x.cancelled > before.cancelled ? x : undefined;
    }, 3000, 'the cancellation reaching the coroutine');
    assert.equal(n.cancelled, before.cancelled + 1);
    const ended = await ca.readResponse(3000).then((r) => r, (e) => (e instanceof Closed ? 'closed' : Promise.reject(e)));
    if (ended !== 'closed') {
      // Whatever the answer, it is not a result of the cancelled call.
      assert.ok(ended.status === 200 || ended.status === 204 || ended.status === 202, show(ended));
      if (ended.body) assert.equal(answer(ended).result, undefined, show(ended));
    }
  } finally {
    ca.destroy();
  }
});

await mainStep('a client that disconnects mid-call does not cancel it; the server goes on', async () => {
  const before = answer(await exchange(port, { body: dispatch(51, 'timing', 'cancellations'), headers: session.headers }), 51).result.structuredContent.result;
  const c = new Conn(port);
  await c.connected;
  c.write(requestBytes(port, { body: dispatch(52, 'timing', 'wait_for_cancel', { ms: 300 }), headers: session.headers }));
  await until(async () => {
    const n = answer(await exchange(port, { body: dispatch(53, 'timing', 'cancellations'), headers: session.headers }), 53).result.structuredContent.result;
    return n.started > before.started ? true : undefined;
  }, 3000, 'wait_for_cancel running');
  c.destroy();
  const n = await until(async () => {
    const x = answer(await exchange(port, { body: dispatch(54, 'timing', 'cancellations'), headers: session.headers }), 54).result.structuredContent.result;
    return x.waiting === before.waiting ? x : undefined;
  }, 3000, 'the call finishing');
  assert.equal(n.cancelled, before.cancelled, 'the disconnection cancelled the call');
  assert.deepEqual(answer(await exchange(port, { body: rpc(55, 'ping'), headers: session.headers }), 55).result, {});
});

await mainStep('200 concurrent connections are all served', async () => {
  const results = await withDeadline(Promise.all([...Array(200).keys()].map((i) =>
    exchange(port, { body: dispatch(1000 + i, 'math', 'add', { a: i, b: 1 }), headers: session.headers }, 10000))), 15000, '200 concurrent requests');
  results.forEach((r, i) => assert.equal(answer(r, 1000 + i).result.structuredContent.result.result, i + 1));
});

await mainStep('slow clients (headers trickled a byte at a time) are cut within the header timeout; others are served meanwhile', async () => {
  const slow = [];
  const timers = [];
  const t0 = performance.now();
  // Silent connections (nothing sent: the 60 s idle timeout's business, not the header
  // timeout's) stay open meanwhile; they must not hold anyone up either.
  const silent = [];
  for (let i = 0; i < 4; i++) {
    const c = new Conn(port);
    await c.connected;
    silent.push(c);
  }
  for (let i = 0; i < 6; i++) {
    const c = new Conn(port);
    await c.connected;
    slow.push(c);
    c.write(`POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Slow: `);
    timers.push(setInterval(() => { if (!c.closed) c.write('a'); }, 50));  // a byte every 50 ms
  }
  try {
    // Served while the slow ones are still connected.
    const s2 = await openSession(port);
    const res = await exchange(port, { body: dispatch(37, 'math', 'add', { a: 1, b: 2 }), headers: s2.headers }, 1000);
    assert.equal(answer(res, 37).result.structuredContent.result.result, 3);
    assert.ok(slow.every((c) => !c.closed) || performance.now() - t0 > 400, 'cut earlier than the timeout');
    const cut = await withDeadline(Promise.all(slow.map((c) => c.ended)), 3000, 'the slow connections being closed (header timeout 500 ms)');
    for (const at of cut) assert.ok(at - t0 < 2500, `cut after ${(at - t0).toFixed(0)} ms`);
    // Whatever they got before the cut is a 408 (or nothing).
    for (const c of slow) {
      if (c.buf.length) assert.match(c.buf.toString('latin1'), /^HTTP\/1\.1 408 /);
    }
    const again = await exchange(port, { body: rpc(38, 'ping'), headers: s2.headers });
    assert.deepEqual(answer(again, 38).result, {});
  } finally {
    for (const t of timers) clearInterval(t);
    for (const c of [...slow, ...silent]) c.destroy();
  }
});

await mainStep('the GET stream outlived the header timeout and receives notifications/tools/list_changed; every session stream does', async () => {
  const other = await openSession(port);
  const otherStream = await openStream(port, other.headers);
  try {
    assert.equal(otherStream.head.status, 200);
    assert.equal(stream.c.closed, false, 'the first GET stream is still open');
    const res = await exchange(port, { body: dispatch(39, 'admin', 'register_extras'), headers: session.headers });
    assert.equal(answer(res, 39).result.structuredContent.result.registered, true);
    for (const s of [stream, otherStream]) {
      const ev = await s.c.nextEvent(5000);
      assert.equal(JSON.parse(ev.data).method, 'notifications/tools/list_changed', JSON.stringify(ev));
    }
  } finally {
    otherStream.c.destroy();
  }
});

await mainStep('after the GET stream closes, the session can open a new one (no lasting 409)', async () => {
  stream.c.destroy();
  const again = await until(async () => {
    const s = await openStream(port, session.headers);
    if (s.head.status === 200) return s;
    s.c.destroy();
    assert.equal(s.head.status, 409);
    return undefined;
  }, 5000, 'a new GET stream being accepted after the old one closed');
  stream = again;
});

await mainStep('DELETE ends the session (200/204) and its GET stream; then its id gets 404', async () => {
  const res = await exchange(port, { method: 'DELETE', headers: session.headers });
  assert.ok(res.status === 200 || res.status === 204, show(res));
  // The stream's body ends (last chunk), or its connection closes.
  await stream.c.waitFor(() => (stream.c.pump() ? true : undefined), 3000, 'the GET stream of the deleted session ending')
    .catch((e) => { if (!(e instanceof Closed)) throw e; });
  assertRefusal(await exchange(port, { body: rpc(40, 'ping'), headers: session.headers }), 404);
  assertRefusal(await exchange(port, { method: 'GET', headers: session.headers }), 404);
  assertRefusal(await exchange(port, { method: 'DELETE', headers: session.headers }), 404);
});

await mainStep('the main server is still healthy and exits 0 on SIGTERM', async () => {
  assert.equal((await exchange(port, { method: 'GET', path: '/healthz' })).status, 200);
  const { code, signal } = await stopServer(main);
  assert.equal(signal, null);
  assert.equal(code, 0);
});

// ---------------------------------------------------------------------------------------
await step('default limits: a 3 MiB body is accepted and its 3 MiB answer arrives whole', async () => {
  await withServer(['--log-level', 'error'], async (s) => {
    const sess = await openSession(s.port);
    const text = 'z'.repeat(3 * 1024 * 1024);
    const res = await exchange(s.port, { body: dispatch(1, 'util', 'echo', { text }), headers: sess.headers }, 15000);
    assert.equal(answer(res, 1).result.structuredContent.result.length, text.length);
  });
});

await step('--stateless: no Mcp-Session-Id, requests need no session, GET 405', async () => {
  await withServer(['--stateless', '--log-level', 'error'], async (s) => {
    const res = await exchange(s.port, { body: initialize(1) });
    assert.equal(answer(res, 1).result.protocolVersion, LATEST);
    assert.equal(res.headers['mcp-session-id'], undefined, show(res));
    const list = await exchange(s.port, { body: rpc(2, 'tools/list'), headers: { 'MCP-Protocol-Version': LATEST } });
    assert.equal(answer(list, 2).result.tools.length, 5);
    const call = await exchange(s.port, { body: dispatch(3, 'math', 'add', { a: 2, b: 3 }) });
    assert.equal(answer(call, 3).result.structuredContent.result.result, 5);
    const get = await exchange(s.port, { method: 'GET' });
    assertRefusal(get, 405);
    for (const method of ['DELETE', 'PUT']) {
      const res = await exchange(s.port, { method });
      assertRefusal(res, 405);
      assert.equal((res.headers.allow ?? '').replace(/\s/g, '').toUpperCase(), 'POST', show(res));
    }
  });
});

await step('--stateless: independent clients may use the same request id at once; each gets its own answer', async () => {
  await withServer(['--stateless', '--log-level', 'error'], async (s) => {
    // Every client numbers its requests from 0 or 1, so with no sessions the same id
    // arrives from two clients at once.
    const ca = new Conn(s.port);
    try {
      await ca.connected;
      ca.write(requestBytes(s.port, { body: dispatch(1, 'timing', 'wait_for_cancel', { ms: 400 }) }));
      await until(async () => {
        const r = answer(await exchange(s.port, { body: dispatch(99, 'timing', 'cancellations') }), 99);
        return r.result.structuredContent.result.waiting >= 1 ? true : undefined;
      }, 3000, 'wait_for_cancel running');
      const other = await exchange(s.port, { body: dispatch(1, 'util', 'echo', { text: 'other client' }) });
      const otherAnswer = answer(other, 1);
      assert.equal(otherAnswer.error, undefined, `a second client's request id 1 refused: ${show(other)}`);
      assert.equal(otherAnswer.result.structuredContent.result, 'other client');
      assert.deepEqual(answer(await ca.readResponse(3000), 1).result.structuredContent.result, { cancelled: false, waited_ms: 400 });
    } finally {
      ca.destroy();
    }
  });
});

await step('--stateless: a client cannot cancel another client\'s call (notifications/cancelled by id)', async () => {
  await withServer(['--stateless', '--log-level', 'error'], async (s) => {
    const ca = new Conn(s.port);
    try {
      await ca.connected;
      ca.write(requestBytes(s.port, { body: dispatch(1, 'timing', 'wait_for_cancel', { ms: 400 }) }));
      await until(async () => {
        const r = answer(await exchange(s.port, { body: dispatch(99, 'timing', 'cancellations') }), 99);
        return r.result.structuredContent.result.waiting >= 1 ? true : undefined;
      }, 3000, 'wait_for_cancel running');
      const cancel = await exchange(s.port, { body: { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1 } } });
      assert.equal(cancel.status, 202);
      const first = await ca.readResponse(3000);
      assert.deepEqual(first.body && answer(first, 1).result?.structuredContent?.result, { cancelled: false, waited_ms: 400 },
        `another client's notifications/cancelled ended this call: ${show(first)}`);
    } finally {
      ca.destroy();
    }
  });
});

await step('--allowed-origin and --allowed-host add to the loopback defaults', async () => {
  await withServer(['--allowed-origin', 'https://app.example.com', '--allowed-origin', 'http://tool.example:8080',
    '--allowed-host', 'mcp.example.internal', '--log-level', 'error'], async (s) => {
    for (const origin of ['https://app.example.com', 'http://tool.example:8080', 'http://localhost:3000']) {
      assert.equal(answer(await exchange(s.port, { body: initialize(1), headers: { Origin: origin } }), 1).result.protocolVersion, LATEST, origin);
    }
    for (const origin of ['https://app.example.com.evil.example', 'http://app.example.com', 'http://tool.example:8081']) {
      assertRefusal(await exchange(s.port, { body: initialize(1), headers: { Origin: origin } }), 403);
    }
    for (const host of ['mcp.example.internal', `localhost:${s.port}`]) {
      assert.equal(answer(await exchange(s.port, { body: initialize(1), headers: { Host: host } }), 1).result.protocolVersion, LATEST, host);
    }
    for (const host of ['mcp.example.internal.evil.example', 'evil.example']) {
      assertRefusal(await exchange(s.port, { body: initialize(1), headers: { Host: host } }), 403);
    }
  });
});

await step('--max-sessions 2: a third initialize is refused; after a DELETE one fits again', async () => {
  await withServer(['--max-sessions', '2', '--log-level', 'error'], async (s) => {
    const a = await openSession(s.port);
    await openSession(s.port);
    const third = await exchange(s.port, { body: initialize(3) });
    assert.ok(third.status >= 400, show(third));
    assertRefusal(third, third.status);
    assert.equal(third.headers['mcp-session-id'], undefined);
    const del = await exchange(s.port, { method: 'DELETE', headers: a.headers });
    assert.ok(del.status === 200 || del.status === 204, show(del));
    await openSession(s.port);
  });
});

await step('--session-idle-timeout-ms: a session in use lives on, an idle one expires (404)', async () => {
  await withServer(['--session-idle-timeout-ms', '400', '--log-level', 'error'], async (s) => {
    const busy = await openSession(s.port);
    const idle = await openSession(s.port);
    // Keep `busy` in use for three timeouts' worth of time.
    const t0 = performance.now();
    let n = 0;
    while (performance.now() - t0 < 1200) {
      assert.deepEqual(answer(await exchange(s.port, { body: rpc(100 + n, 'ping'), headers: busy.headers }), 100 + n).result, {});
      n++;
      await new Promise((r) => setTimeout(r, 100));  // the pace of a client in use
    }
    // `idle` was left alone for 1200 ms, three times its timeout.
    await until(async () => {
      const res = await exchange(s.port, { body: rpc(2, 'ping'), headers: idle.headers });
      return res.status === 404 ? assertRefusal(res, 404) : undefined;
    }, 2000, 'the idle session expiring');
    assert.deepEqual(answer(await exchange(s.port, { body: rpc(3, 'ping'), headers: busy.headers }), 3).result, {});
  });
});

await step('SIGTERM drains: /readyz 503 while a call is in flight, the call is answered, exit 0', async () => {
  await withServer(['--drain-delay-ms', '1000', '--log-level', 'error'], async (s) => {
    const sess = await openSession(s.port);
    const c = new Conn(s.port);
    try {
      await c.connected;
      c.write(requestBytes(s.port, { body: dispatch(1, 'timing', 'wait_for_cancel', { ms: 1500 }), headers: sess.headers }));
      // The call is running (its coroutine counted itself).
      await until(async () => {
        const r = answer(await exchange(s.port, { body: dispatch(2, 'timing', 'cancellations'), headers: sess.headers }), 2);
        return r.result.structuredContent.result.waiting >= 1 ? true : undefined;
      }, 3000, 'wait_for_cancel running');
      const get = await openStream(s.port, sess.headers);
      assert.equal(get.head.status, 200);
      s.child.kill('SIGTERM');
      await until(async () => {
        const r = await exchange(s.port, { method: 'GET', path: '/readyz' });
        return r.status === 503 ? true : (assert.equal(r.status, 200, show(r)), undefined);
      }, 1000, '/readyz answering 503 after SIGTERM');
      // Draining: no new sessions; the existing one is still served until the listener closes.
      assertRefusal(await exchange(s.port, { body: initialize(3) }), 503);
      assert.deepEqual(answer(await exchange(s.port, { body: rpc(4, 'ping'), headers: sess.headers }), 4).result, {});
      // The GET stream ends (last chunk or close) once the drain delay is over.
      await get.c.waitFor(() => (get.c.pump() ? true : undefined), 3000, 'the GET stream ending on drain')
        .catch((e) => { if (!(e instanceof Closed)) throw e; });
      const res = await c.readResponse(5000);
      assert.deepEqual(answer(res, 1).result.structuredContent.result, { cancelled: false, waited_ms: 1500 });
      const { code, signal } = await withDeadline(s.exit, 5000, 'exit after draining');
      assert.equal(signal, null);
      assert.equal(code, 0);
    } finally {
      c.destroy();
    }
  });
});

console.log(failures ? `${failures} step(s) failed` : 'all steps passed');
process.exit(failures ? 1 : 0);
