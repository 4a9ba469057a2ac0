// Makes digits.json and fashion.json, the recorded pad drawings that tests/browser/sketches.mjs replays with
// real mouse events (README.md here describes the format). Every shape below is a list of hand-placed
// keypoints in its own box (u right, v down, 0..1), written one drawing at a time; this script only does
// what a hand on a mouse adds: it places the box on the pad (position, size, slant, rotation, shoes turned
// left or right), runs a smooth curve through the keypoints (sharp where a point is marked as a corner),
// samples it like mouse positions a few pixels apart, adds a small tremor, and turns "fill this region"
// into the back-and-forth scribble strokes people fill a shape with. All randomness comes from a PRNG
// seeded by the drawing's position in the list, so the JSON files are reproducible.
//
//   node tests/browser/drawings/make_drawings.mjs                 writes digits.json and fashion.json here
//   node tests/browser/drawings/make_drawings.mjs --sheet DIR      also renders DIR/drawings-{digits,fashion}.png
//                                                              (one row per class, white ink on black)
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import { seededRandom } from '../../../tools/data/idx.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));

// [SECTION] Randomness and geometry

function hashString(text) {
  let h = 2166136261;
  for (const ch of text) h = Math.imul(h ^ ch.codePointAt(0), 16777619);
  return h >>> 0;
}

// A keypoint of a shape ([u, v] or [u, v, 1] for a corner) in pad coordinates. box: {x, y, w, h} on the pad
// (unit square), slant (the top moves right by slant * h, the bottom left by as much), rot (degrees,
// clockwise on screen, about the box centre), flip (mirror left-right inside the box: a shoe turned round).
function place([u0, v, corner], box) {
  const { x, y, w, h, slant = 0, rot = 0, flip = false } = box;
  const u = flip ? 1 - u0 : u0;
  let px = x + u * w + slant * (0.5 - v) * h;
  let py = y + v * h;
  if (rot) {
    const a = (rot * Math.PI) / 180, cx = x + w / 2, cy = y + h / 2;
    const dx = px - cx, dy = py - cy;
    px = cx + dx * Math.cos(a) - dy * Math.sin(a);
    py = cy + dx * Math.sin(a) + dy * Math.cos(a);
  }
  return corner ? [px, py, 1] : [px, py];
}

// A fine polyline through the keypoints: centripetal Catmull-Rom between corners, straight lines where a
// piece has only two points.
function curve(points) {
  const pieces = [];
  let piece = [points[0]];
  for (let i = 1; i < points.length; ++i) {
    piece.push(points[i]);
    if (points[i][2] && i < points.length - 1) {
      pieces.push(piece);
      piece = [points[i]];
    }
  }
  pieces.push(piece);
  const out = [[points[0][0], points[0][1]]];
  for (const p of pieces) {
    const n = p.length;
    for (let i = 0; i + 1 < n; ++i) {
      const p1 = p[i], p2 = p[i + 1];
      const p0 = i > 0 ? p[i - 1] : [2 * p1[0] - p2[0], 2 * p1[1] - p2[1]];
      const p3 = i + 2 < n ? p[i + 2] : [2 * p2[0] - p1[0], 2 * p2[1] - p1[1]];
      const knot = (a, b) => Math.max(Math.sqrt(Math.hypot(b[0] - a[0], b[1] - a[1])), 1e-4);
      const t0 = 0, t1 = knot(p0, p1), t2 = t1 + knot(p1, p2), t3 = t2 + knot(p2, p3);
      const lerp = (a, b, ta, tb, t) => {
        const s = (t - ta) / (tb - ta);
        return [a[0] + (b[0] - a[0]) * s, a[1] + (b[1] - a[1]) * s];
      };
      const pieces2 = Math.max(2, Math.ceil(Math.hypot(p2[0] - p1[0], p2[1] - p1[1]) / 0.002));
      for (let k = 1; k <= pieces2; ++k) {
        const t = t1 + ((t2 - t1) * k) / pieces2;
        const a1 = lerp(p0, p1, t0, t1, t), a2 = lerp(p1, p2, t1, t2, t), a3 = lerp(p2, p3, t2, t3, t);
        const b1 = lerp(a1, a2, t0, t2, t), b2 = lerp(a2, a3, t1, t3, t);
        out.push(lerp(b1, b2, t1, t2, t));
      }
    }
  }
  return out;
}

// Mouse positions along the polyline, `gap` apart on average (the hand's speed varies), with a tremor: a
// slow sideways drift of `amp` plus a little jitter.
function sample(line, gap, amp, rand) {
  const cum = [0];
  for (let i = 1; i < line.length; ++i) {
    cum.push(cum[i - 1] + Math.hypot(line[i][0] - line[i - 1][0], line[i][1] - line[i - 1][1]));
  }
  const total = cum[cum.length - 1];
  const at = (s) => {
    let lo = 0, hi = cum.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (cum[mid] <= s) lo = mid; else hi = mid;
    }
    const f = cum[hi] > cum[lo] ? (s - cum[lo]) / (cum[hi] - cum[lo]) : 0;
    return [line[lo][0] + (line[hi][0] - line[lo][0]) * f, line[lo][1] + (line[hi][1] - line[lo][1]) * f];
  };
  const stations = [0];
  while (stations[stations.length - 1] < total) stations.push(stations[stations.length - 1] + gap * (0.7 + 0.6 * rand()));
  stations[stations.length - 1] = total;
  const f1 = 1 / (0.15 + 0.25 * rand()), f2 = 1 / (0.05 + 0.06 * rand());
  const ph1 = 2 * Math.PI * rand(), ph2 = 2 * Math.PI * rand();
  return stations.map((s, i) => {
    const p = at(s);
    const q = at(Math.min(total, s + 0.004)), r = at(Math.max(0, s - 0.004));
    const len = Math.hypot(q[0] - r[0], q[1] - r[1]) || 1;
    const nx = -(q[1] - r[1]) / len, ny = (q[0] - r[0]) / len;
    // The tremor fades in over the first few millimetres: the press lands where it was aimed.
    const ease = Math.min(1, s / 0.03, (total - s) / 0.03 + 0.3);
    const off = amp * ease * (0.65 * Math.sin(2 * Math.PI * f1 * s + ph1) + 0.35 * Math.sin(2 * Math.PI * f2 * s + ph2));
    const jx = i > 0 ? (rand() - 0.5) * 0.003 : 0, jy = i > 0 ? (rand() - 0.5) * 0.003 : 0;
    return [p[0] + nx * off + jx, p[1] + ny * off + jy];
  });
}

