// The fast kernels against their scalar references in the browser: convpad_kernel_check
// (tests/kernel_check/kernel_check.cpp) in both builds of its own module, convpad_kernel_check.js (single
// thread) and convpad_kernel_check_mt.js (-pthread, 2 threads: the page is cross-origin isolated because
// tools/server.py sends COOP/COEP). Every check must have run cases and stayed within its tolerance.
//
//   node --test tests/browser/kernels.mjs      (CONVPAD_KERNEL_CHECK_DIR: the folder the web build made with
//                                                -DCONVPAD_TESTS=ON, default build/wasm/kernel-check)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';

import { ROOT, openBrowser, startServer } from './helpers.mjs';

const CHECK_DIR = path.resolve(process.env.CONVPAD_KERNEL_CHECK_DIR || path.join(ROOT, 'build/wasm/kernel-check'));

const CHECK_TIMEOUT_MS = 300_000;   // ~1 s of checks natively; wasm under a busy machine is slower
const KERNELS = [                   // every row kernel_check.cpp must report
  'sgemm', 'im2col', 'col2im', 'winograd_forward', 'maxpool_forward', 'maxpool_backward',
  'relu_forward', 'relu_backward', 'add_bias_rows', 'add_bias_relu_rows', 'add_bias_cols', 'accumulate_row_sums',
  'column_sums', 'multiply', 'adam_update', 'sgd_momentum_update',
];

let server, browser;

before(async () => {
  for (const file of ['index.html', 'convpad_kernel_check.js', 'convpad_kernel_check_mt.js']) {
    assert.ok(existsSync(path.join(CHECK_DIR, file)),
      `${CHECK_DIR}/${file} not found: build the web app with -DCONVPAD_TESTS=ON (tools/test.sh wasm)`);
  }
  server = await startServer({ dir: CHECK_DIR });
  browser = await openBrowser({ width: 800, height: 600 });
});

after(async () => {
  await browser?.close();
  server?.proc.kill('SIGTERM');
});

// Loads `script` into the folder's empty page and returns {isolated, report} with the parsed reply of
// convpad_kernel_check(threads).
async function kernelCheck(script, threads) {
  const { page } = browser;
  await page.goto(server.url);
  await page.addScriptTag({ url: script });
  return page.evaluate(async (n) => {
    const module = await window.createKernelCheck({ printErr: (text) => console.warn(text) });
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
  const { report } = await kernelCheck('convpad_kernel_check.js', 1);
  assertAllPass(t, report, { threads: 1 });
  assert.deepEqual(browser.problems, []);
});

test('threaded module on 2 threads: the same, and sgemm bit-identical to 1 thread', { timeout: CHECK_TIMEOUT_MS }, async (t) => {
  const { isolated, report } = await kernelCheck('convpad_kernel_check_mt.js', 2);
  assert.equal(isolated, true, 'the kernel check page is not cross-origin isolated: the threaded module cannot run');
  assertAllPass(t, report, { threads: 2 });
  assert.deepEqual(browser.problems, []);
});
