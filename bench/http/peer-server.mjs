#!/usr/bin/env node
// bench/http/peer-server.mjs -- the peer of the Streamable HTTP comparison: the official MCP
// TypeScript SDK server (@modelcontextprotocol/sdk, pinned in package.json) behind
// StreamableHTTPServerTransport, in the SDK's recommended Express set-up
// (createMcpExpressApp: express.json() and the localhost Host check), the shape of the
// SDK's own examples (simpleStreamableHttp, jsonResponseStreamableHttp,
// simpleStatelessStreamableHttp).
//
//   node peer-server.mjs [--listen 127.0.0.1:0] [--stateless] [--sse]
//
// - stateful (default): one McpServer + transport per session, sessionIdGenerator
//   randomUUID, sessions in a Map, idle ones closed after 30 min (as the SDK example);
// - --stateless: sessionIdGenerator undefined, a new McpServer + transport per request,
//   both closed when the response closes (as the SDK docs recommend);
// - JSON responses (enableJsonResponse: true) by default; --sse: every POSTed request is
//   answered with a text/event-stream (the SDK's default).
// One tool, `util.noop` (no arguments, returns the text "ok"): the name the flat mode of
// mcp-htm-server gives its demo no-op, so both servers are called the same way.
// Writes `listening on http://HOST:PORT/mcp` to stderr once bound, as mcp-htm-server does.
// SIGTERM/SIGINT close the listener and exit.
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';

const { values: opt } = parseArgs({
  options: {
    listen: { type: 'string', default: '127.0.0.1:0' },
    stateless: { type: 'boolean', default: false },
    sse: { type: 'boolean', default: false },
  },
});
const colon = opt.listen.lastIndexOf(':');
const host = opt.listen.slice(0, colon);
const port = Number(opt.listen.slice(colon + 1));
const enableJsonResponse = !opt.sse;

const getServer = () => {
  const server = new McpServer({ name: 'sdk-http-peer', version: '0.1.0' });
  server.registerTool('util.noop', { description: 'Does nothing; returns "ok".' }, async () => ({
    content: [{ type: 'text', text: 'ok' }],
  }));
  return server;
};

const rpcError = (res, status, code, message) =>
  res.status(status).json({ jsonrpc: '2.0', error: { code, message }, id: null });

const app = createMcpExpressApp({ host });

if (opt.stateless) {
  app.post('/mcp', async (req, res) => {
    const server = getServer();
    try {
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse });
      res.on('close', () => {
        transport.close();
        server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
    } catch (error) {
      console.error('Error handling MCP request:', error);
      if (!res.headersSent) rpcError(res, 500, -32603, 'Internal server error');
    }
  });
  const notAllowed = (req, res) => res.writeHead(405).end(JSON.stringify({
    jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed.' }, id: null,
  }));
  app.get('/mcp', notAllowed);
  app.delete('/mcp', notAllowed);
} else {
  // As the SDK example: idle sessions closed after IDLE_MS; at most MAX_SESSIONS (the
  // example's 1000 raised to mcp-htm-server's default of 10000, so the idle-session memory
  // measurement fits).
  const IDLE_MS = 30 * 60000;
  const MAX_SESSIONS = 10000;
  const sessions = new Map();
  const trackResponse = (session, res) => {
    if (!res.socket || res.destroyed) return;
    session.open++;
    res.on('close', () => {
      session.open--;
      session.lastActive = Date.now();
    });
  };
  setInterval(() => {
    const cutoff = Date.now() - IDLE_MS;
    for (const { transport, open, lastActive } of sessions.values()) {
      if (open === 0 && lastActive < cutoff) transport.close().catch(console.error);
    }
  }, 60000).unref();

  app.post('/mcp', async (req, res) => {
    try {
      const sessionId = req.headers['mcp-session-id'];
      const session = sessionId ? sessions.get(sessionId) : undefined;
      let transport;
      if (session) {
        transport = session.transport;
        trackResponse(session, res);
      } else if (!sessionId && isInitializeRequest(req.body)) {
        if (sessions.size >= MAX_SESSIONS) return rpcError(res, 503, -32000, 'Too many open sessions');
        transport = new StreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          enableJsonResponse,
          onsessioninitialized: (id) => {
            sessions.set(id, { transport, open: 0, lastActive: Date.now() });
          },
        });
        transport.onclose = () => {
          const sid = transport.sessionId;
          if (sid) sessions.delete(sid);
        };
        await getServer().connect(transport);
      } else if (sessionId) {
        return rpcError(res, 404, -32001, 'Session not found');
      } else {
        return rpcError(res, 400, -32000, 'Bad Request: No valid session ID provided');
      }
      await transport.handleRequest(req, res, req.body);
    } catch (error) {
      console.error('Error handling MCP request:', error);
      if (!res.headersSent) rpcError(res, 500, -32603, 'Internal server error');
    }
  });
  // GET (the session's SSE stream) and DELETE (end of the session).
  const sessionRequest = async (req, res) => {
    const sessionId = req.headers['mcp-session-id'];
    const session = sessionId ? sessions.get(sessionId) : undefined;
    if (!session) return rpcError(res, sessionId ? 404 : 400, -32000, 'Invalid or missing session ID');
    trackResponse(session, res);
    await session.transport.handleRequest(req, res);
  };
  app.get('/mcp', sessionRequest);
  app.delete('/mcp', sessionRequest);
}

const listener = app.listen(port, host, (error) => {
  if (error) {
    console.error(`peer-server: cannot listen on ${opt.listen}: ${error.message}`);
    process.exit(1);
  }
  const a = listener.address();
  const shown = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  process.stderr.write(`peer-server: listening on http://${shown}:${a.port}/mcp ` +
    `(${opt.stateless ? 'stateless' : 'stateful'}, ${enableJsonResponse ? 'JSON' : 'SSE'} responses)\n`);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    listener.close();
    listener.closeAllConnections?.();
    process.exit(0);
  });
}