// The scribble a person fills a region with: back-and-forth lines `gap` apart across the polygon (pad
// coordinates), at `angle` degrees (0: left-right lines, 90: up-down). mode 'rows': lines joined by short
// rounded turns along the edge; 'zig': a zigzag touching alternate sides. Each line spans the region's outer
// edges on that line, held `inset` inside them.
function scribble(poly, { angle = 0, gap = 0.06, mode = 'rows', inset = 0.024 }, rand) {
  const a = (angle * Math.PI) / 180, c = Math.cos(a), s = Math.sin(a);
  const rot = poly.map(([x, y]) => [x * c + y * s, -x * s + y * c]);
  const ys = rot.map((p) => p[1]);
  const ymin = Math.min(...ys), ymax = Math.max(...ys);
  const step = mode === 'zig' ? gap * 0.6 : gap;
  const lines = [];
  for (let y = ymin + inset * (0.6 + 0.5 * rand()); y <= ymax - inset * 0.5; y += step * (0.85 + 0.3 * rand())) {
    const xs = [];
    for (let i = 0; i < rot.length; ++i) {
      const p = rot[i], q = rot[(i + 1) % rot.length];
      if ((p[1] <= y) !== (q[1] <= y)) xs.push(p[0] + ((y - p[1]) / (q[1] - p[1])) * (q[0] - p[0]));
    }
    if (xs.length < 2) continue;
    let lo = Math.min(...xs) + inset * (0.5 + rand()), hi = Math.max(...xs) - inset * (0.5 + rand());
    if (hi - lo < 0.01) lo = hi = (lo + hi) / 2;
    lines.push([lo, hi, y]);
  }
  const path = [];
  lines.forEach(([lo, hi, y], k) => {
    const flip = k % 2 === 1;
    if (mode === 'rows') path.push(flip ? [hi, y] : [lo, y], flip ? [lo, y] : [hi, y]);
    else path.push(flip ? [hi, y] : [lo, y]);
  });
  if (rand() < 0.5) path.reverse();
  return path.map(([x, y]) => (mode === 'zig' ? [x * c - y * s, x * s + y * c, 1] : [x * c - y * s, x * s + y * c]));
}

const round3 = (v) => Math.round(v * 1000) / 1000;

// One drawing of the spec below as it goes into the JSON: strokes of pad points, 3 decimals.
function makeDrawing(spec, index, set) {
  const rand = seededRandom(hashString(`${set}/${index}/${spec.label}`));
  const box = { x: spec.box[0], y: spec.box[1], w: spec.box[2], h: spec.box[3], slant: spec.slant, rot: spec.rot, flip: spec.flip };
  const gap = 0.013 + 0.005 * rand();      // ~4-6 px of a 312 px pad between mouse positions
  const amp = 0.003 + 0.004 * rand();      // tremor: 1-2 px
  const strokes = spec.strokes.map((stroke) => stroke.map((p) => place(p, box)));
  for (const fill of spec.fills ?? []) {
    const poly = fill.poly.map((p) => place(p, box));
    strokes.push(scribble(poly, fill, rand));
  }
  const out = strokes.map((stroke) => sample(curve(stroke), gap, amp, rand));
  const outside = out.flat().filter(([x, y]) => x < 0.01 || x > 0.99 || y < 0.01 || y > 0.99).length;
  if (outside) console.warn(`${set} #${index} (${spec.label}): ${outside} points off the pad's edge`);
  return {
    label: spec.label,
    style: spec.style,
    note: spec.note,
    strokes: out.map((stroke) => stroke.map(([x, y]) => [round3(Math.min(0.995, Math.max(0.005, x))),
      round3(Math.min(0.995, Math.max(0.005, y)))])),
  };
}

// [SECTION] Digits
// Box [x, y, w, h] on the pad; keypoints in the box. Mostly one stroke, as people write digits.

const digit = (label, note, box, strokes, extra = {}) => ({ label, style: 'stroke', note, box, strokes, ...extra });

