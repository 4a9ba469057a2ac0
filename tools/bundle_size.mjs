#!/usr/bin/env node
// What a visitor downloads: every file of a built site with its size and its size gzipped (zlib level 9,
// what a host that compresses sends), by part, and the totals.
//
//   node tools/bundle_size.mjs [site]        (default build-web/site)
//
// Parts:
//   app       the code index.html reaches, which every visitor downloads to run: the files its src/href
//             name, and every site file named in quotes by a file reached (boot.js's imports, the UI
//             and engine programs, their .wasm, the engine worker, the service worker …)
//   threaded  the threaded engine (convpad_engine_mt.*), reached too but only loaded by cross-origin
//             isolated pages
//   models    *.cpm, the pretrained models (one per data set, loaded when that data set is; *-best.cpm only
//             when asked for, convpad.loadPretrained('best'))
//   data      *.gz data sets, already compressed (counted as they are)
//   other     files index.html does not reach: the course example page, the benchmark page
// The app part must stay within APP_GZIP_LIMIT (tests/browser/offline.mjs checks).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export const APP_GZIP_LIMIT = 1_000_000;   // bytes: 1 MB
export const PARTS = ['app', 'threaded', 'models', 'data', 'other'];
const TEXT = /\.(html|js|mjs|css)$/;

// Every file under dir, as paths relative to it with '/' separators.
function siteFiles(dir, prefix = '') {
  return readdirSync(path.join(dir, prefix), { withFileTypes: true }).flatMap((entry) => {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    return entry.isDirectory() ? siteFiles(dir, rel) : [rel];
  });
}

// The site files index.html reaches through quoted names ("x.js", 'x.wasm', `x.css`, url(x.svg)).
function reachedFromIndex(dir, files) {
  const exists = new Set(files);
  const reached = new Set(['index.html']);
  const queue = ['index.html'];
  while (queue.length) {
    const file = queue.shift();
    if (!TEXT.test(file)) continue;
    const text = readFileSync(path.join(dir, file), 'utf8');
    for (const [, , name] of text.matchAll(/(["'`(])\.?\/?([\w.-]+(?:\/[\w.-]+)*)[?#"'`)]/g)) {
      const target = path.posix.join(path.posix.dirname(file), name);
      if (exists.has(target) && !reached.has(target)) {
        reached.add(target);
        queue.push(target);
      }
    }
  }
  return reached;
}

function partOf(file, reached) {
  if (file.endsWith('.gz')) return 'data';
  if (file.endsWith('.cpm')) return 'models';
  if (!reached.has(file)) return 'other';
  return /_mt\./.test(file) ? 'threaded' : 'app';
}

// {files: [{file, part, bytes, gzip}], totals: {part: {files, bytes, gzip}}} of the site in dir.
export function bundleSizes(dir) {
  if (!statSync(path.join(dir, 'index.html'), { throwIfNoEntry: false })) {
    throw new Error(`${dir}/index.html not found: build the site first (tools/serve.sh --no-serve)`);
  }
  const names = siteFiles(dir).sort();
  const reached = reachedFromIndex(dir, names);
  const files = names.map((file) => {
    const bytes = readFileSync(path.join(dir, file));
    const part = partOf(file, reached);
    return { file, part, bytes: bytes.length, gzip: part === 'data' ? bytes.length : gzipSync(bytes, { level: 9 }).length };
  });
  const totals = Object.fromEntries(PARTS.map((part) => {
    const inPart = files.filter((f) => f.part === part);
    return [part, { files: inPart.length, bytes: sum(inPart, 'bytes'), gzip: sum(inPart, 'gzip') }];
  }));
  return { files, totals };
}

const sum = (list, key) => list.reduce((total, item) => total + item[key], 0);
const number = (n) => n.toLocaleString('en-US');

export function formatBundleSizes(dir, { files, totals }) {
  const width = Math.max(24, ...files.map((f) => f.file.length));
  const row = (a, b, c, d) => `${a.padEnd(width)} ${b.padStart(12)} ${c.padStart(12)}  ${d}`;
  const lines = [`site: ${dir}`, row('file', 'bytes', 'gzip -9', 'part')];
  for (const part of PARTS) {
    for (const f of files.filter((x) => x.part === part)) lines.push(row(f.file, number(f.bytes), number(f.gzip), part));
  }
  lines.push('', row('part (files)', 'bytes', 'gzip -9', ''));
  for (const part of PARTS) {
    const t = totals[part];
    const note = part === 'app' ? `limit ${number(APP_GZIP_LIMIT)} gzipped: ${t.gzip <= APP_GZIP_LIMIT ? 'within' : 'OVER'}` : '';
    lines.push(row(`${part} (${t.files})`, number(t.bytes), number(t.gzip), note));
  }
  return lines.join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const dir = path.resolve(process.argv[2] ?? path.join(root, 'build-web/site'));
  try {
    console.log(formatBundleSizes(dir, bundleSizes(dir)));
  } catch (err) {
    console.error(`bundle_size: ${err.message}`);
    process.exit(1);
  }
}
