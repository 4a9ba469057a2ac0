// Recorded pad drawings replayed with real mouse events: every drawing of
// tests/browser/drawings/digits.json and fashion.json (hand-made strokes; drawings/README.md) is drawn on the
// page's drawing pad (layout().pad) with Chromium's own mouse input (CDP Input.dispatchMouseEvent, what
// playwright's page.mouse sends), and the app's prediction of it (pad.prediction()) is scored against the
// drawing's label. Digits run on the page opened with ?dataset=digits, clothing on the plain page.
//
// Prints a per-class table (accuracy, what each class was taken for) and the overall accuracy of each set;
// writes every drawing's result to sketches.json in the artifacts folder, with pictures: the Drawing pad
// window after the first drawing of each class (sketches-<set>-<class>.png) and the 28x28 network input of
// every drawing, one row per class (sketches-<set>-inputs.png).
//
//   node --test tests/browser/sketches.mjs          (environment: see helpers.mjs)
// CONVPAD_SKETCH_TOLERANCE_PX: how far the replayed path may leave the recorded one (default 0: every
// recorded point).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { writeIdxPair } from '../../tools/data/idx.mjs';
import { ARTIFACTS_DIR, ROOT, assertSiteBuilt, openBrowser, startServer, waitFrames, waitReady } from './helpers.mjs';
import { encodePng } from './drawings/make_drawings.mjs';

// The accuracy the recorded drawings must reach.
export const ACCURACY_TARGETS = { digits: 0.95, fashion: 0.85 };


const FASHION_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
const DIGIT_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
const SETS = {
  digits: { file: 'digits.json', query: '?dataset=digits', classes: DIGIT_CLASSES },
  fashion: { file: 'fashion.json', query: '', classes: FASHION_CLASSES },
};

// Mouse positions: Chromium delivers at most one pointer move per frame and merges the others into it
// (PointerEvent.getCoalescedEvents); the page passes the merged positions to the pad
// (web/page/pointer_samples.js), so each stroke is sent as fast as a quick hand moves, every recorded
// point (CONVPAD_SKETCH_TOLERANCE_PX > 0 sends the fewest points whose polyline stays that close to the
// recorded one: Ramer-Douglas-Peucker), with extra points along segments longer than MAX_MOVE_PX. The page
// reports every position it received, merged or not, and a stroke ends once the last one arrived.
const TOLERANCE_PX = process.env.CONVPAD_SKETCH_TOLERANCE_PX !== undefined ? Number(process.env.CONVPAD_SKETCH_TOLERANCE_PX) : 0;
const MAX_MOVE_PX = 80;
const MIN_MOVE_PX = 1;          // a smaller move may reach the page as no move at all
const MOVE_TIMEOUT_MS = 3000;   // moves the page never reports (counted in lostMoves)
const VIEWPORT = { width: 1280, height: 800 };

let server, baseUrl, browser;
const results = {};

// [SECTION] Replaying a drawing

function simplify(points, tolerance) {
  if (tolerance <= 0 || points.length < 3) return points.slice();
  const keep = new Uint8Array(points.length);
  keep[0] = keep[points.length - 1] = 1;
  const stack = [[0, points.length - 1]];
  while (stack.length) {
    const [a, b] = stack.pop();
    const [ax, ay] = points[a], [bx, by] = points[b];
    const dx = bx - ax, dy = by - ay, len = Math.hypot(dx, dy);
    let worst = -1, far = 0;
    for (let i = a + 1; i < b; ++i) {
      const [px, py] = points[i];
      const d = len > 0 ? Math.abs((px - ax) * dy - (py - ay) * dx) / len : Math.hypot(px - ax, py - ay);
      if (d > far) { far = d; worst = i; }
    }
    if (far > tolerance) {
      keep[worst] = 1;
      stack.push([a, worst], [worst, b]);
    }
  }
  return points.filter((_, i) => keep[i]);
}

// The page positions (CSS px, rounded as Chromium's input is) the mouse is moved through for one recorded
// stroke; each at least MIN_MOVE_PX from the one before it.
function strokePath(stroke, pad) {
  const pts = simplify(stroke.map(([x, y]) => [pad.x + x * pad.width, pad.y + y * pad.height]), TOLERANCE_PX);
  const out = [pts[0]];
  for (let i = 1; i < pts.length; ++i) {
    const [ax, ay] = pts[i - 1], [bx, by] = pts[i];
    const steps = Math.max(1, Math.ceil(Math.hypot(bx - ax, by - ay) / MAX_MOVE_PX));
    for (let k = 1; k <= steps; ++k) out.push([ax + ((bx - ax) * k) / steps, ay + ((by - ay) * k) / steps]);
  }
  const kept = [];
  for (const [x, y] of out) {
    const p = [Math.round(x * 100) / 100, Math.round(y * 100) / 100];
    const last = kept[kept.length - 1];
    if (!last || Math.hypot(p[0] - last[0], p[1] - last[1]) >= MIN_MOVE_PX) kept.push(p);
  }
  return kept;
}

