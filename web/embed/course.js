// The example course page (course.html): its own text and buttons follow two embedded ConvPads through
// embed.js — the pad frame's prediction, and the training frame's epochs as they finish.
import { ConvPadFrame } from './embed.js';

const $ = (id) => document.getElementById(id);
const percent = (p) => `${(100 * p).toFixed(p >= 0.995 || p < 0.1 ? 0 : 1)} %`;

// [SECTION] The drawing pad

const pad = new ConvPadFrame($('pad-frame'));
const probabilityItems = Array.from({ length: 10 }, () => document.createElement('li'));
$('pad-probabilities').append(...probabilityItems);

function showPrediction({ label, name, probs, empty }) {
  $('pad-prediction').textContent = empty ? 'nothing yet: draw a digit in the pad' : `${name} (${percent(probs[label])} sure)`;
  $('pad-prediction').classList.toggle('empty', empty);
  probabilityItems.forEach((item, digit) => {
    const p = empty ? 0 : probs[digit];
    item.style.setProperty('--p', p.toFixed(3));
    item.title = `${digit}: ${percent(p)}`;
  });
}

pad.on('prediction', showPrediction);
pad.ready.then(async () => {
  $('clear-pad').disabled = false;
  showPrediction(await pad.call('pad.prediction'));
}, (err) => {
  $('pad-prediction').textContent = `ConvPad could not start: ${err.message}`;
});
$('clear-pad').addEventListener('click', () => {
  pad.call('pad.clear').catch((err) => { $('pad-prediction').textContent = err.message; });
});

// [SECTION] Training

const trainer = new ConvPadFrame($('training-frame'));
const trainButton = $('train');
const trainingState = (text) => { $('training-state').textContent = text; };

function addEpoch({ epoch, trainAccuracy, valAccuracy, valLoss }) {
  const rows = $('epochs').tBodies[0];
  if (epoch === 1) rows.replaceChildren();   // a new run
  const row = rows.insertRow();
  for (const text of [String(epoch), percent(trainAccuracy), valAccuracy === null ? '–' : percent(valAccuracy),
    valLoss === null ? '–' : valLoss.toFixed(3)]) {
    row.insertCell().textContent = text;
  }
  $('epochs').hidden = false;
}

// Runs started with the frame's own Start button report here too.
trainer.on('epoch', (record) => {
  addEpoch(record);
  trainingState(`epoch ${record.epoch} done`);
});
trainer.on('trainend', ({ message }) => {
  trainButton.disabled = false;
  trainingState(message || 'training finished');
});
trainer.ready.then(() => {
  trainButton.disabled = false;
  trainingState('ready to train');
}, (err) => trainingState(`ConvPad could not start: ${err.message}`));

trainButton.addEventListener('click', async () => {
  trainButton.disabled = true;
  trainingState('training…');
  try {
    const { valAccuracy } = await trainer.call('train');
    trainingState(valAccuracy === null ? 'finished' : `finished: ${percent(valAccuracy)} of the validation images right`);
  } catch (err) {
    trainingState(err.message);   // e.g. the data set is still downloading: press again in a moment
  } finally {
    trainButton.disabled = false;
  }
});