const DIGITS = [
  digit('0', 'oval, anticlockwise from the top, the end overlapping the start', [0.3, 0.12, 0.42, 0.76],
    [[[0.55, 0.02], [0.25, 0.07], [0.07, 0.3], [0.04, 0.6], [0.18, 0.88], [0.48, 0.99], [0.78, 0.9], [0.95, 0.62],
      [0.94, 0.3], [0.78, 0.07], [0.5, 0.01], [0.36, 0.06]]], { slant: 0.05 }),
  digit('0', 'narrow and slanted, clockwise', [0.35, 0.08, 0.3, 0.8],
    [[[0.35, 0.05], [0.7, 0.02], [0.95, 0.25], [0.98, 0.6], [0.8, 0.92], [0.45, 0.99], [0.12, 0.85], [0.02, 0.5],
      [0.12, 0.15], [0.38, 0.03]]], { slant: 0.15 }),
  digit('0', 'round, not quite closed at the top', [0.22, 0.2, 0.56, 0.62],
    [[[0.6, 0.03], [0.3, 0.05], [0.08, 0.28], [0.03, 0.58], [0.2, 0.88], [0.5, 0.98], [0.82, 0.88], [0.98, 0.55],
      [0.9, 0.22], [0.72, 0.06]]]),
  digit('0', 'small, top left, started at the bottom', [0.12, 0.1, 0.3, 0.45],
    [[[0.5, 0.98], [0.15, 0.85], [0.02, 0.5], [0.15, 0.12], [0.5, 0.01], [0.85, 0.14], [0.98, 0.5], [0.85, 0.86],
      [0.5, 0.98], [0.38, 0.94]]]),
  digit('0', 'tall egg, tilted, the end overlapping', [0.28, 0.06, 0.46, 0.88],
    [[[0.6, 0.04], [0.3, 0.06], [0.1, 0.35], [0.08, 0.7], [0.3, 0.96], [0.62, 0.97], [0.88, 0.72], [0.92, 0.35],
      [0.78, 0.08], [0.58, 0.02], [0.45, 0.1]]], { rot: -8 }),
  digit('0', 'bottom right, leaning left', [0.42, 0.32, 0.42, 0.6],
    [[[0.45, 0.0], [0.15, 0.15], [0.0, 0.5], [0.15, 0.85], [0.5, 1.0], [0.85, 0.85], [1.0, 0.5], [0.85, 0.15],
      [0.55, 0.0], [0.4, 0.03]]], { slant: -0.1 }),

  digit('1', 'a plain vertical line', [0.45, 0.1, 0.1, 0.8], [[[0.5, 0.0], [0.54, 0.5], [0.5, 1.0]]]),
  digit('1', 'flag and stem in one stroke', [0.35, 0.1, 0.25, 0.8], [[[0.0, 0.25], [0.7, 0.0, 1], [0.7, 1.0]]],
    { slant: 0.1 }),
  digit('1', 'flag, stem, and a base as a second stroke', [0.3, 0.12, 0.4, 0.76],
    [[[0.15, 0.22], [0.55, 0.0, 1], [0.55, 0.98]], [[0.1, 1.0], [0.95, 0.99]]]),
  digit('1', 'slanted line, no flag', [0.33, 0.1, 0.3, 0.75], [[[0.5, 0.0], [0.5, 1.0]]], { slant: 0.35 }),
  digit('1', 'small, low right, short flag, slightly bent', [0.5, 0.38, 0.2, 0.5],
    [[[0.1, 0.2], [0.6, 0.0, 1], [0.56, 0.5], [0.5, 1.0]]]),
  digit('1', 'stem and a base, no flag', [0.38, 0.08, 0.3, 0.84], [[[0.5, 0.0], [0.48, 1.0]], [[0.05, 0.98], [0.95, 1.0]]]),

  digit('2', 'round top, diagonal, flat base', [0.28, 0.15, 0.45, 0.7],
    [[[0.08, 0.25], [0.3, 0.03], [0.65, 0.02], [0.9, 0.22], [0.82, 0.48], [0.45, 0.75], [0.05, 0.98, 1], [0.95, 0.97]]]),
  digit('2', 'loop at the bottom left', [0.2, 0.08, 0.55, 0.8],
    [[[0.1, 0.2], [0.4, 0.0], [0.75, 0.05], [0.85, 0.3], [0.65, 0.55], [0.25, 0.85], [0.08, 0.97], [0.05, 0.85],
      [0.2, 0.82], [0.45, 0.95], [0.7, 1.0], [0.98, 0.92]]], { slant: 0.1 }),
  digit('2', 'flat, almost a Z', [0.3, 0.22, 0.4, 0.5],
    [[[0.02, 0.18], [0.4, 0.0], [0.85, 0.1], [0.85, 0.35], [0.05, 1.0, 1], [1.0, 0.98]]]),
  digit('2', 'small, bottom left, wavy base', [0.1, 0.38, 0.4, 0.55],
    [[[0.15, 0.3], [0.35, 0.05], [0.7, 0.02], [0.9, 0.25], [0.7, 0.55], [0.3, 0.85], [0.05, 1.0, 1], [0.4, 0.9],
      [0.7, 1.0], [0.95, 0.92]]]),
  digit('2', 'large, slanted', [0.22, 0.05, 0.55, 0.9],
    [[[0.05, 0.28], [0.2, 0.06], [0.55, 0.0], [0.9, 0.15], [0.9, 0.4], [0.55, 0.68], [0.1, 0.97, 1], [0.9, 0.98]]],
    { slant: 0.2 }),
  digit('2', 'the base as a second stroke', [0.42, 0.2, 0.45, 0.6],
    [[[0.15, 0.15], [0.5, 0.0], [0.85, 0.15], [0.8, 0.4], [0.3, 0.8], [0.02, 1.0]], [[0.0, 0.98], [1.0, 0.96]]]),

  digit('3', 'two bumps with a pointed middle', [0.3, 0.12, 0.42, 0.76],
    [[[0.08, 0.12], [0.45, 0.0], [0.85, 0.1], [0.85, 0.33], [0.4, 0.48, 1], [0.85, 0.6], [0.92, 0.85], [0.55, 1.0],
      [0.08, 0.9]]]),
  digit('3', 'flat top, like a Z with a belly', [0.28, 0.12, 0.45, 0.75],
    [[[0.05, 0.02], [0.95, 0.03, 1], [0.4, 0.42, 1], [0.85, 0.52], [0.95, 0.78], [0.6, 0.99], [0.1, 0.88]]],
    { slant: 0.1 }),
  digit('3', 'rounded middle', [0.2, 0.06, 0.5, 0.85],
    [[[0.1, 0.18], [0.35, 0.02], [0.75, 0.05], [0.8, 0.3], [0.55, 0.45], [0.38, 0.48], [0.6, 0.52], [0.9, 0.68],
      [0.85, 0.92], [0.45, 1.0], [0.05, 0.85]]]),
  digit('3', 'small, bottom right', [0.52, 0.45, 0.3, 0.45],
    [[[0.05, 0.15], [0.4, 0.0], [0.85, 0.12], [0.75, 0.38], [0.35, 0.5, 1], [0.85, 0.62], [0.9, 0.88], [0.45, 1.0],
      [0.02, 0.85]]]),
  digit('3', 'two strokes, one per bump', [0.3, 0.1, 0.45, 0.8],
    [[[0.1, 0.1], [0.5, 0.0], [0.85, 0.15], [0.75, 0.38], [0.35, 0.47]],
      [[0.35, 0.47], [0.8, 0.58], [0.95, 0.82], [0.6, 1.0], [0.1, 0.92]]], { slant: -0.1 }),
  digit('3', 'slanted, big lower bump', [0.25, 0.1, 0.5, 0.8],
    [[[0.15, 0.15], [0.5, 0.0], [0.8, 0.18], [0.6, 0.4], [0.35, 0.45, 1], [0.75, 0.55], [1.0, 0.78], [0.75, 0.98],
      [0.35, 1.0], [0.0, 0.8]]], { slant: 0.2 }),

  digit('4', 'open top, two strokes', [0.25, 0.12, 0.5, 0.76],
    [[[0.15, 0.0], [0.1, 0.6, 1], [0.95, 0.6]], [[0.7, 0.1], [0.7, 1.0]]]),
  digit('4', 'closed, one stroke up the stem, down the diagonal, across', [0.28, 0.1, 0.45, 0.8],
    [[[0.7, 1.0], [0.7, 0.0, 1], [0.02, 0.68, 1], [0.98, 0.68]]]),
  digit('4', 'open, one stroke: an L, then up and down the stem', [0.3, 0.15, 0.42, 0.7],
    [[[0.18, 0.0], [0.12, 0.55, 1], [0.78, 0.55, 1], [0.8, 0.08, 1], [0.78, 1.0]]]),
  digit('4', 'closed, two strokes, slanted', [0.3, 0.15, 0.45, 0.7],
    [[[0.65, 0.0], [0.05, 0.7, 1], [0.95, 0.7]], [[0.65, 0.0], [0.65, 1.0]]], { slant: 0.1 }),
  digit('4', 'open, small, left, stem leaning', [0.15, 0.2, 0.45, 0.6],
    [[[0.2, 0.0], [0.05, 0.55, 1], [1.0, 0.5]], [[0.75, 0.05], [0.65, 1.0]]]),
  digit('4', 'closed, the stem a separate stroke', [0.35, 0.08, 0.45, 0.82],
    [[[0.6, 0.05], [0.0, 0.65, 1], [1.0, 0.62]], [[0.7, 0.0], [0.68, 1.0]]]),

  digit('5', 'belly first, the bar as a second stroke', [0.3, 0.12, 0.42, 0.76],
    [[[0.2, 0.02], [0.15, 0.45, 1], [0.5, 0.37], [0.85, 0.52], [0.88, 0.8], [0.55, 1.0], [0.1, 0.9]],
      [[0.2, 0.02], [0.92, 0.02]]]),
  digit('5', 'one stroke, the bar first', [0.28, 0.1, 0.45, 0.8],
    [[[0.92, 0.02], [0.2, 0.02, 1], [0.15, 0.42, 1], [0.55, 0.36], [0.9, 0.58], [0.82, 0.9], [0.45, 1.0], [0.08, 0.86]]],
    { slant: 0.1 }),
  digit('5', 'bar first as its own stroke, round belly', [0.2, 0.2, 0.55, 0.65],
    [[[0.1, 0.0], [0.95, 0.0]],
      [[0.12, 0.0], [0.08, 0.45, 1], [0.45, 0.35], [0.9, 0.5], [0.95, 0.8], [0.6, 1.0], [0.2, 0.95], [0.02, 0.82]]]),
  digit('5', 'small, top right, one stroke', [0.55, 0.12, 0.3, 0.5],
    [[[0.95, 0.03], [0.25, 0.0, 1], [0.2, 0.45, 1], [0.6, 0.4], [0.95, 0.65], [0.75, 0.95], [0.3, 1.0], [0.05, 0.85]]]),
  digit('5', 'slanted, two strokes', [0.25, 0.1, 0.5, 0.8],
    [[[0.25, 0.0], [0.2, 0.48, 1], [0.6, 0.4], [0.9, 0.6], [0.8, 0.9], [0.4, 1.0], [0.05, 0.85]],
      [[0.25, 0.0], [1.0, 0.02]]], { slant: 0.25 }),
  digit('5', 'tall, one stroke', [0.32, 0.06, 0.4, 0.88],
    [[[0.85, 0.0], [0.25, 0.03, 1], [0.22, 0.4, 1], [0.7, 0.42], [0.95, 0.68], [0.72, 0.95], [0.3, 0.98], [0.05, 0.8]]]),

  digit('6', 'curved back into a loop', [0.3, 0.12, 0.42, 0.76],
    [[[0.75, 0.02], [0.35, 0.2], [0.1, 0.55], [0.15, 0.88], [0.45, 1.0], [0.8, 0.88], [0.85, 0.62], [0.5, 0.48],
      [0.15, 0.65]]]),
  digit('6', 'slanted, straight back', [0.25, 0.1, 0.45, 0.8],
    [[[0.7, 0.0], [0.2, 0.45], [0.12, 0.8], [0.4, 1.0], [0.78, 0.88], [0.82, 0.62], [0.45, 0.5], [0.15, 0.72]]],
    { slant: 0.2 }),
  digit('6', 'small loop, long back', [0.3, 0.05, 0.35, 0.9],
    [[[0.8, 0.0], [0.4, 0.25], [0.12, 0.65], [0.2, 0.92], [0.5, 1.0], [0.82, 0.85], [0.75, 0.65], [0.45, 0.62],
      [0.15, 0.8]]]),
  digit('6', 'small, lower left', [0.12, 0.42, 0.35, 0.5],
    [[[0.7, 0.0], [0.3, 0.2], [0.05, 0.6], [0.2, 0.95], [0.6, 1.0], [0.9, 0.75], [0.7, 0.5], [0.3, 0.55], [0.1, 0.75]]]),
  digit('6', 'curled top, round belly', [0.28, 0.12, 0.5, 0.75],
    [[[0.95, 0.12], [0.6, 0.0], [0.25, 0.15], [0.05, 0.5], [0.1, 0.85], [0.45, 1.0], [0.85, 0.88], [0.9, 0.6],
      [0.55, 0.45], [0.2, 0.55], [0.08, 0.7]]]),
  digit('6', 'leaning left', [0.35, 0.1, 0.4, 0.8],
    [[[0.85, 0.02], [0.5, 0.15], [0.2, 0.45], [0.1, 0.75], [0.3, 0.98], [0.7, 0.95], [0.88, 0.72], [0.6, 0.52],
      [0.25, 0.6]]], { slant: -0.1 }),

  digit('7', 'plain: bar and diagonal in one stroke', [0.28, 0.12, 0.45, 0.76], [[[0.05, 0.04], [0.95, 0.04, 1], [0.4, 1.0]]]),
  digit('7', 'with a crossbar (second stroke)', [0.25, 0.1, 0.5, 0.8],
    [[[0.02, 0.05], [0.98, 0.03, 1], [0.45, 1.0]], [[0.48, 0.5], [0.95, 0.5]]]),
  digit('7', 'curved stem', [0.3, 0.15, 0.45, 0.75], [[[0.08, 0.1], [0.92, 0.05, 1], [0.65, 0.45], [0.5, 1.0]]]),
  digit('7', 'small, top left, with a little hook at the start', [0.15, 0.06, 0.4, 0.6],
    [[[0.02, 0.22, 1], [0.05, 0.02, 1], [0.95, 0.04, 1], [0.35, 1.0]]]),
  digit('7', 'slanted, with a crossbar', [0.3, 0.1, 0.5, 0.8],
    [[[0.0, 0.02], [1.0, 0.0, 1], [0.4, 1.0]], [[0.45, 0.52], [0.95, 0.5]]], { slant: 0.2 }),
  digit('7', 'small, lower right', [0.45, 0.38, 0.35, 0.55], [[[0.05, 0.05], [0.95, 0.0, 1], [0.6, 0.5], [0.4, 1.0]]]),

  digit('8', 'one stroke crossing in the middle', [0.3, 0.08, 0.4, 0.84],
    [[[0.8, 0.12], [0.5, 0.0], [0.18, 0.12], [0.22, 0.35], [0.5, 0.48], [0.82, 0.65], [0.85, 0.88], [0.5, 1.0],
      [0.15, 0.88], [0.18, 0.65], [0.5, 0.48], [0.78, 0.32], [0.8, 0.12], [0.65, 0.03]]]),
  digit('8', 'two circles, two strokes', [0.3, 0.1, 0.4, 0.8],
    [[[0.5, 0.0], [0.85, 0.1], [0.88, 0.3], [0.5, 0.42], [0.12, 0.3], [0.15, 0.1], [0.5, 0.0]],
      [[0.5, 0.42], [0.95, 0.58], [0.95, 0.88], [0.5, 1.0], [0.05, 0.88], [0.05, 0.58], [0.5, 0.42]]]),
  digit('8', 'slanted, started at the top left', [0.25, 0.1, 0.45, 0.8],
    [[[0.2, 0.1], [0.5, 0.0], [0.82, 0.12], [0.75, 0.32], [0.5, 0.45], [0.15, 0.62], [0.12, 0.88], [0.5, 1.0],
      [0.88, 0.85], [0.85, 0.62], [0.5, 0.45], [0.22, 0.3], [0.2, 0.1]]], { slant: 0.2 }),
  digit('8', 'small, bottom right', [0.55, 0.5, 0.3, 0.45],
    [[[0.8, 0.12], [0.5, 0.0], [0.2, 0.12], [0.22, 0.35], [0.5, 0.48], [0.85, 0.65], [0.85, 0.9], [0.5, 1.0],
      [0.12, 0.88], [0.15, 0.65], [0.5, 0.48], [0.78, 0.3], [0.8, 0.12]]]),
  digit('8', 'small top loop, big bottom loop', [0.3, 0.05, 0.42, 0.9],
    [[[0.75, 0.1], [0.5, 0.0], [0.25, 0.1], [0.3, 0.28], [0.5, 0.38], [0.85, 0.6], [0.88, 0.88], [0.5, 1.0],
      [0.12, 0.88], [0.15, 0.6], [0.5, 0.38], [0.72, 0.26], [0.75, 0.1]]]),
  digit('8', 'started in the middle, leaning left', [0.32, 0.15, 0.35, 0.7],
    [[[0.5, 0.5], [0.85, 0.3], [0.75, 0.05], [0.5, 0.0], [0.25, 0.05], [0.15, 0.3], [0.5, 0.5], [0.85, 0.7],
      [0.85, 0.95], [0.5, 1.0], [0.15, 0.95], [0.15, 0.7], [0.5, 0.5]]], { slant: -0.1 }),

  digit('9', 'loop, then a straight stem', [0.3, 0.1, 0.42, 0.8],
    [[[0.85, 0.15], [0.5, 0.0], [0.15, 0.12], [0.12, 0.35], [0.45, 0.48], [0.82, 0.35], [0.86, 0.1, 1], [0.85, 0.5],
      [0.8, 1.0]]]),
  digit('9', 'stem ending in a hook', [0.28, 0.12, 0.45, 0.76],
    [[[0.88, 0.2], [0.55, 0.0], [0.15, 0.1], [0.1, 0.38], [0.45, 0.5], [0.85, 0.35], [0.9, 0.12, 1], [0.85, 0.6],
      [0.7, 0.92], [0.4, 1.0], [0.15, 0.9]]], { slant: 0.15 }),
  digit('9', 'a circle, then the stem as a second stroke', [0.3, 0.15, 0.4, 0.75],
    [[[0.55, 0.0], [0.15, 0.08], [0.05, 0.3], [0.4, 0.45], [0.85, 0.35], [0.9, 0.1], [0.55, 0.0]],
      [[0.9, 0.05], [0.85, 1.0]]]),
  digit('9', 'small, top left', [0.15, 0.08, 0.35, 0.5],
    [[[0.85, 0.15], [0.5, 0.0], [0.15, 0.12], [0.12, 0.38], [0.45, 0.5], [0.82, 0.35], [0.86, 0.1, 1], [0.82, 0.6],
      [0.75, 1.0]]]),
  digit('9', 'flat loop, diagonal stem', [0.35, 0.08, 0.35, 0.85],
    [[[0.9, 0.12], [0.55, 0.0], [0.1, 0.08], [0.05, 0.28], [0.45, 0.35], [0.9, 0.2, 1], [0.75, 0.6], [0.5, 1.0]]]),
  digit('9', 'slanted', [0.3, 0.1, 0.45, 0.8],
    [[[0.85, 0.1], [0.45, 0.0], [0.1, 0.15], [0.15, 0.4], [0.5, 0.45], [0.88, 0.25, 1], [0.8, 1.0]]], { slant: 0.25 }),
];

