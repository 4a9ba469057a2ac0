// Drag and drop of a model file anywhere on the page, and the file picker's input.
import { convpad } from './calls.js';
import { confirmReplace } from './keep.js';
import { loadModelFiles } from './models.js';
import { ui } from './screen.js';

export function setupDropTarget() {
  let depth = 0;   // dragenter/dragleave fire for every child element crossed
  const carriesFiles = (event) => Array.from(event.dataTransfer?.types ?? []).includes('Files');
  window.addEventListener('dragenter', (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    if (++depth === 1 && convpad.state === 'ready') ui.dropHint.hidden = false;
  });
  window.addEventListener('dragleave', () => {
    if (depth > 0 && --depth === 0) ui.dropHint.hidden = true;
  });
  window.addEventListener('dragover', (event) => {
    if (carriesFiles(event)) event.preventDefault();   // allows the drop (the browser would open the file)
  });
  window.addEventListener('drop', (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    depth = 0;
    ui.dropHint.hidden = true;
    const { files } = event.dataTransfer;
    if (!files.length) return;
    if (convpad.state !== 'ready') {
      console.warn(`ConvPad: ${files[0].name} dropped before the app was ready; drop it again`);
      return;
    }
    confirmReplace(`Loading ${files[0].name}`).then((go) => { if (go) loadModelFiles(files); });
  });
  ui.modelFile.addEventListener('change', () => {
    if (ui.modelFile.files.length) loadModelFiles(ui.modelFile.files);
  });
}
