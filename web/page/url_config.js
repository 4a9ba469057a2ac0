// The page's configuration from its URL (README "URL parameters"): which data set, model, panels,
// theme, threads, who may talk to an embedded frame, and the Training panel's settings.
//
// Only the form of each value is checked here; the training settings' ranges are the C side's
// (page_config.js applies them one by one). A bad value costs only its own setting: it is listed in
// `errors` as {param, message} and the default stays.

export const PANELS = ['training', 'curves', 'samples', 'evaluation', 'inside', 'pad'];
export const THEMES = ['light', 'dark'];
export const MAX_THREADS = 16;       // the most threads=N accepts
const DEFAULT_MAX_THREADS = 4;       // without threads=N: min(cores, 4), leaving a big machine's other cores alone

// Every train() option: its kind and its URL names, the `convpad train` flag first (share links write it,
// so a link reads like the command line). The table in src/train/run_options.cpp declares the options and
// their ranges; tests/browser/config.mjs holds this copy to it through convpad.runOptions(). dropout may
// also be null through train() (keep arch's own rates); a URL cannot say null.
export const TRAIN_OPTIONS = {
  epochs: { kind: 'integer', url: ['epochs'] },
  batchSize: { kind: 'integer', url: ['batch', 'batchSize'] },
  learningRate: { kind: 'number', url: ['lr', 'learningRate'] },
  arch: { kind: 'string', url: ['arch'] },
  optimizer: { kind: 'string', url: ['optimizer'] },
  dropout: { kind: 'number or null', url: ['dropout'] },
  validation: { kind: 'integer', url: ['val', 'validation'] },
  patience: { kind: 'integer', url: ['patience'] },
  lrPatience: { kind: 'integer', url: ['lr-patience', 'lrPatience'] },
  subset: { kind: 'integer', url: ['subset', 'limit'] },
  seed: { kind: 'integer', url: ['seed'] },
  shift: { kind: 'number', url: ['shift'] },
  rotate: { kind: 'number', url: ['rotate'] },
  scale: { kind: 'number', url: ['scale'] },
  flip: { kind: 'boolean', url: ['flip'] },
  drawn: { kind: 'number', url: ['drawn'] },
  sketches: { kind: 'integer', url: ['sketches'] },
  schedule: { kind: 'string', url: ['schedule'] },
  warmup: { kind: 'number', url: ['warmup'] },
  weightDecay: { kind: 'number', url: ['weight-decay', 'weightDecay', 'decay'] },
  labelSmoothing: { kind: 'number', url: ['label-smoothing', 'labelSmoothing', 'smoothing'] },
};

// URL name → [train() option, kind].
export const TRAINING_PARAMETERS = Object.fromEntries(Object.entries(TRAIN_OPTIONS).flatMap(
  ([option, { kind, url }]) => url.map((name) => [name, [option, urlKind(kind)]])));

function urlKind(kind) { return kind === 'number or null' ? 'number' : kind; }

// The URL's threads=N if it is an integer from 1 to MAX_THREADS, else min(cores, DEFAULT_MAX_THREADS).
// {threads, fromUrl, problem}.
export function threadsRequest(search, cores) {
  const fallback = Math.min(Math.max(1, Math.floor(cores) || 1), DEFAULT_MAX_THREADS);
  const params = new URLSearchParams(search);
  if (!params.has('threads')) return { threads: fallback, fromUrl: false, problem: null };
  const text = params.get('threads');
  const n = /^\d{1,3}$/.test(text) ? Number(text) : NaN;
  if (n >= 1 && n <= MAX_THREADS) return { threads: n, fromUrl: true, problem: null };
  return {
    threads: fallback, fromUrl: false,
    problem: `threads=${text}: must be an integer from 1 to ${MAX_THREADS}`,
  };
}

// The URL's dataset=NAME if it is one of `names`, else the first. {name, problem}.
export function datasetRequest(search, names) {
  const params = new URLSearchParams(search);
  if (!params.has('dataset')) return { name: names[0], problem: null };
  const name = params.get('dataset');
  if (names.includes(name)) return { name, problem: null };
  return { name: names[0], problem: `dataset=${name}: use ${names.join(' or ')}` };
}

// origin=A,B: exact origins (scheme://host[:port]) that may talk to an embedded frame.
// {origins, problems}: origins is null without the parameter. A list with no valid entry allows
// nobody (a typo must not open the frame to every page).
export function originsRequest(text) {
  if (text === null) return { origins: null, problems: [] };
  const origins = [];
  const problems = [];
  for (const entry of text.split(',').map((s) => s.trim())) {
    let parsed = null;
    try {
      parsed = new URL(entry);
    } catch {
      // reported below
    }
    if (parsed && ['http:', 'https:'].includes(parsed.protocol) && parsed.origin === entry) origins.push(entry);
    else problems.push(`origin=${text}: '${entry}' is not an origin like https://example.edu (scheme, host, optional port, no path)`);
  }
  return { origins, problems };
}

