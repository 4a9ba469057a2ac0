// Writing IDX files (the MNIST container ConvPad's validated reader loads), and the seeded shuffle the
// data set splits use, so every build makes the same files.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

export const SIDE = 28;
export const PIXELS = SIDE * SIDE;

// Mulberry32: a tiny, fully specified 32-bit generator; the split depends on nothing but the seed.
export function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// A permutation of 0..n-1 (Fisher-Yates).
export function seededPermutation(n, seed) {
  const random = seededRandom(seed);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; --i) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

// Pixels in [0,1] -> a byte; anything else means the package is not what we expect.
export function pixelByte(value, what) {
  if (!Number.isFinite(value) || value < 0 || value > 1) throw new Error(`${what}: pixel value ${value} is not in [0,1]`);
  return Math.round(value * 255);
}

function idxImages(images) {
  const header = Buffer.alloc(16);
  header.writeUInt32BE(0x00000803, 0);
  header.writeUInt32BE(images.length, 4);
  header.writeUInt32BE(SIDE, 8);
  header.writeUInt32BE(SIDE, 12);
  return Buffer.concat([header, ...images.map((image) => Buffer.from(image))]);
}

function idxLabels(labels) {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(0x00000801, 0);
  header.writeUInt32BE(labels.length, 4);
  return Buffer.concat([header, Buffer.from(labels)]);
}

// Writes {prefix}-images-idx3-ubyte and {prefix}-labels-idx1-ubyte into dir, gzipped (.gz) unless raw.
// images: Uint8Array(784) each; labels: class numbers.
export function writeIdxPair(dir, prefix, images, labels, { raw = false } = {}) {
  if (images.length !== labels.length) throw new Error(`${prefix}: ${images.length} images but ${labels.length} labels`);
  mkdirSync(dir, { recursive: true });
  const files = [[`${prefix}-images-idx3-ubyte`, idxImages(images)], [`${prefix}-labels-idx1-ubyte`, idxLabels(labels)]];
  for (const [name, bytes] of files) {
    writeFileSync(path.join(dir, raw ? name : `${name}.gz`), raw ? bytes : gzipSync(bytes, { level: 9 }));
  }
}

// Command-line options of the converters: --out DIR (required) and --raw.
export function parseOptions(argv, usage) {
  const options = { out: null, raw: false };
  for (let i = 0; i < argv.length; ++i) {
    if (argv[i] === '--out' && argv[i + 1]) options.out = argv[++i];
    else if (argv[i] === '--raw') options.raw = true;
    else throw new Error(`unknown argument '${argv[i]}'\n${usage}`);
  }
  if (!options.out) throw new Error(usage);
  return options;
}
