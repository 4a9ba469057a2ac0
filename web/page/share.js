// The Share / embed dialog: the address of this page with its current choices, and an <iframe> snippet.
import { requireReady, uiCall } from './calls.js';
import { notify } from './events.js';
import { datasets } from './news.js';
import { settings } from './api.js';
import { urlConfig } from './page_config.js';
import { ui } from './screen.js';
import { DATASETS, DATASET_NAMES } from './site_files.js';
import { PANELS, trainingParameters } from './url_config.js';

// The address of this page with the current data set, panels, theme and the Training panel's settings
// (those that differ from the data set's recipe), and an <iframe> snippet that embeds it.
export function shareLinks() {
  requireReady('shareLinks');
  const params = new URLSearchParams();
  if (datasets.current !== DATASET_NAMES[0]) params.set('dataset', datasets.current);
  if (urlConfig.panels.length !== PANELS.length) params.set('panels', urlConfig.panels.join(','));
  if (urlConfig.theme) params.set('theme', urlConfig.theme);
  const defaults = uiCall('shareLinks', 'convpad_ui_default_settings');
  for (const [name, value] of trainingParameters(settings(), defaults)) params.set(name, value);
  const query = params.toString().replaceAll('%2C', ',');   // panels=training,pad reads better, and means the same
  const url = `${location.origin}${location.pathname}${query ? `?${query}` : ''}`;
  const title = `ConvPad: ${DATASETS[datasets.current].title}`;
  const iframe = `<iframe src="${url.replaceAll('&', '&amp;').replaceAll('"', '&quot;')}" title="${title}" `
    + 'width="800" height="500" style="border:0;max-width:100%" allow="clipboard-write" loading="lazy"></iframe>';
  return { url, iframe };
}

export function openShareDialog() {
  try {
    const { url, iframe } = shareLinks();
    ui.shareUrl.value = url;
    ui.shareIframe.value = iframe;
    ui.shareCopied.textContent = '';
    if (!ui.share.open) ui.share.showModal();
    ui.shareUrl.focus();
    ui.shareUrl.select();
  } catch (err) {
    notify(`share: ${err.reason ?? err.message}`, true);
  }
}

async function copyField(field) {
  try {
    await navigator.clipboard.writeText(field.value);
  } catch {
    field.select();   // no clipboard permission (an iframe without allow="clipboard-write"): the old way
    if (!document.execCommand('copy')) {
      ui.shareCopied.textContent = 'Copying is blocked here: the text is selected, press Ctrl+C.';
      return;
    }
  }
  ui.shareCopied.textContent = `Copied the ${field === ui.shareUrl ? 'link' : 'embed code'}.`;
}

export function setupShareDialog() {
  for (const button of ui.share.querySelectorAll('[data-copy]')) {
    button.addEventListener('click', () => copyField(document.getElementById(button.dataset.copy)));
  }
  ui.share.addEventListener('close', () => ui.canvas.focus());
}