// [SECTION] Clothing
// Outlines are one stroke around the shape (sometimes a few, as noted); 'filled' adds the scribble that fills
// the listed regions. Shoes are written pointing left (toe at u = 0); flip: true turns them to point right.

const corners = (points) => points.map(([u, v]) => [u, v, 1]);
const bare = (points) => points.map(([u, v]) => [u, v]);
const item = (label, style, note, box, strokes, extra = {}) => ({ label, style, note, box, strokes, ...extra });

const TEE = [[0.36, 0.02, 1], [0.15, 0.08, 1], [0.0, 0.33, 1], [0.14, 0.43, 1], [0.23, 0.32, 1], [0.23, 0.98, 1],
  [0.77, 0.98, 1], [0.77, 0.32, 1], [0.86, 0.43, 1], [1.0, 0.33, 1], [0.85, 0.08, 1], [0.64, 0.02, 1], [0.57, 0.1],
  [0.5, 0.12], [0.43, 0.1], [0.36, 0.02]];
const TEE_WIDE = [[0.4, 0.03, 1], [0.18, 0.08, 1], [0.03, 0.28, 1], [0.15, 0.38, 1], [0.25, 0.3, 1], [0.26, 0.97, 1],
  [0.74, 0.97, 1], [0.75, 0.3, 1], [0.85, 0.38, 1], [0.97, 0.28, 1], [0.82, 0.08, 1], [0.6, 0.03, 1], [0.5, 0.1],
  [0.4, 0.03]];
