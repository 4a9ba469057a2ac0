// What the site serves (web/site.cmake copies it): the UI's program, the two engine builds, and each
// data set's files with its pretrained models.

export const UI_APP = { script: 'convpad_web.js', files: [{ name: 'wasm', url: 'convpad_web.wasm' }] };
export const ENGINES = {
  single: { script: 'convpad_engine.js', mode: 'single-thread' },
  threaded: { script: 'convpad_engine_mt.js', mode: 'multi-thread' },
};

// Each data set with its pretrained model. A model is optional: a site built without one starts that
// data set untrained. `best`: the "best" preset trained on it (assets/fashion-best.md), loaded only when
// asked (loadPretrained).
export const DATASETS = {
  fashion: { title: 'Fashion-MNIST', model: 'fashion-cnn.cpm', best: 'fashion-best.cpm', dir: '', sketches: 'quickdraw/' },
  digits: { title: 'MNIST digits', model: 'digits-cnn.cpm', dir: 'digits/' },
};
export const DATASET_NAMES = Object.keys(DATASETS);

// `name` is what the engine calls the file (src/session/data_store.h: data_file_by_name).
const IDX_FILES = [
  { name: 'train-images', file: 'train-images-idx3-ubyte.gz' },
  { name: 'train-labels', file: 'train-labels-idx1-ubyte.gz' },
  { name: 'test-images', file: 't10k-images-idx3-ubyte.gz' },
  { name: 'test-labels', file: 't10k-labels-idx1-ubyte.gz' },
];

// A data set's files, [{name, url}]; fashion's sketch set (train()'s `sketches`) comes with it.
export function datasetFiles(name) {
  const { dir, sketches } = DATASETS[name];
  const files = IDX_FILES.map((f) => ({ name: f.name, url: dir + f.file }));
  if (sketches) {
    files.push({ name: 'sketch-images', url: `${sketches}train-images-idx3-ubyte.gz` },
      { name: 'sketch-labels', url: `${sketches}train-labels-idx1-ubyte.gz` });
  }
  return files;
}

// The data set's pretrained model as fetchBytes (fetch.js) downloads it: a site may lack it.
export const modelFile = (name) => ({ name: 'model', url: DATASETS[name].model, optional: true });
