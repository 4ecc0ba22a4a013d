#!/usr/bin/env node
// Interop check with the official TypeScript MCP SDK (@modelcontextprotocol/sdk, pinned in
// ../package-lock.json). Run with Node >= 22 after ../setup.sh (or use ./check.sh).
//
//   node check.mjs URL TOOLS CASES.json
//
// URL    http(s)://host:port/mcp  -> StreamableHTTPClientTransport
//        stdio:<command line>     -> StdioClientTransport; the command line is run by
//                                    `sh -c "exec <command line>"` with the full environment
// TOOLS  comma list of the tool names tools/list must return (exactly this set;
//        TS_SDK_ALLOW_EXTRA_TOOLS=1 tolerates extra tools). "" skips the check.
// CASES  JSON file: {"tool_name": CASE | [CASE, ...], ...}, called in file order, where
//        CASE = {"args": {...},               // arguments (default {})
//                "expectError": false,        // false (default): result.isError must be falsy
//                                             // true: result.isError must be true
//                                             // "protocol": the call must fail with a JSON-RPC error
//                "expectText": "substring",   // optional: must occur in the text content
//                "expectStructured": {        // optional: values in structuredContent, by dotted
//                  "items.0.name": "stores",  //   path (array indexes are numbers): equal as JSON,
//                  "count": {"$gte": 1},      //   or one matcher: $gte/$lte (numbers),
//                  "next_cursor": {"$exists": true}, // $exists (true/false),
//                  "items": {"$length": 3}},  //   $length (arrays, strings), $includes (a substring,
//                                             //   or an array element equal as JSON)
//                "label": "name"}             // optional, for the report
//        String values "{{tool.path.to.value}}" in args are replaced by that path in the last
//        CallToolResult of `tool` (e.g. "{{submit_job.structuredContent.job_id}}"); a template
//        embedded in a longer string is substituted as text.
//
// Every call also checks: when the tool declares an outputSchema and the result is not an
// error, structuredContent is present and validates against the schema (the SDK's
// Client.callTool enforces the same after listTools; we re-check independently because the
// SDK only caches schemas from the last tools/list page).
//
// Exit 0 iff every check passed. Closing line: "ts-sdk: N passed, N failed".
// Env: TS_SDK_REQUEST_TIMEOUT_MS (per request, default 30000), TS_SDK_TIMEOUT_MS (whole run,
// default 120000), TS_SDK_ALLOW_EXTRA_TOOLS=1.
import { readFileSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';

const REQUEST_TIMEOUT = Number(process.env.TS_SDK_REQUEST_TIMEOUT_MS || 30000);
const TOTAL_TIMEOUT = Number(process.env.TS_SDK_TIMEOUT_MS || 120000);
const ALLOW_EXTRA = process.env.TS_SDK_ALLOW_EXTRA_TOOLS === '1';

let childPid = null; // stdio server process, if any
let passed = 0;
let failed = 0;
let finishing = false; // set once we start exiting: later results are not reported
const ok = (what, info = '') => {
  if (finishing) return;
  passed++;
  console.log(`  ok    ${what}${info ? `  ${info}` : ''}`);
};
const fail = (what, why) => {
  if (finishing) return;
  failed++;
  console.log(`  FAIL  ${what}: ${why}`);
};
const errMsg = (e) => {
  const cause = e?.cause ? ` (${e.cause.code || e.cause.message || e.cause})` : '';
  return `${e?.message ?? e}${cause}`;
};
const short = (v, n = 300) => {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s && s.length > n ? `${s.slice(0, n)}...` : s;
};

function usage(msg) {
  if (msg) console.error(`check.mjs: ${msg}`);
  console.error('usage: node check.mjs URL|stdio:CMD TOOL1,TOOL2,... CASES.json');
  process.exit(2);
}

function loadCases(path) {
  let raw;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    usage(`cannot read cases file ${path}: ${e.message}`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) usage('cases file must be a JSON object keyed by tool name');
  const cases = [];
  for (const [tool, spec] of Object.entries(raw)) {
    const list = Array.isArray(spec) ? spec : [spec];
    list.forEach((c, i) => {
      if (!c || typeof c !== 'object') usage(`case ${tool}[${i}] must be an object`);
      const expectError = c.expectError ?? false;
      if (![true, false, 'protocol'].includes(expectError)) usage(`case ${tool}[${i}]: expectError must be true, false or "protocol"`);
      const label = c.label ? `${tool} (${c.label})` : list.length > 1 ? `${tool} #${i + 1}` : tool;
      if (c.expectStructured !== undefined && (typeof c.expectStructured !== 'object' || Array.isArray(c.expectStructured))) {
        usage(`case ${tool}[${i}]: expectStructured must be an object of path: value`);
      }
      cases.push({ tool, args: c.args ?? {}, expectError, expectText: c.expectText, expectStructured: c.expectStructured, label });
    });
  }
  return cases;
}

function getPath(obj, path) {
  return path.split('.').reduce((o, k) => (o == null ? undefined : o[k]), obj);
}

const sameJSON = (a, b) => JSON.stringify(a) === JSON.stringify(b);

// structuredProblems checks expectStructured against a result's structuredContent.
function structuredProblems(expected, sc) {
  const problems = [];
  for (const [path, want] of Object.entries(expected)) {
    const got = sc == null ? undefined : getPath(sc, path);
    const matcher = want && typeof want === 'object' && !Array.isArray(want) && Object.keys(want).length === 1 &&
      Object.keys(want)[0].startsWith('$') ? Object.entries(want)[0] : null;
    let good;
    if (!matcher) good = sameJSON(got, want);
    else {
      const [op, arg] = matcher;
      switch (op) {
        case '$gte': good = typeof got === 'number' && got >= arg; break;
        case '$lte': good = typeof got === 'number' && got <= arg; break;
        case '$exists': good = (got !== undefined) === arg; break;
        case '$length': good = (Array.isArray(got) || typeof got === 'string') && got.length === arg; break;
        case '$includes':
          good = typeof got === 'string' ? got.includes(arg) : Array.isArray(got) && got.some((v) => sameJSON(v, arg));
          break;
        default: problems.push(`expectStructured ${path}: unknown matcher ${op}`); continue;
      }
    }
    if (!good) problems.push(`structuredContent.${path} is ${short(got, 200)}, expected ${JSON.stringify(want)}`);
  }
  return problems;
}

// Replace {{tool.path}} templates with values from earlier results.
function resolveArgs(value, lastResults) {
  if (typeof value === 'string') {
    const whole = value.match(/^\{\{\s*([A-Za-z0-9_-]+)\.([^}\s]+)\s*\}\}$/);
    const lookup = (tool, path) => {
      if (!lastResults.has(tool)) throw new Error(`template refers to ${tool}, which has no earlier result`);
      const v = getPath(lastResults.get(tool), path);
      if (v === undefined) throw new Error(`template {{${tool}.${path}}}: no such value in ${tool}'s result`);
      return v;
    };
    if (whole) return lookup(whole[1], whole[2]);
    return value.replace(/\{\{\s*([A-Za-z0-9_-]+)\.([^}\s]+)\s*\}\}/g, (_, t, p) => {
      const v = lookup(t, p);
      return typeof v === 'string' ? v : JSON.stringify(v);
    });
  }
  if (Array.isArray(value)) return value.map((v) => resolveArgs(v, lastResults));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveArgs(v, lastResults)]));
  }
  return value;
}

