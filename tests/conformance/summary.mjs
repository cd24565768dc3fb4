// Counts the suite's raw results the way ../shared/peers/http-cache-tests.md
// counts the peers: "passed" is exactly `true`; anything else (assertion,
// Setup error, retry, FetchError) is a failure of that test's kind. A test
// with no kind or kind "required" is required; "optimal" and "check" are the
// others. browser_only tests are not run by the CLI and not counted.

/** Peers on the same suite (../shared/peers/http-cache-tests.md, run 1). */
export const PEERS = [
  { name: 'squid 5.7', passed: 245, required: 24, optimal: 46, checkYes: 55 },
  { name: 'trafficserver 9.2', passed: 245, required: 36, optimal: 26, checkYes: 47 },
  { name: 'apache2 2.4 (multi-process)', passed: 237, required: 36, optimal: 35, checkYes: 48 },
  { name: 'varnish 7.1', passed: 189, required: 41, optimal: 51, checkYes: 21 },
  { name: 'nginx 1.22', passed: 186, required: 65, optimal: 38, checkYes: 29 },
];

/**
 * Tests of the 0.4.5 package whose expectation contradicts RFC 9111 5.1 as
 * the maintained edition of the suite reads it (docs/conformance.md
 * "Errata of the 0.4.5 package"). Counted as failures like any other;
 * marked in the lists.
 */
export const ERRATA = new Set([
  'age-parse-nonnumeric',
  'age-parse-negative',
  'age-parse-float',
  'age-parse-prefix-twoline',
  'age-parse-dup-0',
  'age-parse-dup-0-twoline',
  'age-parse-dup-old',
]);

function kindOf(test) {
  return test.kind === 'optimal' || test.kind === 'check' ? test.kind : 'required';
}

export function summarize(suites, results) {
  const groups = [];
  const totals = { tests: 0, passed: 0, required: 0, optimal: 0, check: 0, failed: { required: 0, optimal: 0, check: 0 } };
  const failures = [];
  const missing = [];
  for (const suite of suites) {
    const g = { id: suite.id, name: suite.name, tests: 0, passed: 0, required: 0, optimal: 0, check: 0, failed: { required: 0, optimal: 0, check: 0 } };
    for (const t of suite.tests) {
      if (t.browser_only === true) continue;
      const kind = kindOf(t);
      g.tests++;
      g[kind]++;
      const r = results[t.id];
      if (r === undefined) missing.push(t.id);
      if (r === true) {
        g.passed++;
      } else {
        g.failed[kind]++;
        failures.push({ group: suite.id, id: t.id, kind, name: t.name, result: r ?? ['Missing', 'no result'] });
      }
    }
    for (const k of ['tests', 'passed', 'required', 'optimal', 'check']) totals[k] += g[k];
    for (const k of ['required', 'optimal', 'check']) totals.failed[k] += g.failed[k];
    groups.push(g);
  }
  return { totals, groups, failures, missing };
}

function row(cells) {
  return `| ${cells.join(' | ')} |`;
}

export function formatSummary(s) {
  const t = s.totals;
  const lines = [];
  lines.push('# freshet on http-cache-tests');
  lines.push('');
  if (s.run) lines.push(`Run ${s.run.date} (${s.run.seconds} s), suite ${s.run.suite}, ${s.run.wasm} wasm, node ${s.run.node}.`, '');
  lines.push(row(['cache', 'total', 'passed', `failed required /${t.required}`, `failed optimal /${t.optimal}`, `check yes / no (/${t.check})`]));
  lines.push(row(['---', '---', '---', '---', '---', '---']));
  lines.push(row(['**freshet**', t.tests, `**${t.passed}**`, t.failed.required, t.failed.optimal, `${t.check - t.failed.check} / ${t.failed.check}`]));
  for (const p of PEERS) {
    lines.push(row([p.name, 350, p.passed, p.required, p.optimal, `${p.checkYes} / ${90 - p.checkYes}`]));
  }
  lines.push('');
  lines.push(row(['group', 'tests', 'req/opt/chk', 'passed', 'required failed', 'optimal failed', 'check failed']));
  lines.push(row(['---', '---', '---', '---', '---', '---', '---']));
  for (const g of s.groups) {
    lines.push(row([g.id, g.tests, `${g.required}/${g.optimal}/${g.check}`, g.passed, g.failed.required, g.failed.optimal, g.failed.check]));
  }
  lines.push(row(['**all**', t.tests, `${t.required}/${t.optimal}/${t.check}`, `**${t.passed}**`, t.failed.required, t.failed.optimal, t.failed.check]));
  lines.push('');
  for (const kind of ['required', 'optimal', 'check']) {
    const f = s.failures.filter((x) => x.kind === kind);
    const errata = f.filter((x) => ERRATA.has(x.id)).length;
    lines.push(`## ${kind} not passed (${f.length}${errata ? `, of them ${errata} errata of the package` : ''})`, '');
    for (const x of f) {
      const why = Array.isArray(x.result) ? `${x.result[0]}: ${x.result[1]}` : String(x.result);
      lines.push(`- \`${x.id}\` (${x.group}) ${why}${ERRATA.has(x.id) ? ' - erratum (RFC 9111 5.1)' : ''}`);
    }
    lines.push('');
  }
  if (s.missing.length) lines.push(`Missing results: ${s.missing.join(', ')}`, '');
  return lines.join('\n');
}
