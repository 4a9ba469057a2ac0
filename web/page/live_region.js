// Mirrors what the canvas shows into real DOM for screen readers (index.html's aria-live paragraphs):
// the pad's prediction once the drawing rests, and the training run's milestones.

const PREDICTION_REST_MS = 400;   // announce a drawing once the hand stops, not at every stroke segment

const percent = (p) => `${Math.round(p * 100)}%`;

export function mirrorToLiveRegions(convpad, { prediction: predictionText, training: trainingText }) {
  let timer = null;
  convpad.on('prediction', (prediction) => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      predictionText.textContent = prediction.empty ? 'The pad is empty.'
        : `The pad reads ${prediction.name} (${percent(prediction.probs[prediction.label])}).`;
    }, PREDICTION_REST_MS);
  });
  convpad.on('phase', (status) => {
    if (status.phase === 'training') trainingText.textContent = `Training started: ${status.epochs} epochs.`;
    else if (status.phase === 'paused') trainingText.textContent = 'Training paused.';
    else if (status.phase === 'evaluating') trainingText.textContent = 'Evaluating on the test set.';
  });
  convpad.on('epoch', (record) => {
    const parts = [`Epoch ${record.epoch} done`];
    if (typeof record.trainLoss === 'number') parts.push(`training loss ${record.trainLoss.toFixed(3)}`);
    if (typeof record.valAccuracy === 'number') parts.push(`validation accuracy ${percent(record.valAccuracy)}`);
    trainingText.textContent = `${parts.join(', ')}.`;
  });
  convpad.on('trainend', (status) => {
    trainingText.textContent = `Training ended. ${status.message ?? ''}`.trim();
  });
}