const TEE_FITTED = [[0.38, 0.02, 1], [0.17, 0.07, 1], [0.02, 0.3, 1], [0.15, 0.4, 1], [0.25, 0.3, 1], [0.28, 0.6],
  [0.24, 0.99, 1], [0.76, 0.99, 1], [0.72, 0.6], [0.75, 0.3, 1], [0.85, 0.4, 1], [0.98, 0.3, 1], [0.83, 0.07, 1],
  [0.62, 0.02, 1], [0.5, 0.14], [0.38, 0.02]];

const PULLOVER = [[0.4, 0.02, 1], [0.2, 0.05, 1], [0.08, 0.2], [0.02, 0.95, 1], [0.15, 0.97, 1], [0.2, 0.4, 1],
  [0.23, 0.98, 1], [0.77, 0.98, 1], [0.8, 0.4, 1], [0.85, 0.97, 1], [0.98, 0.95, 1], [0.92, 0.2], [0.8, 0.05, 1],
  [0.6, 0.02, 1], [0.5, 0.08], [0.4, 0.02]];
const PULLOVER_SPREAD = [[0.4, 0.02, 1], [0.25, 0.06, 1], [0.12, 0.25], [0.0, 0.85, 1], [0.13, 0.9, 1], [0.25, 0.45, 1],
  [0.26, 1.0, 1], [0.74, 1.0, 1], [0.75, 0.45, 1], [0.87, 0.9, 1], [1.0, 0.85, 1], [0.88, 0.25], [0.75, 0.06, 1],
  [0.6, 0.02]];

const TROUSERS = corners([[0.12, 0.0], [0.88, 0.0], [0.96, 1.0], [0.65, 1.0], [0.5, 0.25], [0.35, 1.0], [0.04, 1.0], [0.12, 0.0]]);
const LEFT_LEG = [[0.12, 0.0], [0.5, 0.0], [0.5, 0.25], [0.35, 1.0], [0.04, 1.0]];
const RIGHT_LEG = [[0.5, 0.0], [0.88, 0.0], [0.96, 1.0], [0.65, 1.0], [0.5, 0.25]];
const SKINNY = corners([[0.15, 0.0], [0.85, 0.0], [0.82, 1.0], [0.63, 1.0], [0.5, 0.28], [0.37, 1.0], [0.18, 1.0], [0.15, 0.0]]);

const DRESS = [[0.36, 0.0, 1], [0.43, 0.0], [0.5, 0.08], [0.57, 0.0, 1], [0.64, 0.0, 1], [0.68, 0.3, 1], [0.98, 1.0, 1],
  [0.02, 1.0, 1], [0.32, 0.3, 1], [0.36, 0.0]];
const DRESS_SLEEVES = [[0.4, 0.0, 1], [0.25, 0.04, 1], [0.12, 0.2, 1], [0.22, 0.26, 1], [0.3, 0.18, 1], [0.32, 0.4, 1],
  [0.05, 1.0, 1], [0.95, 1.0, 1], [0.68, 0.4, 1], [0.7, 0.18, 1], [0.78, 0.26, 1], [0.88, 0.2, 1], [0.75, 0.04, 1],
  [0.6, 0.0, 1], [0.5, 0.07], [0.4, 0.0]];
const DRESS_STRAPLESS = [[0.3, 0.0, 1], [0.7, 0.0, 1], [0.66, 0.35, 1], [0.9, 0.95], [1.0, 1.0, 1], [0.0, 1.0, 1],
  [0.1, 0.95], [0.34, 0.35, 1], [0.3, 0.0]];

const BAG_BOX = corners([[0.03, 0.35], [0.97, 0.35], [0.97, 1.0], [0.03, 1.0], [0.03, 0.35]]);
const BAG_TRAPEZOID = corners([[0.15, 0.35], [0.85, 0.35], [1.0, 1.0], [0.0, 1.0], [0.15, 0.35]]);

const SNEAKER = [[0.93, 0.15, 1], [1.0, 0.5], [0.98, 0.95, 1], [0.5, 1.0], [0.08, 0.98, 1], [0.0, 0.85], [0.05, 0.68],
  [0.3, 0.52], [0.55, 0.22], [0.62, 0.08, 1], [0.75, 0.28], [0.93, 0.15]];
const SNEAKER_CHUNKY = [[0.9, 0.1, 1], [0.98, 0.5], [1.0, 0.98, 1], [0.05, 1.0, 1], [0.0, 0.8], [0.08, 0.6], [0.35, 0.45],
  [0.55, 0.15], [0.62, 0.02, 1], [0.72, 0.2], [0.9, 0.1]];
const RUNNER = [[0.9, 0.2, 1], [0.97, 0.55], [0.95, 0.95, 1], [0.15, 1.0], [0.0, 0.92], [0.02, 0.8], [0.25, 0.6],
  [0.5, 0.35], [0.6, 0.15, 1], [0.72, 0.3], [0.9, 0.2]];

const SOLE = [[0.02, 0.82], [0.5, 0.86], [0.98, 0.8], [1.0, 0.92], [0.5, 1.0], [0.0, 0.95], [0.02, 0.82]];
const HEELED_SOLE = [[0.0, 0.88], [0.3, 0.86], [0.6, 0.62], [0.95, 0.42], [0.98, 0.55], [0.62, 0.78], [0.3, 0.98],
  [0.0, 0.98], [0.0, 0.88]];

const BOOT = [[0.45, 0.0, 1], [0.92, 0.0, 1], [0.93, 0.7], [0.97, 0.98, 1], [0.1, 1.0, 1], [0.0, 0.88], [0.05, 0.7],
  [0.3, 0.58], [0.45, 0.42], [0.45, 0.0]];
