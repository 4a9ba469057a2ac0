// The fast kernels against their scalar references in the browser (issue 4): convpad_kernel_check
// (tests/web/kernel_check.cpp) in both engine-only modules the benchmark page (built with CONVPAD_BENCH) runs, convpad_bench.js
// (single thread) and convpad_bench_mt.js (-pthread, 2 threads: the page is cross-origin isolated because
// tools/server.py sends COOP/COEP). Every check must have run cases and stayed within its tolerance.
//
//   node --test tests/web/kernels.mjs      (environment: see helpers.mjs)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { assertSiteBuilt, openBrowser, startServer } from './helpers.mjs';

const CHECK_TIMEOUT_MS = 300_000;   // ~1 s of checks natively; wasm under a busy machine is slower
const KERNELS = [                   // every row kernel_check.cpp must report
  'sgemm', 'im2col', 'col2im', 'winograd_forward', 'maxpool_forward', 'maxpool_backward',
  'relu_forward', 'relu_backward', 'add_bias_rows', 'add_bias_relu_rows', 'add_bias_cols', 'accumulate_row_sums',
  'column_sums', 'multiply', 'adam_update', 'sgd_momentum_update',
];

let server, browser;

before(async () => {
  assertSiteBuilt();
  server = await startServer();
  browser = await openBrowser({ width: 800, height: 600 });
});

after(async () => {
  await browser?.close();
  server?.proc.kill('SIGTERM');
});

// Loads `script` into the site's bench.html (it runs nothing until asked) and returns
// {isolated, report} with the parsed reply of convpad_kernel_check(threads).
async function kernelCheck(script, threads) {
  const { page } = browser;
  await page.goto(`${server.url}bench.html`);
  await page.addScriptTag({ url: script });
  return page.evaluate(async (n) => {
    const module = await window.createConvPadBench({ printErr: (text) => console.warn(text) });
    return {
      isolated: self.crossOriginIsolated,
      report: JSON.parse(module.ccall('convpad_kernel_check', 'string', ['number'], [n])),
    };
  }, threads);
}

// Prints the table of checks and asserts each one ran and passed.
function assertAllPass(t, report, { threads }) {
  assert.ok(!report.error, `convpad_kernel_check: ${report.error}`);
  t.diagnostic(`simd ${report.simd}, gemm ${report.gemm}, ${report.threads} thread(s)`);
  t.diagnostic(`${'kernel'.padEnd(24)} ${'measure'.padEnd(7)} ${'cases'.padStart(6)} ${'worst'.padStart(10)} ${'tolerance'.padStart(10)}  ok`);
  for (const c of report.checks) {
    const worst = typeof c.worst === 'number' ? c.worst.toExponential(2) : String(c.worst);
    t.diagnostic(`${c.kernel.padEnd(24)} ${c.measure.padEnd(7)} ${String(c.cases).padStart(6)} ${worst.padStart(10)} ` +
                 `${c.tolerance.toExponential(0).padStart(10)}  ${c.ok ? 'yes' : 'NO'}`);
  }
  assert.equal(report.simd, 'wasm-simd128');
  assert.equal(report.threads, threads);
  const names = report.checks.map((c) => c.kernel);
  for (const kernel of KERNELS) assert.ok(names.includes(kernel), `no check of ${kernel}`);
  if (threads > 1) assert.ok(names.includes('sgemm threads vs 1'), 'no comparison of sgemm across thread counts');
  for (const c of report.checks) {
    assert.ok(c.cases > 0, `${c.kernel}: no cases ran`);
    assert.ok(typeof c.worst === 'number' && c.worst <= c.tolerance,
      `${c.kernel}: worst ${c.measure === 'bits' ? 'differing elements' : 'relative error'} ${c.worst} > tolerance ${c.tolerance}`);
    assert.equal(c.ok, true, `${c.kernel}: the engine says not ok`);
  }
  assert.equal(report.ok, true);
}

test('single-thread module: every SIMD kernel matches its scalar reference', { timeout: CHECK_TIMEOUT_MS }, async (t) => {
  const { report } = await kernelCheck('convpad_bench.js', 1);
  assertAllPass(t, report, { threads: 1 });
  assert.deepEqual(browser.problems, []);
});

test('threaded module on 2 threads: the same, and sgemm bit-identical to 1 thread', { timeout: CHECK_TIMEOUT_MS }, async (t) => {
  const { isolated, report } = await kernelCheck('convpad_bench_mt.js', 2);
  assert.equal(isolated, true, 'bench.html is not cross-origin isolated: the threaded module cannot run');
  assertAllPass(t, report, { threads: 2 });
  assert.deepEqual(browser.problems, []);
});
