// Page benchmark (prints numbers, asserts nothing): start-up times, frame rate idle, while training
// and while paused (same UI, no training work), and training speed in the page for the small and the default architecture, as
// compute throughput (the trainer's images/s, time inside training slices only) and as wall-clock
// throughput (images per second of real time, with the UI drawing every frame).
//
//   node tests/web/bench_page.mjs [--site build-web/site] [--seconds 8] [--width 1280 --height 800] [--threads N]
// (--threads N opens the page with ?threads=N: 1 = the single-thread build; default: the page's own choice)
// Machine load skews every figure: run it on a quiet machine (uptime is printed).
import { loadavg } from 'node:os';

import { assertSiteBuilt, openBrowser, startServer, waitReady, waitStatus } from './helpers.mjs';

const argument = (flag, fallback) => {
  const i = process.argv.indexOf(flag);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const SECONDS = argument('--seconds', 8);
const WIDTH = argument('--width', 1280), HEIGHT = argument('--height', 800);
const THREADS = argument('--threads', 0);
const ARCHS = {
  small: 'conv16k5-relu-pool2-flatten-dense64-relu-dense10',
  default: 'conv32k3-relu-pool2-conv64k3-relu-pool2-flatten-dense128-relu-drop0.5-dense10',
};

// requestAnimationFrame callbacks (presented frames) and their longest gap, over `ms`.
const countFrames = (page, ms) => page.evaluate((duration) => new Promise((resolve) => {
  let frames = 0, last = 0, longest = 0;
  const start = performance.now();
  const tick = (now) => {
    if (last) longest = Math.max(longest, now - last);
    last = now;
    if (now - start >= duration) resolve({ fps: frames / ((now - start) / 1000), longestMs: longest });
    else { ++frames; requestAnimationFrame(tick); }
  };
  requestAnimationFrame(tick);
}), ms);

assertSiteBuilt();
const { proc: server, url } = await startServer();
const browser = await openBrowser({ width: WIDTH, height: HEIGHT });
const { page } = browser;
try {
  console.log(`load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}, viewport ${WIDTH}x${HEIGHT}`);
  const start = Date.now();
  await page.goto(THREADS ? `${url}?threads=${THREADS}` : url);
  await waitReady(page);
  const readyWall = Date.now() - start;
  await page.evaluate(() => window.convpad.datasetReady);
  const datasetWall = Date.now() - start;
  const timings = await page.evaluate(() => window.convpad.timings);
  console.log(`ready: ${timings.readyMs.toFixed(0)} ms after navigation start (${readyWall} ms wall from goto)`);
  console.log(`data set loaded: ${timings.datasetMs.toFixed(0)} ms after navigation start (${datasetWall} ms wall)`);
  const mode = await page.evaluate(() => window.convpad.status());
  console.log(`build: ${mode.mode}, ${mode.threads} thread(s)`);

  const idle = await countFrames(page, SECONDS * 1000);
  console.log(`idle: ${idle.fps.toFixed(1)} fps, longest frame gap ${idle.longestMs.toFixed(0)} ms`);

  for (const [name, arch] of Object.entries(ARCHS)) {
    await page.evaluate((a) => { window.convpad.train({ arch: a, epochs: 1, validation: 5000 }).catch(() => {}); }, arch);
    await waitStatus(page, (s) => s.step >= 5, { what: 'a few steps' });
    const before = await page.evaluate(() => ({ status: window.convpad.status(), t: performance.now() }));
    const frames = await countFrames(page, SECONDS * 1000);
    const after = await page.evaluate(() => ({ status: window.convpad.status(), t: performance.now() }));
    // The same UI without the training work: separates drawing cost from training cost.
    await page.evaluate(() => window.convpad.pause());
    const paused = await countFrames(page, SECONDS * 1000);
    await page.evaluate(() => window.convpad.reset());
    const images = (after.status.step - before.status.step) * 64;
    const wall = images / ((after.t - before.t) / 1000);
    console.log(`training ${name} (${arch}): ${frames.fps.toFixed(1)} fps (frame ${(1000 / frames.fps).toFixed(1)} ms, `
      + `longest gap ${frames.longestMs.toFixed(0)} ms); ${after.status.imagesPerSecond.toFixed(0)} images/s compute, `
      + `${wall.toFixed(0)} images/s wall; paused: ${paused.fps.toFixed(1)} fps`);
  }
} finally {
  await browser.close();
  server.kill('SIGTERM');
}
