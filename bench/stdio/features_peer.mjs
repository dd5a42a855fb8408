#!/usr/bin/env node
// bench/stdio/features_peer.mjs -- the official TypeScript SDK server (McpServer over
// stdio) with the resource and prompt bench/stdio/features.mjs reads: the peer of
// `mcp-htm-server --conformance` for resources/read and prompts/get.
//   node features_peer.mjs SDK_NODE_MODULES
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const modules = process.argv[2];
const load = (p) => import(pathToFileURL(join(modules, p)).href);
const { McpServer } = await load('@modelcontextprotocol/sdk/dist/esm/server/mcp.js');
const { StdioServerTransport } = await load('@modelcontextprotocol/sdk/dist/esm/server/stdio.js');
const { z } = await load('zod/index.js').catch(() => load('zod/lib/index.mjs'));

const server = new McpServer({ name: 'sdk-peer', version: '1.0.0' });
server.registerResource('Static text resource', 'test://static-text',
  { description: 'A static text resource', mimeType: 'text/plain' },
  async (uri) => ({ contents: [{ uri: uri.href, mimeType: 'text/plain', text: 'This is the content of the static text resource.' }] }));
server.registerPrompt('test_prompt_with_arguments',
  { description: 'A prompt with two required arguments', argsSchema: { arg1: z.string(), arg2: z.string() } },
  ({ arg1, arg2 }) => ({ messages: [{ role: 'user', content: { type: 'text', text: `Prompt with arguments: arg1='${arg1}', arg2='${arg2}'` } }] }));
await server.connect(new StdioServerTransport());
