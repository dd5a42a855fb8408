#!/usr/bin/env node
// deploy/render.mjs -- fills in a balancer config template of deploy/ (HAProxy, nginx) for a
// list of mcp-htm-server nodes. The scale test (tests/scale) renders the same templates, so
// what is documented is what is tested.
//
//   node deploy/render.mjs deploy/haproxy/mcp-htm.cfg.in \
//        --node n1=10.0.0.11:8080 --node n2=10.0.0.12:8080 --set listen=:80 > haproxy.cfg
//
// Template syntax (nothing else is special):
//   {{name}}            a value given with --set name=value (an error when not given)
//   {{name:default}}    the same, with a default
//   # @each node        the lines up to `# @end` are repeated once per --node, in order;
//   # @end              inside them {{node.id}} and {{node.addr}} are that node's
// Marker lines are dropped from the output.
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const EACH = /^\s*#\s*@each\s+node\s*$/;
const END = /^\s*#\s*@end\s*$/;
const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*(?::([^}]*))?\}\}/g;
const NODE_ID = /^[A-Za-z0-9_]+$/;  // what mcp-htm-server --node-id accepts

/// The template text with `values` ({name: value}) and `nodes` ([{id, addr}]) filled in.
export function render(template, values = {}, nodes = []) {
  for (const n of nodes) {
    if (!NODE_ID.test(n.id)) throw new Error(`node id '${n.id}': letters, digits and '_' only`);
    if (!n.addr) throw new Error(`node ${n.id}: no address`);
  }
  const fill = (line, node, where) => line.replace(PLACEHOLDER, (_, name, fallback) => {
    if (name.startsWith('node.')) {
      if (!node) throw new Error(`${where}: {{${name}}} outside a '# @each node' block`);
      const field = name.slice(5);
      if (!(field in node)) throw new Error(`${where}: unknown node field '${field}'`);
      return node[field];
    }
    if (name in values) return values[name];
    if (fallback !== undefined) return fallback;
    throw new Error(`${where}: no value for {{${name}}} (pass --set ${name}=...)`);
  });
  const lines = template.split('\n');
  const out = [];
  for (let i = 0; i < lines.length; i++) {
    if (END.test(lines[i])) throw new Error(`line ${i + 1}: '# @end' without '# @each node'`);
    if (!EACH.test(lines[i])) {
      out.push(fill(lines[i], undefined, `line ${i + 1}`));
      continue;
    }
    if (nodes.length === 0) throw new Error(`line ${i + 1}: '# @each node' and no --node given`);
    const start = i + 1;
    let end = start;
    while (end < lines.length && !END.test(lines[end])) {
      if (EACH.test(lines[end])) throw new Error(`line ${end + 1}: nested '# @each node'`);
      end++;
    }
    if (end === lines.length) throw new Error(`line ${i + 1}: '# @each node' without '# @end'`);
    for (const node of nodes) {
      for (let j = start; j < end; j++) out.push(fill(lines[j], node, `line ${j + 1}`));
    }
    i = end;
  }
  return out.join('\n');
}

/// Reads `path` and renders it.
export function renderFile(path, values, nodes) {
  return render(readFileSync(path, 'utf8'), values, nodes);
}

function main() {
  const usage = 'usage: node deploy/render.mjs TEMPLATE --node ID=HOST:PORT... [--set NAME=VALUE...] [--out FILE]';
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        node: { type: 'string', multiple: true, default: [] },
        set: { type: 'string', multiple: true, default: [] },
        out: { type: 'string' },
      },
    });
  } catch (e) {
    process.stderr.write(`render: ${e.message}\n${usage}\n`);
    process.exit(2);
  }
  const { values: v, positionals } = parsed;
  if (positionals.length !== 1) {
    process.stderr.write(`${usage}\n`);
    process.exit(2);
  }
  const pair = (text, what) => {
    const eq = text.indexOf('=');
    if (eq <= 0) {
      process.stderr.write(`render: --${what} ${text}: expected NAME=VALUE\n`);
      process.exit(2);
    }
    return [text.slice(0, eq), text.slice(eq + 1)];
  };
  const nodes = v.node.map((t) => { const [id, addr] = pair(t, 'node'); return { id, addr }; });
  const values = Object.fromEntries(v.set.map((t) => pair(t, 'set')));
  try {
    const text = renderFile(positionals[0], values, nodes);
    if (v.out) writeFileSync(v.out, text);
    else process.stdout.write(text);
  } catch (e) {
    process.stderr.write(`render: ${positionals[0]}: ${e.message}\n`);
    process.exit(1);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
