// Summarise @modelcontextprotocol/conformance server results (checks.json files)
// and apply an expected-failures baseline. Used by ../conformance.sh.
//
// node conformance-report.mjs --results DIR --scenarios a,b,c
//      [--expected-failures FILE] [--strict-baseline] [--warnings-fail]
//
// A scenario PASSes when it has at least one check and none is FAILURE (WARNING
// counts as FAILURE with --warnings-fail). Exit 1 on any unexpected failure or
// missing result; with --strict-baseline also when a baseline scenario passed.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

function parseArgs(argv) {
  const opts = { scenarios: [], strictBaseline: false, warningsFail: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--results') opts.results = val();
    else if (a === '--scenarios') opts.scenarios = val().split(/[\s,]+/).filter(Boolean);
    else if (a === '--expected-failures') opts.expectedFailures = val();
    else if (a === '--strict-baseline') opts.strictBaseline = true;
    else if (a === '--warnings-fail') opts.warningsFail = true;
    else throw new Error(`unknown argument ${a}`);
  }
  if (!opts.results) throw new Error('--results is required');
  return opts;
}

// Accepts the conformance CLI's YAML baseline format
//   server:\n  - name\nclient:\n  - name
// (only the `server:` list is used), or a plain list: one name per line, `#` comments.
export function readBaseline(path) {
  const lines = readFileSync(path, 'utf8').split(/\r?\n/);
  const hasSections = lines.some((l) => /^[A-Za-z_-]+:\s*(#.*)?$/.test(l));
  const names = [];
  let inServer = !hasSections;
  for (const raw of lines) {
    const line = raw.replace(/\s+#.*$/, '');
    if (!line.trim() || line.trim().startsWith('#')) continue;
    if (hasSections && /^\S/.test(line)) {
      inServer = /^server:\s*$/.test(line.trim());
      continue;
    }
    if (!inServer) continue;
    const m = line.trim().match(/^(?:-\s*)?["']?([^"'\s]+)["']?$/);
    if (m) names.push(m[1]);
  }
  return names;
}

// Result dirs are <results>/server-<scenario>-<ISO timestamp with : and . as ->.
const DIR_RE = /^server-(.+)-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}(?:-\d{3})?Z$/;

function readResults(dir) {
  const out = new Map();
  let entries = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries.sort()) {
    const m = name.match(DIR_RE);
    if (!m) continue;
    const file = join(dir, name, 'checks.json');
    try {
      statSync(file);
    } catch {
      continue;
    }
    let checks;
    try {
      checks = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      checks = [{ name: 'checks.json', status: 'FAILURE', errorMessage: `unreadable: ${e.message}` }];
    }
    out.set(m[1], checks); // last run of a scenario wins
  }
  return out;
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const baseline = new Set(opts.expectedFailures ? readBaseline(opts.expectedFailures) : []);
  const results = readResults(opts.results);
  const scenarios = opts.scenarios.length ? opts.scenarios : [...results.keys()];

  let passed = 0;
  let failed = 0;
  const xfail = [];
  const xpass = [];
  const rows = [];
  for (const s of scenarios) {
    const checks = results.get(s);
    const inBaseline = baseline.has(s);
    if (!checks) {
      rows.push({ tag: inBaseline ? 'XFAIL' : 'ERROR', s, info: 'no result (scenario crashed or timed out; see CLI log above)' });
      if (inBaseline) xfail.push(s);
      else failed++;
      continue;
    }
    const count = (st) => checks.filter((c) => c.status === st).length;
    const nOk = count('SUCCESS');
    const nFail = count('FAILURE');
    const nWarn = count('WARNING');
    const bad = checks.filter((c) => c.status === 'FAILURE' || (opts.warningsFail && c.status === 'WARNING'));
    const ok = checks.length > 0 && bad.length === 0;
    const nInfo = count('INFO');
    const stats =
      `${nOk} ok` + (nFail ? `, ${nFail} failed` : '') + (nWarn ? `, ${nWarn} warning` : '') + (nInfo ? `, ${nInfo} info` : '');
    const why = bad
      .map((c) => `${c.name || c.id}: ${c.errorMessage || c.description || c.status}`)
      .join('; ');
    const warnWhy = checks
      .filter((c) => c.status === 'WARNING' && !opts.warningsFail)
      .map((c) => `${c.name || c.id}: ${c.errorMessage || c.details?.message || c.description}`)
      .join('; ');
    if (ok && !inBaseline) {
      passed++;
      rows.push({ tag: nWarn ? 'WARN' : 'PASS', s, info: stats + (warnWhy ? ` -- ${warnWhy}` : '') });
    } else if (ok && inBaseline) {
      xpass.push(s);
      if (opts.strictBaseline) failed++;
      else passed++;
      rows.push({ tag: 'XPASS', s, info: `${stats} -- listed in expected failures but passed` + (opts.strictBaseline ? ' (stale baseline)' : '') });
    } else if (inBaseline) {
      xfail.push(s);
      rows.push({ tag: 'XFAIL', s, info: `${stats} -- expected failure: ${why || 'no checks'}` });
    } else {
      failed++;
      rows.push({ tag: 'FAIL', s, info: `${stats} -- ${why || 'no checks recorded'}` });
    }
  }

  const width = Math.max(...rows.map((r) => r.s.length), 10);
  for (const r of rows) console.log(`  ${r.tag.padEnd(5)} ${r.s.padEnd(width)}  ${r.info}`);
  const notRun = [...baseline].filter((s) => !scenarios.includes(s));
  if (xfail.length) console.log(`expected failures (baseline): ${xfail.join(', ')}`);
  if (xpass.length) console.log(`baseline entries that passed this run: ${xpass.join(', ')}${opts.strictBaseline ? ' -- remove them from the baseline' : ' (not an error; use --strict-baseline to fail on these)'}`);
  if (notRun.length && opts.scenarios.length) console.log(`baseline entries not selected in this run: ${notRun.join(', ')}`);
  console.log(`conformance: ${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 ? 1 : 0;
}

try {
  main();
} catch (e) {
  console.error(`conformance-report: ${e.message}`);
  process.exitCode = 2;
}