function makeTransport(url) {
  if (url.startsWith('stdio:')) {
    const cmd = url.slice('stdio:'.length).trim();
    if (!cmd) usage('stdio: needs a command line');
    const t = new StdioClientTransport({
      command: 'sh',
      args: ['-c', `exec ${cmd}`],
      // The SDK's default passes only HOME/PATH/SHELL/TERM/USER/LOGNAME; servers need the real env.
      env: Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== undefined)),
      stderr: 'pipe',
    });
    // Remember the child's pid: on a failed connect the SDK starts its own (async) close and
    // forgets the process, so we make sure it is gone before we exit (see killChild).
    const start = t.start.bind(t);
    t.start = async () => {
      await start();
      childPid = t.pid;
    };
    let stderrTail = '';
    t.stderr?.on('data', (d) => {
      stderrTail = (stderrTail + d.toString()).slice(-4000);
    });
    return { transport: t, kind: 'stdio', stderrTail: () => stderrTail };
  }
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    usage(`not a URL: ${url}`);
  }
  if (!/^https?:$/.test(parsed.protocol)) usage(`unsupported URL scheme ${parsed.protocol}`);
  return { transport: new StreamableHTTPClientTransport(parsed), kind: 'streamable-http', stderrTail: () => '' };
}

async function main() {
  const [url, toolsArg, casesPath] = process.argv.slice(2);
  if (!url || toolsArg === undefined || !casesPath) usage();
  const expectedTools = toolsArg.split(',').map((s) => s.trim()).filter(Boolean);
  const cases = loadCases(casesPath);

  const { transport, kind, stderrTail } = makeTransport(url);
  const client = new Client({ name: 'carto-mcp-ts-sdk-check', version: '1.0.0' }, { capabilities: {} });
  const reqOpts = { timeout: REQUEST_TIMEOUT };
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await Promise.race([client.close().catch(() => {}), new Promise((r) => setTimeout(r, 5000))]);
  };

  try {
    try {
      await client.connect(transport, reqOpts);
    } catch (e) {
      fail('initialize', `${errMsg(e)}${stderrTail() ? `\n--- server stderr ---\n${stderrTail()}` : ''}`);
      return;
    }
    const info = client.getServerVersion();
    const proto = transport.protocolVersion ?? '';
    console.log(`ts-sdk: connected to ${info?.name ?? '?'} ${info?.version ?? ''} via ${kind}${proto ? ` (protocol ${proto})` : ''}`);

    // tools/list, following pagination.
    const tools = new Map();
    try {
      let cursor;
      let pages = 0;
      do {
        const page = await client.listTools(cursor ? { cursor } : undefined, reqOpts);
        for (const t of page.tools) tools.set(t.name, t);
        cursor = page.nextCursor;
        if (++pages > 100) throw new Error('more than 100 tools/list pages');
      } while (cursor);
    } catch (e) {
      fail('tools/list', errMsg(e));
      return;
    }
    if (expectedTools.length) {
      const names = [...tools.keys()];
      const missing = expectedTools.filter((n) => !tools.has(n));
      const extra = names.filter((n) => !expectedTools.includes(n));
      if (missing.length || (extra.length && !ALLOW_EXTRA)) {
        fail('tools/list', `expected [${expectedTools.join(', ')}], got [${names.join(', ')}]` +
          (missing.length ? `; missing: ${missing.join(', ')}` : '') + (extra.length ? `; unexpected: ${extra.join(', ')}` : ''));
      } else {
        ok('tools/list', `${names.length} tools`);
      }
      const uncovered = expectedTools.filter((n) => !cases.some((c) => c.tool === n));
      if (uncovered.length) console.log(`  note  no call case for: ${uncovered.join(', ')}`);
    }

    const ajv = new AjvJsonSchemaValidator();
    const validators = new Map();
    for (const t of tools.values()) {
      if (!t.outputSchema) continue;
      try {
        validators.set(t.name, ajv.getValidator(t.outputSchema));
      } catch (e) {
        validators.set(t.name, () => ({ valid: false, errorMessage: `outputSchema does not compile: ${e.message}` }));
      }
    }

    const lastResults = new Map();
    for (const c of cases) {
      // Unlisted tools are only called when a JSON-RPC error is the expected outcome.
      if (!tools.has(c.tool) && c.expectError !== 'protocol') {
        fail(c.label, 'tool not returned by tools/list');
        continue;
      }
      let args;
      try {
        args = resolveArgs(c.args, lastResults);
      } catch (e) {
        fail(c.label, e.message);
        continue;
      }
      let result;
      try {
        result = await client.callTool({ name: c.tool, arguments: args }, undefined, reqOpts);
      } catch (e) {
        const code = e && typeof e.code === 'number' ? ` (code ${e.code})` : '';
        if (c.expectError === 'protocol') ok(c.label, `protocol error as expected${code}`);
        else fail(c.label, `call failed${code}: ${errMsg(e)}`);
        continue;
      }
      lastResults.set(c.tool, result);
      const text = (result.content ?? []).filter((x) => x.type === 'text').map((x) => x.text).join('\n');
      const problems = [];
      if (c.expectError === 'protocol') problems.push('expected a JSON-RPC error, got a result');
      else if (Boolean(result.isError) !== c.expectError) {
        problems.push(`isError=${Boolean(result.isError)}, expected ${c.expectError}` + (text ? ` (text: ${short(text)})` : ''));
      }
      if (!Array.isArray(result.content)) problems.push('content is not an array');
      const validate = validators.get(c.tool);
      if (validate && !result.isError) {
        if (result.structuredContent === undefined || result.structuredContent === null) {
          problems.push('tool declares outputSchema but result has no structuredContent');
        } else {
          const v = validate(result.structuredContent);
          if (!v.valid) problems.push(`structuredContent does not match outputSchema: ${v.errorMessage}`);
        }
      }
      if (c.expectText !== undefined && !text.includes(c.expectText)) {
        problems.push(`text content does not contain ${JSON.stringify(c.expectText)} (text: ${short(text)})`);
      }
      if (c.expectStructured !== undefined) problems.push(...structuredProblems(c.expectStructured, result.structuredContent));
      if (problems.length) fail(c.label, problems.join('; '));
      else ok(c.label, `isError=${Boolean(result.isError)}${result.structuredContent !== undefined ? ', structuredContent' : ''}${validate && !result.isError ? ' (schema ok)' : ''}`);
    }
  } finally {
    await close();
  }
}

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
// SIGTERM the stdio server if it is still running, SIGKILL after 2 s.
async function killChild() {
  if (!childPid || !alive(childPid)) return;
  try {
    process.kill(childPid, 'SIGTERM');
  } catch {}
  for (let i = 0; i < 20 && alive(childPid); i++) await new Promise((r) => setTimeout(r, 100));
  if (alive(childPid)) {
    try {
      process.kill(childPid, 'SIGKILL');
    } catch {}
  }
}

async function finish(code) {
  if (finishing) return;
  finishing = true;
  await killChild();
  console.log(`ts-sdk: ${passed} passed, ${failed} failed`);
  // Exit explicitly: a stuck transport must not keep the process alive.
  process.exit(code);
}

const watchdog = setTimeout(() => {
  fail('run', `timed out after ${TOTAL_TIMEOUT} ms`);
  finish(1);
}, TOTAL_TIMEOUT);
watchdog.unref();

main()
  .catch((e) => fail('run', e?.stack || String(e)))
  .finally(() => finish(failed > 0 || passed === 0 ? 1 : 0));