const near = (a, b) => Math.hypot(a[0] - b[0], a[1] - b[1]) <= 1;

// Sends mouse events through Chromium's own input (CDP Input.dispatchMouseEvent, what playwright's
// page.mouse sends) and follows what the page received: a pointermove listener reports every position of
// each event, merged ones included, through a binding.
class Mouse {
  constructor(cdp) {
    this.cdp = cdp;
    this.received = [];    // positions the page reported since the last send
    this.waiter = null;    // [position, resolve]: resolved when the page reports that position
    this.onRelease = null; // resolves a release once the page has seen it
    this.lost = 0;
    this.moves = 0;
    this.at = null;
    this.pressed = false;
  }

  onPagePositions(positions) {
    this.received.push(...positions);
    if (this.waiter && positions.some((p) => near(p, this.waiter[0]))) {
      const [, resolve] = this.waiter;
      this.waiter = null;
      resolve(true);
    }
  }

  // Sends moves through `points` back to back, as a quick hand does, and waits until the page reported
  // the last one; counts the sent positions the page never reported.
  async moveThrough(path) {
    const points = this.at ? path.filter((p, i) => i > 0 || Math.hypot(p[0] - this.at[0], p[1] - this.at[1]) >= MIN_MOVE_PX) : path;
    if (!points.length) return;
    this.received = [];
    let timer;
    const seen = new Promise((resolve) => {
      this.waiter = [points[points.length - 1], resolve];
      timer = setTimeout(() => resolve(false), MOVE_TIMEOUT_MS);
    });
    const buttons = this.pressed ? 1 : 0, button = this.pressed ? 'left' : 'none';
    await Promise.all(points.map(([x, y]) => this.cdp.send('Input.dispatchMouseEvent', { type: 'mouseMoved', x, y, button, buttons })));
    this.moves += points.length;
    this.at = points[points.length - 1];
    await seen;
    clearTimeout(timer);
    this.waiter = null;
    // The page's positions come in the order they were sent: match them up in order.
    let next = 0;
    for (const p of this.received) if (next < points.length && near(p, points[next])) ++next;
    this.lost += points.length - next;
  }

  // Presses or releases the left button; a release waits until the page has seen it.
  async button(type) {
    this.pressed = type === 'mousePressed';
    let timer;
    const released = this.pressed ? null : new Promise((resolve) => {
      this.onRelease = () => resolve(true);
      timer = setTimeout(() => resolve(false), MOVE_TIMEOUT_MS);
    });
    await this.cdp.send('Input.dispatchMouseEvent', {
      type, x: this.at[0], y: this.at[1], button: 'left', buttons: this.pressed ? 1 : 0, clickCount: 1,
    });
    if (released && !(await released)) throw new Error('the page did not see the button released');
    clearTimeout(timer);
    this.onRelease = null;
  }

  onPageRelease() {
    this.onRelease?.();
  }
}

// What the tests read from the page: the pad's state after a stroke (its network input and its count of
// finished strokes), and the prediction with the 28x28 input at the end. `before` runs first; then two
// frames are drawn, which handle the mouse events so far: a press and its release that fall into one frame
// end the stroke in the next (ImGui holds the button down for the frame it was pressed in).
const padState = (page, before = null) => page.evaluate((clear) => {
  const { pad } = window.convpad;
  if (clear) pad.clear();
  const frames = window.convpad.status().frames;
  window.convpad.redraw(2);
  if (window.convpad.status().frames < frames + 2) throw new Error('redraw(2) drew fewer frames');
  const pixels = pad.pixels();
  let key = 0;
  for (let i = 0; i < pixels.length; ++i) key = (key * 31 + Math.round(pixels[i] * 1e4) * (i + 1)) % 1e15;
  const { empty, strokes } = pad.prediction();
  return { empty, key, strokes };
}, before === 'clear');

