#!/usr/bin/env node
// tests/scale/docs_check.mjs -- the balancer configs shown in docs/scale-out.md are the
// templates of deploy/ rendered, so the docs cannot drift from what tests/scale runs.
//
//   node tests/scale/docs_check.mjs           # exit 1 when a block differs from its render
//   node tests/scale/docs_check.mjs --write   # re-render every block in place
//
// A rendered block in the doc is a fenced code block right after a comment line
//   <!-- render: TEMPLATE [--node ID=ADDR]... [--set NAME=VALUE]... -->
// (TEMPLATE relative to the repository).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { renderFile } from '../../deploy/render.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const docPath = join(repo, 'docs', 'scale-out.md');
const write = process.argv.includes('--write');

const doc = readFileSync(docPath, 'utf8');
const block = /<!-- render: ([^>]*?) -->\n```(\w*)\n([\s\S]*?)```\n/g;
let count = 0;
let stale = 0;
const out = doc.replace(block, (whole, command, lang, body) => {
  count++;
  const words = command.trim().split(/\s+/);
  const template = words.shift();
  const nodes = [];
  const values = {};
  while (words.length) {
    const flag = words.shift();
    const arg = words.shift() ?? '';
    const eq = arg.indexOf('=');
    if (eq <= 0 || !['--node', '--set'].includes(flag)) throw new Error(`bad render comment: ${command}`);
    if (flag === '--node') nodes.push({ id: arg.slice(0, eq), addr: arg.slice(eq + 1) });
    else values[arg.slice(0, eq)] = arg.slice(eq + 1);
  }
  let text = renderFile(join(repo, template), values, nodes);
  if (!text.endsWith('\n')) text += '\n';
  if (text !== body) {
    stale++;
    console.log(`${write ? 'updated' : 'STALE'}: the block for ${template} (${command})`);
  }
  return `<!-- render: ${command} -->\n\`\`\`${lang}\n${text}\`\`\`\n`;
});
if (count === 0) {
  console.log('FAIL: no rendered config block in docs/scale-out.md');
  process.exit(1);
}
if (write) {
  if (out !== doc) writeFileSync(docPath, out);
  console.log(`${count} block(s), ${stale} re-rendered`);
  process.exit(0);
}
if (stale) {
  console.log('FAIL: docs/scale-out.md shows configs that differ from deploy/; run: node tests/scale/docs_check.mjs --write');
  process.exit(1);
}
console.log(`ok: ${count} config block(s) of docs/scale-out.md match deploy/`);