// model=URL: a model file for the first data set, relative to the page or absolute http(s).
function modelRequest(text, base) {
  let url;
  try {
    url = new URL(text, base);
  } catch {
    return { model: null, problem: `model=${text}: not a URL` };
  }
  if (!['http:', 'https:'].includes(url.protocol)) {
    return { model: null, problem: `model=${text}: only http and https URLs can be loaded` };
  }
  return { model: url.href, problem: null };
}

// panels=pad,curves: a subset of PANELS; unknown names are dropped (and reported).
function panelsRequest(text) {
  const wanted = text.split(',').map((s) => s.trim()).filter((s) => s);
  const unknown = wanted.filter((name) => !PANELS.includes(name));
  const panels = PANELS.filter((name) => wanted.includes(name));
  const problems = unknown.map((name) => `panels=${text}: unknown panel '${name}' (known: ${PANELS.join(', ')})`);
  if (!panels.length) {
    problems.push(`panels=${text}: names no panel, so all are shown`);
    return { panels: [...PANELS], problems };
  }
  return { panels, problems };
}

function parseTrainingValue(kind, text) {
  if (kind === 'string') return text;
  if (kind === 'boolean') return ['1', 'true'].includes(text) ? true : ['0', 'false'].includes(text) ? false : undefined;
  if (kind === 'integer') return /^[+-]?\d+$/.test(text) ? Number(text) : undefined;
  return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) ? Number(text) : undefined;
}

const KIND_WORDS = { integer: 'an integer', boolean: '1 or 0', number: 'a number' };

// Everything the URL asks for. {dataset, model, panels, theme (null: follow the system), threads,
// threadsFromUrl, origins, autostart, training: {option: value}, errors: [{param, message}]}.
export function readUrlConfig(search, { cores, datasets, base }) {
  const params = new URLSearchParams(search);
  const errors = [];
  const fail = (param, message) => errors.push({ param, message });
  const config = {
    dataset: datasets[0], model: null, panels: [...PANELS], theme: null, threads: 1, threadsFromUrl: false,
    origins: null, autostart: false, training: {},
  };
  const seen = new Set();
  for (const [name, text] of params) {
    if (seen.has(name)) {
      fail(name, `${name} is given more than once: the first one applies`);
      continue;
    }
    seen.add(name);
    switch (name) {
      case 'dataset': {
        const { name: dataset, problem } = datasetRequest(search, datasets);
        config.dataset = dataset;
        if (problem) fail(name, problem);
        break;
      }
      case 'threads': break;   // below: it has a default even without the parameter
      case 'model': {
        const { model, problem } = modelRequest(text, base);
        config.model = model;
        if (problem) fail(name, problem);
        break;
      }
      case 'panels': {
        const { panels, problems } = panelsRequest(text);
        config.panels = panels;
        for (const problem of problems) fail(name, problem);
        break;
      }
      case 'theme':
        if (THEMES.includes(text)) config.theme = text;
        else fail(name, `theme=${text}: use light or dark (without it the page follows the system's preference)`);
        break;
      case 'origin': {
        const { origins, problems } = originsRequest(text);
        config.origins = origins;
        for (const problem of problems) fail(name, problem);
        break;
      }
      case 'autostart':
        if (text === '1' || text === 'true') config.autostart = true;
        else if (text !== '0' && text !== 'false') fail(name, `autostart=${text}: use 1 or 0`);
        break;
      default: {
        const known = Object.hasOwn(TRAINING_PARAMETERS, name) ? TRAINING_PARAMETERS[name] : null;
        if (!known) {
          fail(name, `unknown parameter '${name}'`);
          break;
        }
        const [option, kind] = known;
        const value = parseTrainingValue(kind, text);
        if (value === undefined) fail(name, `${name}=${text}: not ${KIND_WORDS[kind]}`);
        else config.training[option] = { value, param: name, text };
      }
    }
  }
  const threads = threadsRequest(search, cores);
  config.threads = threads.threads;
  config.threadsFromUrl = threads.fromUrl;
  if (threads.problem) fail('threads', threads.problem);
  config.errors = errors;
  return config;
}

// The URL parameters that give `settings` (a train() options object), leaving out those equal to
// `defaults`: what share links carry.
export function trainingParameters(settings, defaults) {
  const params = [];
  for (const [option, { url: [name] }] of Object.entries(TRAIN_OPTIONS)) {
    const value = settings[option];
    if (value === undefined || value === defaults[option]) continue;
    params.push([name, typeof value === 'boolean' ? (value ? '1' : '0') : String(value)]);
  }
  return params;
}