const HEELED_BOOT = [[0.4, 0.0, 1], [0.85, 0.0, 1], [0.9, 0.6], [0.98, 0.75], [1.0, 1.0, 1], [0.85, 1.0, 1], [0.82, 0.88, 1],
  [0.3, 0.9], [0.05, 0.98, 1], [0.0, 0.85], [0.1, 0.7], [0.3, 0.6], [0.42, 0.35], [0.4, 0.0]];

const FASHION = [
  item('T-shirt/top', 'outline', 'crew neck, short sleeves, one stroke', [0.12, 0.15, 0.76, 0.7], [TEE]),
  item('T-shirt/top', 'outline', 'V-neck, sleeves angled down', [0.2, 0.1, 0.65, 0.75],
    [[[0.38, 0.02, 1], [0.16, 0.07, 1], [0.02, 0.42, 1], [0.16, 0.5, 1], [0.25, 0.34, 1], [0.24, 0.99, 1], [0.76, 0.99, 1],
      [0.75, 0.34, 1], [0.84, 0.5, 1], [0.98, 0.42, 1], [0.84, 0.07, 1], [0.62, 0.02, 1], [0.5, 0.22, 1], [0.38, 0.02]]],
    { slant: 0.05 }),
  item('T-shirt/top', 'outline', 'boxy and small, lower right; the neckline as a second stroke', [0.32, 0.32, 0.55, 0.55],
    [[[0.38, 0.05, 1], [0.12, 0.1, 1], [0.02, 0.3, 1], [0.18, 0.38, 1], [0.2, 0.3, 1], [0.18, 1.0, 1], [0.82, 1.0, 1],
      [0.8, 0.3, 1], [0.82, 0.38, 1], [0.98, 0.3, 1], [0.88, 0.1, 1], [0.62, 0.05]], [[0.36, 0.05], [0.5, 0.16], [0.64, 0.05]]]),
  item('T-shirt/top', 'filled', 'crew neck, filled with left-right scribbles', [0.1, 0.12, 0.8, 0.72], [TEE],
    { fills: [{ poly: bare(TEE), angle: 0, gap: 0.06, mode: 'rows' }] }),
  item('T-shirt/top', 'filled', 'wide sleeves, up-and-down zigzag, left of centre, tilted', [0.05, 0.1, 0.7, 0.75], [TEE_WIDE],
    { rot: 5, fills: [{ poly: bare(TEE_WIDE), angle: 90, gap: 0.065, mode: 'zig' }] }),
  item('T-shirt/top', 'filled', 'fitted waist, diagonal scribble', [0.18, 0.2, 0.7, 0.68], [TEE_FITTED],
    { fills: [{ poly: bare(TEE_FITTED), angle: 35, gap: 0.055, mode: 'rows' }] }),

  item('Trouser', 'outline', 'two legs, one stroke', [0.28, 0.08, 0.45, 0.85], [TROUSERS]),
  item('Trouser', 'outline', 'with a waistband line', [0.24, 0.05, 0.5, 0.9], [TROUSERS, [[0.12, 0.08], [0.88, 0.08]]]),
  item('Trouser', 'outline', 'flared legs, one stroke per leg', [0.26, 0.1, 0.48, 0.82],
    [[[0.5, 0.0, 1], [0.15, 0.0, 1], [0.0, 1.0, 1], [0.36, 1.0, 1], [0.5, 0.26]],
      [[0.5, 0.26, 1], [0.64, 1.0, 1], [1.0, 1.0, 1], [0.85, 0.0, 1], [0.5, 0.0]]], { slant: 0.05 }),
  item('Trouser', 'filled', 'narrow; each leg filled with an up-and-down zigzag', [0.3, 0.05, 0.4, 0.9], [TROUSERS],
    { fills: [{ poly: LEFT_LEG, angle: 90, gap: 0.05, mode: 'zig' }, { poly: RIGHT_LEG, angle: 90, gap: 0.05, mode: 'zig' }] }),
  item('Trouser', 'filled', 'left of centre; each leg scribbled across', [0.1, 0.1, 0.46, 0.8], [TROUSERS],
    { fills: [{ poly: LEFT_LEG, angle: 0, gap: 0.06, mode: 'rows' }, { poly: RIGHT_LEG, angle: 0, gap: 0.06, mode: 'rows' }] }),
  item('Trouser', 'filled', 'skinny, slanted, scribbled across', [0.33, 0.12, 0.4, 0.8], [SKINNY],
    { slant: 0.1, fills: [{ poly: [[0.15, 0.0], [0.5, 0.0], [0.5, 0.28], [0.37, 1.0], [0.18, 1.0]], angle: 10, gap: 0.055, mode: 'rows' },
      { poly: [[0.5, 0.0], [0.85, 0.0], [0.82, 1.0], [0.63, 1.0], [0.5, 0.28]], angle: 10, gap: 0.055, mode: 'rows' }] }),

  item('Pullover', 'outline', 'long sleeves hanging beside the body', [0.15, 0.12, 0.7, 0.75], [PULLOVER]),
  item('Pullover', 'outline', 'sleeves angled out; the collar as a second stroke', [0.1, 0.1, 0.8, 0.8],
    [PULLOVER_SPREAD, [[0.4, 0.02], [0.5, 0.1], [0.6, 0.02]]]),
  item('Pullover', 'outline', 'with waistband and cuff lines', [0.2, 0.15, 0.6, 0.65],
    [PULLOVER, [[0.23, 0.88], [0.77, 0.88]], [[0.03, 0.86], [0.16, 0.88]], [[0.84, 0.88], [0.97, 0.86]]], { slant: 0.05 }),
  item('Pullover', 'filled', 'hanging sleeves, left-right scribble over everything', [0.15, 0.1, 0.72, 0.8], [PULLOVER],
    { fills: [{ poly: bare(PULLOVER), angle: 0, gap: 0.06, mode: 'rows' }] }),
  item('Pullover', 'filled', 'smaller, lower right, up-and-down zigzag', [0.25, 0.25, 0.65, 0.65], [PULLOVER],
    { fills: [{ poly: bare(PULLOVER), angle: 90, gap: 0.06, mode: 'zig' }] }),
  item('Pullover', 'filled', 'sleeves angled out; body and each sleeve filled separately', [0.08, 0.06, 0.8, 0.8],
    [PULLOVER_SPREAD, [[0.4, 0.02], [0.5, 0.1], [0.6, 0.02]]],
    { fills: [
      { poly: [[0.26, 0.05], [0.74, 0.05], [0.74, 1.0], [0.26, 1.0]], angle: 0, gap: 0.06, mode: 'rows' },
      { poly: [[0.25, 0.06], [0.12, 0.25], [0.0, 0.85], [0.13, 0.9], [0.25, 0.45]], angle: 70, gap: 0.05, mode: 'zig' },
      { poly: [[0.75, 0.06], [0.88, 0.25], [1.0, 0.85], [0.87, 0.9], [0.75, 0.45]], angle: 110, gap: 0.05, mode: 'zig' }] }),

  item('Dress', 'outline', 'sleeveless, A-line', [0.25, 0.08, 0.5, 0.85], [DRESS]),
  item('Dress', 'outline', 'short sleeves, flared skirt', [0.2, 0.1, 0.6, 0.82], [DRESS_SLEEVES]),
  item('Dress', 'outline', 'straight, with a belt line', [0.32, 0.1, 0.45, 0.85],
    [[[0.3, 0.0, 1], [0.42, 0.0], [0.5, 0.06], [0.58, 0.0, 1], [0.7, 0.0, 1], [0.72, 0.35, 1], [0.8, 1.0, 1], [0.2, 1.0, 1],
      [0.28, 0.35, 1], [0.3, 0.0]], [[0.28, 0.35], [0.72, 0.35]]]),
  item('Dress', 'filled', 'sleeveless A-line, left of centre, left-right scribble', [0.15, 0.12, 0.55, 0.8], [DRESS],
    { fills: [{ poly: bare(DRESS), angle: 0, gap: 0.055, mode: 'rows' }] }),
  item('Dress', 'filled', 'short sleeves, up-and-down zigzag', [0.28, 0.15, 0.55, 0.72], [DRESS_SLEEVES],
    { fills: [{ poly: bare(DRESS_SLEEVES), angle: 90, gap: 0.06, mode: 'zig' }] }),
  item('Dress', 'filled', 'strapless, flared hem, diagonal scribble', [0.22, 0.06, 0.52, 0.88], [DRESS_STRAPLESS],
    { fills: [{ poly: bare(DRESS_STRAPLESS), angle: -30, gap: 0.06, mode: 'rows' }] }),

  item('Bag', 'outline', 'a box and an arched handle', [0.12, 0.15, 0.76, 0.65],
    [BAG_BOX, [[0.28, 0.35], [0.32, 0.08], [0.5, 0.0], [0.68, 0.08], [0.72, 0.35]]]),
  item('Bag', 'outline', 'trapezoid with a handle and a flap', [0.1, 0.1, 0.8, 0.75],
    [BAG_TRAPEZOID, [[0.3, 0.35], [0.33, 0.05], [0.5, 0.0], [0.67, 0.05], [0.7, 0.35]], [[0.15, 0.35], [0.5, 0.6, 1], [0.85, 0.35]]]),
  item('Bag', 'outline', 'one stroke: the body, then on into the handle; lower right', [0.25, 0.3, 0.65, 0.55],
    [[[0.05, 0.4, 1], [0.05, 1.0, 1], [0.95, 1.0, 1], [0.95, 0.4, 1], [0.05, 0.4, 1], [0.25, 0.4], [0.3, 0.1], [0.5, 0.02],
      [0.7, 0.1], [0.75, 0.4]]]),
  item('Bag', 'filled', 'body scribbled, handle as a line', [0.08, 0.2, 0.8, 0.65],
    [BAG_BOX, [[0.25, 0.35], [0.3, 0.05], [0.5, 0.0], [0.7, 0.05], [0.75, 0.35]]],
    { fills: [{ poly: bare(BAG_BOX).slice(0, 4), angle: 0, gap: 0.06, mode: 'rows' }] }),
  item('Bag', 'filled', 'trapezoid with two handles, up-and-down zigzag', [0.15, 0.12, 0.72, 0.7],
    [BAG_TRAPEZOID, [[0.25, 0.35], [0.3, 0.05], [0.45, 0.05], [0.48, 0.35]], [[0.52, 0.35], [0.55, 0.05], [0.7, 0.05], [0.75, 0.35]]],
    { fills: [{ poly: bare(BAG_TRAPEZOID).slice(0, 4), angle: 90, gap: 0.06, mode: 'zig' }] }),
  item('Bag', 'filled', 'shoulder bag with a long strap, diagonal scribble', [0.15, 0.1, 0.7, 0.78],
    [corners([[0.1, 0.55], [0.9, 0.55], [0.92, 1.0], [0.08, 1.0], [0.1, 0.55]]),
      [[0.15, 0.55], [0.2, 0.1], [0.5, 0.0], [0.8, 0.1], [0.85, 0.55]]],
    { fills: [{ poly: [[0.1, 0.55], [0.9, 0.55], [0.92, 1.0], [0.08, 1.0]], angle: 20, gap: 0.06, mode: 'rows' }] }),

  item('Sneaker', 'outline', 'low top pointing left, with a sole line', [0.08, 0.3, 0.84, 0.42],
    [SNEAKER, [[0.03, 0.82], [0.5, 0.85], [0.99, 0.8]]]),
  item('Sneaker', 'outline', 'pointing right, laces as three short strokes', [0.1, 0.28, 0.8, 0.45],
    [SNEAKER, [[0.35, 0.42], [0.45, 0.52]], [[0.43, 0.32], [0.53, 0.42]], [[0.5, 0.22], [0.6, 0.32]]], { flip: true }),
  item('Sneaker', 'filled', 'pointing left, left-right scribble', [0.1, 0.3, 0.8, 0.42], [SNEAKER],
    { fills: [{ poly: bare(SNEAKER), angle: 0, gap: 0.05, mode: 'rows' }] }),
  item('Sneaker', 'filled', 'chunky, pointing right, up-and-down zigzag', [0.12, 0.25, 0.78, 0.5], [SNEAKER_CHUNKY],
    { flip: true, fills: [{ poly: bare(SNEAKER_CHUNKY), angle: 90, gap: 0.055, mode: 'zig' }] }),
  item('Sneaker', 'outline', 'slim running shoe pointing left, low on the pad', [0.05, 0.45, 0.75, 0.35], [RUNNER]),
  item('Sneaker', 'filled', 'pointing right, sole line, scribbled across', [0.15, 0.35, 0.8, 0.4],
    [SNEAKER, [[0.03, 0.82], [0.5, 0.85], [0.99, 0.8]]],
    { flip: true, rot: -4, fills: [{ poly: bare(SNEAKER), angle: 10, gap: 0.05, mode: 'rows' }] }),

  item('Sandal', 'stroke', 'flat sole and three straps, pointing left', [0.08, 0.3, 0.84, 0.42],
    [SOLE, [[0.08, 0.84], [0.15, 0.55], [0.3, 0.5], [0.38, 0.85]], [[0.45, 0.86], [0.52, 0.4], [0.65, 0.38], [0.7, 0.84]],
      [[0.78, 0.82], [0.78, 0.2], [0.92, 0.15], [0.97, 0.8]]]),
  item('Sandal', 'stroke', 'flat sole and zigzag straps in one stroke, pointing right', [0.1, 0.25, 0.8, 0.5],
    [SOLE, [[0.08, 0.84], [0.2, 0.45, 1], [0.32, 0.84, 1], [0.45, 0.4, 1], [0.58, 0.84, 1], [0.7, 0.3, 1], [0.82, 0.84, 1],
      [0.9, 0.15, 1], [0.98, 0.82]]], { flip: true }),
  item('Sandal', 'outline', 'high heel, toe strap and ankle strap, pointing left', [0.1, 0.2, 0.75, 0.6],
    [[[0.0, 0.9], [0.3, 0.88], [0.6, 0.65], [0.95, 0.45]], [[0.0, 0.9], [0.02, 0.98], [0.3, 0.97], [0.62, 0.75], [0.88, 0.58]],
      corners([[0.85, 0.5], [0.85, 1.0], [0.98, 1.0], [0.97, 0.45]]), [[0.05, 0.88], [0.15, 0.6], [0.3, 0.87]],
      [[0.75, 0.55], [0.78, 0.15], [0.95, 0.12], [0.97, 0.45]]]),
  item('Sandal', 'filled', 'high heel pointing right, the sole filled', [0.12, 0.22, 0.76, 0.58],
    [HEELED_SOLE, corners([[0.85, 0.5], [0.86, 1.0], [0.98, 1.0], [0.97, 0.5]]), [[0.05, 0.88], [0.18, 0.55], [0.32, 0.86]],
      [[0.75, 0.55], [0.8, 0.12], [0.95, 0.1], [0.97, 0.45]]],
    { flip: true, fills: [{ poly: bare(HEELED_SOLE).slice(0, 8), angle: -28, gap: 0.04, mode: 'rows', inset: 0.015 }] }),
  item('Sandal', 'filled', 'flat, sole filled, crossed straps, pointing left', [0.1, 0.28, 0.8, 0.45],
    [SOLE, [[0.1, 0.84], [0.35, 0.3], [0.6, 0.84]], [[0.3, 0.84], [0.55, 0.3], [0.8, 0.84]], [[0.72, 0.3], [0.98, 0.28]]],
    { fills: [{ poly: bare(SOLE).slice(0, 6), angle: 0, gap: 0.035, mode: 'rows', inset: 0.012 }] }),
  item('Sandal', 'filled', 'slide with one wide strap, strap filled, pointing right', [0.15, 0.38, 0.75, 0.35],
    [SOLE, corners([[0.15, 0.84], [0.25, 0.35], [0.58, 0.35], [0.65, 0.84]])],
    { flip: true, fills: [{ poly: [[0.15, 0.84], [0.25, 0.35], [0.58, 0.35], [0.65, 0.84]], angle: 90, gap: 0.05, mode: 'zig' }] }),

  item('Ankle boot', 'outline', 'pointing left, one stroke', [0.12, 0.1, 0.75, 0.75], [BOOT]),
  item('Ankle boot', 'outline', 'chelsea boot pointing left: sole line, heel, elastic panel', [0.15, 0.15, 0.7, 0.7],
    [BOOT, [[0.02, 0.9], [0.96, 0.88]], [[0.75, 0.9], [0.75, 1.0]], [[0.55, 0.05], [0.62, 0.35], [0.72, 0.05]]]),
  item('Ankle boot', 'filled', 'pointing left, left-right scribble', [0.1, 0.08, 0.78, 0.8], [BOOT],
    { fills: [{ poly: bare(BOOT), angle: 0, gap: 0.06, mode: 'rows' }] }),
  item('Ankle boot', 'outline', 'heeled, pointing right', [0.12, 0.1, 0.72, 0.8], [HEELED_BOOT], { flip: true }),
  item('Ankle boot', 'filled', 'pointing right, up-and-down zigzag, lower right', [0.22, 0.15, 0.7, 0.75], [BOOT],
    { flip: true, fills: [{ poly: bare(BOOT), angle: 90, gap: 0.06, mode: 'zig' }] }),
  item('Ankle boot', 'filled', 'heeled, pointing right, diagonal scribble', [0.1, 0.15, 0.75, 0.75], [HEELED_BOOT],
    { flip: true, fills: [{ poly: bare(HEELED_BOOT), angle: 45, gap: 0.055, mode: 'rows' }] }),
];