async function replay(page, mouse, drawing, pad) {
  const keys = [], counts = [];
  const lostBefore = mouse.lost, movesBefore = mouse.moves;
  const start = await padState(page, 'clear');
  keys.push(start.key);
  counts.push(start.strokes);
  for (const stroke of drawing.strokes) {
    const points = strokePath(stroke, pad);
    await mouse.moveThrough(points.slice(0, 1));
    await mouse.button('mousePressed');
    await mouse.moveThrough(points.slice(1));
    await mouse.button('mouseReleased');
    const state = await padState(page);
    keys.push(state.key);
    counts.push(state.strokes);
  }
  const final = await page.evaluate(() => {
    const p = window.convpad.pad.prediction();
    return { label: p.label, name: p.name, probs: p.probs, empty: p.empty, pixels: Array.from(window.convpad.pad.pixels()) };
  });
  // Each stroke must count as one on the pad. One that left the network input as it was (drawn over ink
  // already there) is only reported.
  const missed = counts.slice(1).filter((n, i) => n !== counts[i] + 1).length;
  const unchanged = keys.slice(1).filter((k, i) => k === keys[i]).length;
  return { ...final, strokeCount: counts[counts.length - 1], missed, unchanged, moves: mouse.moves - movesBefore,
    lostMoves: mouse.lost - lostBefore };
}

// [SECTION] Reports

function classTable(set, drawings, classes) {
  const rows = [];
  for (const label of classes) {
    const mine = drawings.filter((d) => d.label === label);
    if (!mine.length) continue;
    const correct = mine.filter((d) => d.correct).length;
    const taken = {};
    for (const d of mine) if (!d.correct) taken[d.predictedName] = (taken[d.predictedName] ?? 0) + 1;
    rows.push({
      label, drawings: mine.length, correct, accuracy: correct / mine.length,
      confusions: Object.entries(taken).sort((a, b) => b[1] - a[1]).map(([name, n]) => ({ name, n })),
    });
  }
  const lines = [`${set}: per class (drawings, correct, accuracy, taken for)`];
  const width = Math.max(...rows.map((r) => r.label.length));
  for (const r of rows) {
    const confusions = r.confusions.map((c) => `${c.name} x${c.n}`).join(', ');
    lines.push(`  ${r.label.padEnd(width)}  ${String(r.drawings).padStart(2)}  ${String(r.correct).padStart(2)}  ` +
      `${r.accuracy.toFixed(2)}  ${confusions}`);
  }
  return { rows, lines };
}

// The network inputs (28x28, 3x) of every drawing, one row per class.
function inputSheet(drawings) {
  const scale = 3, cell = 28 * scale, gap = 4;
  const labels = [...new Set(drawings.map((d) => d.label))];
  const cols = Math.max(...labels.map((l) => drawings.filter((d) => d.label === l).length));
  const width = gap + cols * (cell + gap), height = gap + labels.length * (cell + gap);
  const gray = new Uint8Array(width * height).fill(60);
  labels.forEach((label, r) => drawings.filter((d) => d.label === label).forEach((d, c) => {
    const ox = gap + c * (cell + gap), oy = gap + r * (cell + gap);
    for (let y = 0; y < cell; ++y) {
      for (let x = 0; x < cell; ++x) {
        gray[(oy + y) * width + ox + x] = Math.round(255 * d.pixels[Math.floor(y / scale) * 28 + Math.floor(x / scale)]);
      }
    }
  }));
  return encodePng(width, height, gray);
}

// [SECTION] Tests

before(async () => {
  assertSiteBuilt();
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  ({ proc: server, url: baseUrl } = await startServer());
  browser = await openBrowser(VIEWPORT);
});

after(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
  if (Object.keys(results).length) {
    await writeFile(path.join(ARTIFACTS_DIR, 'sketches.json'), `${JSON.stringify(results, null, 1)}\n`);
  }
});

