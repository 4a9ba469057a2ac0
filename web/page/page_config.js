// The page's configuration from its URL (url_config.js reads it; here it takes effect): data set,
// threads, panels, theme and the Training panel's settings, with what the URL got wrong.
import { callUi, convpad, uiCall, uiModule } from './calls.js';
import { scheduleFrame } from './frames.js';
import { engineInfo } from './news.js';
import { settings } from './api.js';
import { ui } from './screen.js';
import { DATASETS, DATASET_NAMES } from './site_files.js';
import { readUrlConfig, threadsRequest as parseThreads, datasetRequest as parseDataset } from './url_config.js';

// What the tests and the console check URL values with (url_config.js).
export const threadsRequest = (search = location.search, cores = navigator.hardwareConcurrency) => parseThreads(search, cores);
export const datasetRequest = (search = location.search) => parseDataset(search, DATASET_NAMES);

// The URL's choices; errors grow as the C side checks the training settings and the model= file loads.
// Should reading the URL fail altogether, the page starts with the defaults and says so: the embedding
// bridge must open whatever the address holds.
export const urlConfig = readSafely(location.search);

function readSafely(search) {
  const context = { cores: navigator.hardwareConcurrency, datasets: DATASET_NAMES, base: location.href };
  try {
    return readUrlConfig(search, context);
  } catch (err) {
    console.error('ConvPad: the URL could not be read:', err);
    const defaults = readUrlConfig('', context);
    defaults.errors.push({ param: 'url', message: `the address's parameters could not be read (${err.message}): defaults used` });
    return defaults;
  }
}

// Prefills the Training panel, each parameter on its own, so one bad value costs only that setting.
export function applyTrainingParameters() {
  for (const [option, { value, param, text }] of Object.entries(urlConfig.training)) {
    const reply = JSON.parse(callUi('config', 'convpad_ui_edit_settings', 'string', ['string'], [JSON.stringify({ [option]: value })]));
    if (reply.error) urlConfig.errors.push({ param, message: `${param}: ${reply.error}` });
    for (const message of reply.errors ?? []) urlConfig.errors.push({ param, message: `${param}=${text}: ${message.split('\n')[0]}` });
  }
}

// The notice line and a banner above the app list what the URL got wrong; null when nothing.
export function showUrlProblems() {
  const { errors } = urlConfig;
  if (!errors.length) return null;
  const order = [...new URLSearchParams(location.search).keys()];
  errors.sort((a, b) => order.indexOf(a.param) - order.indexOf(b.param));   // as the URL lists them
  ui.urlProblemsList.replaceChildren(...errors.map(({ message }) => {
    const item = document.createElement('li');
    item.textContent = message;
    return item;
  }));
  ui.urlProblems.hidden = false;
  return { text: `URL parameters: ${errors.map((e) => e.message).join('; ')} (defaults kept)`, isError: true };
}

export function setupUrlProblems() {
  document.getElementById('url-problems-close').addEventListener('click', () => { ui.urlProblems.hidden = true; });
}

// light | dark: the URL's theme=, else the system's preference (followed as it changes).
const systemPrefersLight = window.matchMedia('(prefers-color-scheme: light)');

function effectiveTheme() {
  return urlConfig.theme ?? (systemPrefersLight.matches ? 'light' : 'dark');
}

export function applyTheme() {
  const theme = effectiveTheme();
  document.documentElement.dataset.theme = theme;
  if (uiModule) callUi('config', 'convpad_ui_set_theme', null, ['string'], [theme]);
  scheduleFrame();
}
systemPrefersLight.addEventListener('change', () => { if (!urlConfig.theme) applyTheme(); });

export function applyPanels() {
  uiCall('config', 'convpad_ui_set_panels', ['string'], [urlConfig.panels.join(',')]);
}

// convpad.config(): the URL's choices with defaults filled in, the Training panel's settings, and what
// the URL got wrong.
export function config() {
  return structuredClone({
    dataset: urlConfig.dataset,
    model: urlConfig.modelLoaded ?? DATASETS[urlConfig.dataset].model,
    panels: urlConfig.panels,
    theme: effectiveTheme(),
    themeFrom: urlConfig.theme ? 'url' : 'system',
    threads: engineInfo.threads,
    origin: urlConfig.origins,
    autostart: urlConfig.autostart,
    settings: convpad.state === 'ready' ? settings() : null,
    errors: urlConfig.errors,
  });
}