// [SECTION] Output

const FRAME = 'unit square of the pad, x right, y down';

export function build() {
  return {
    digits: { format: 1, frame: FRAME, drawings: DIGITS.map((d, i) => makeDrawing(d, i, 'digits')) },
    fashion: { format: 1, frame: FRAME, drawings: FASHION.map((d, i) => makeDrawing(d, i, 'fashion')) },
  };
}

// JSON with one stroke per line, so a diff shows which drawing changed.
export function stringify(set) {
  const drawing = (d) => `    {"label": ${JSON.stringify(d.label)}, "style": ${JSON.stringify(d.style)}, "note": ${JSON.stringify(d.note)},\n` +
    `     "strokes": [\n${d.strokes.map((s) => `       ${JSON.stringify(s)}`).join(',\n')}\n     ]}`;
  return `{"format": ${set.format}, "frame": ${JSON.stringify(set.frame)}, "drawings": [\n${set.drawings.map(drawing).join(',\n')}\n]}\n`;
}

// [SECTION] PNG and a small rasteriser (the contact sheet; the replay test uses encodePng too)

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; ++k) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

// An 8-bit grayscale PNG of `gray` (width * height bytes, row-major).
export function encodePng(width, height, gray) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8;   // bit depth
  header[9] = 0;   // grayscale
  const raw = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; ++y) Buffer.from(gray.buffer, gray.byteOffset + y * width, width).copy(raw, y * (width + 1) + 1);
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