for (const [set, { file, query, classes }] of Object.entries(SETS)) {
  test(`recorded ${set} drawings, replayed with the mouse on the pad`, { timeout: 900_000 }, async (t) => {
    const started = Date.now();
    const { drawings } = JSON.parse(readFileSync(path.join(ROOT, 'tests/browser/drawings', file), 'utf8'));
    const { page, problems } = browser;
    const cdp = await page.context().newCDPSession(page);
    const mouse = new Mouse(cdp);
    await page.exposeBinding(`__sketchMove_${set}`, (source, positions) => mouse.onPagePositions(positions));
    await page.exposeBinding(`__sketchUp_${set}`, () => mouse.onPageRelease());
    await page.goto(baseUrl + query);
    await waitReady(page);
    // The data set downloads in the engine's worker: let it finish, so it does not compete for the CPU.
    await page.evaluate(() => window.convpad.datasetReady.catch(() => null));
    await page.evaluate((name) => window.addEventListener('pointermove', (e) => window[name](
      (e.getCoalescedEvents?.().length ? e.getCoalescedEvents() : [e]).map((c) => [c.clientX, c.clientY])),
    { capture: true, passive: true }), `__sketchMove_${set}`);
    await page.evaluate((name) => window.addEventListener('pointerup', () => window[name](), { capture: true, passive: true }),
      `__sketchUp_${set}`);
    await waitFrames(page, 2);
    const status = await page.evaluate(() => window.convpad.status());
    const layout = await page.evaluate(() => window.convpad.layout());
    const { pad } = layout;
    assert.ok(pad.width > 100 && pad.height > 100, `pad rectangle ${JSON.stringify(pad)}`);
    const datasetName = status.dataset?.name ?? null;
    if (set === 'digits' && datasetName !== 'digits') {
      t.diagnostic(`the page has no digits model yet (status().dataset.name = ${datasetName}): the digits are ` +
        'classified by the clothing model, so their accuracy means nothing');
    }

    const replayed = [];
    const shot = new Set();
    for (const [index, drawing] of drawings.entries()) {
      const result = await replay(page, mouse, drawing, pad);
      const expected = classes.indexOf(drawing.label);
      assert.ok(expected >= 0, `drawing ${index}: unknown label ${drawing.label}`);
      replayed.push({
        index, label: drawing.label, style: drawing.style, note: drawing.note, strokes: drawing.strokes.length,
        expected, predicted: result.label, predictedName: result.name, correct: result.label === expected,
        confidence: result.probs[result.label], probs: result.probs.map((p) => +p.toFixed(4)),
        empty: result.empty, strokeCount: result.strokeCount, missedStrokes: result.missed, unchangedStrokes: result.unchanged,
        moves: result.moves, lostMoves: result.lostMoves, pixels: result.pixels,
      });
      if (!shot.has(drawing.label)) {   // the Drawing pad window: the drawing, the bars, the network input
        shot.add(drawing.label);
        const win = layout.windows.find((w) => w.name === 'Drawing pad') ?? pad;
        await waitFrames(page, 2);
        const name = drawing.label.replace(/[^A-Za-z0-9]+/g, '-').toLowerCase();
        await page.screenshot({ path: path.join(ARTIFACTS_DIR, `sketches-${set}-${name}.png`),
          clip: { x: win.x, y: win.y, width: Math.min(win.width, VIEWPORT.width - win.x), height: Math.min(win.height, VIEWPORT.height - win.y) } });
      }
    }
    await writeFile(path.join(ARTIFACTS_DIR, `sketches-${set}-inputs.png`), inputSheet(replayed));
    // The same inputs as an IDX test set: `convpad eval --dataset <set> --data <dir> --model M` scores
    // another model on exactly what the pad made of these drawings (for trying models; the figures
    // that count are this replay's).
    writeIdxPair(path.join(ARTIFACTS_DIR, `sketches-${set}`), 't10k',
      replayed.map((d) => Uint8Array.from(d.pixels, (v) => Math.round(Math.min(1, Math.max(0, v)) * 255))),
      replayed.map((d) => d.expected), { raw: true });

    const correct = replayed.filter((d) => d.correct).length;
    const accuracy = correct / replayed.length;
    const table = classTable(set, replayed, classes);
    const seconds = (Date.now() - started) / 1000;
    const moves = replayed.reduce((n, d) => n + d.moves, 0);
    const lost = replayed.reduce((n, d) => n + d.lostMoves, 0);
    console.log([...table.lines, `${set}: accuracy ${accuracy.toFixed(3)} (${correct}/${replayed.length}), target ` +
      `${ACCURACY_TARGETS[set]}; model ${status.arch}; data set ${datasetName ?? '(unnamed)'}; ${moves} mouse moves ` +
      `(${lost} not seen by the page) in ${seconds.toFixed(0)} s`].join('\n'));
    results[set] = {
      url: query || '/', datasetName, arch: status.arch, accuracy, correct, total: replayed.length,
      target: ACCURACY_TARGETS[set], tolerancePx: TOLERANCE_PX, seconds, moves, lostMoves: lost, pad,
      perClass: table.rows, drawings: replayed.map(({ pixels, ...rest }) => rest),
    };

    // Every drawing reached the pad: not empty, each stroke counted once, and every position sent was seen.
    const missing = replayed.filter((d) => d.empty || d.missedStrokes > 0 || d.strokeCount !== d.strokes);
    assert.deepEqual(missing.map((d) => `#${d.index} ${d.label}: empty ${d.empty}, strokes ${d.strokeCount}/${d.strokes}, ` +
      `missed ${d.missedStrokes}`), [], 'drawings that did not reach the pad');
    assert.equal(lost, 0, `${lost} of ${moves} mouse positions never reached the page`);
    assert.deepEqual(problems, []);
    assert.ok(accuracy >= ACCURACY_TARGETS[set],
      `${set}: ${correct}/${replayed.length} recorded drawings recognised (${accuracy.toFixed(3)}), target ${ACCURACY_TARGETS[set]}`);
  });
}