// The drawing as the pad would show it, `side` pixels square: the pad's default brush (radius 12 of 280)
// along straight segments between the recorded points.
export function rasterise(drawing, side) {
  const img = new Float32Array(side * side);
  const radius = (12 / 280) * side;
  const stamp = (ax, ay, bx, by) => {
    const reach = radius + 0.5;
    const x0 = Math.max(0, Math.floor(Math.min(ax, bx) - reach)), x1 = Math.min(side - 1, Math.ceil(Math.max(ax, bx) + reach));
    const y0 = Math.max(0, Math.floor(Math.min(ay, by) - reach)), y1 = Math.min(side - 1, Math.ceil(Math.max(ay, by) + reach));
    const dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
    for (let y = y0; y <= y1; ++y) {
      for (let x = x0; x <= x1; ++x) {
        const px = x + 0.5 - ax, py = y + 0.5 - ay;
        const t = len2 > 0 ? Math.min(1, Math.max(0, (px * dx + py * dy) / len2)) : 0;
        const d = Math.hypot(px - t * dx, py - t * dy);
        const v = Math.min(1, Math.max(0, reach - d));
        if (v > img[y * side + x]) img[y * side + x] = v;
      }
    }
  };
  for (const stroke of drawing.strokes) {
    for (let i = 0; i < stroke.length; ++i) {
      const a = stroke[Math.max(0, i - 1)], b = stroke[i];
      stamp(a[0] * side, a[1] * side, b[0] * side, b[1] * side);
    }
  }
  return img;
}

// One row per class (in order of first appearance), one cell per drawing; a gray frame marks each pad.
export function contactSheet(drawings, cell = 96, gap = 4) {
  const rows = [];
  for (const d of drawings) {
    let row = rows.find((r) => r.label === d.label);
    if (!row) rows.push(row = { label: d.label, items: [] });
    row.items.push(d);
  }
  const cols = Math.max(...rows.map((r) => r.items.length));
  const width = cols * (cell + gap) + gap, height = rows.length * (cell + gap) + gap;
  const gray = new Uint8Array(width * height).fill(60);
  rows.forEach((row, r) => row.items.forEach((d, c) => {
    const img = rasterise(d, cell);
    const ox = gap + c * (cell + gap), oy = gap + r * (cell + gap);
    for (let y = 0; y < cell; ++y) for (let x = 0; x < cell; ++x) gray[(oy + y) * width + ox + x] = Math.round(img[y * cell + x] * 255);
  }));
  return encodePng(width, height, gray);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const sets = build();
  for (const [name, set] of Object.entries(sets)) {
    writeFileSync(path.join(HERE, `${name}.json`), stringify(set));
    const strokes = set.drawings.reduce((n, d) => n + d.strokes.length, 0);
    const points = set.drawings.reduce((n, d) => n + d.strokes.reduce((m, s) => m + s.length, 0), 0);
    console.log(`${name}.json: ${set.drawings.length} drawings, ${strokes} strokes, ${points} points`);
  }
  const i = process.argv.indexOf('--sheet');
  if (i > 0) {
    const dir = path.resolve(process.argv[i + 1] ?? '.');
    mkdirSync(dir, { recursive: true });
    for (const [name, set] of Object.entries(sets)) {
      writeFileSync(path.join(dir, `drawings-${name}.png`), contactSheet(set.drawings));
    }
    console.log(`contact sheets in ${dir}`);
  }
}
