// Shared by the demo pages: the backend choice and errors shown in the page.
import * as tw from '/js/dist/tensorweb.js';

/** Shows `error`'s message in the page's error box, or in `box` (an error box beside the control at fault). */
export function showError(error, box = document.getElementById('error')) {
  const text = error instanceof Error ? `${error.message}` : String(error);
  box.textContent = text;
  box.hidden = false;
}

/** WebGPU where the browser has it, else the CPU backend, saying so in the page. */
export async function startBackend() {
  const notice = document.getElementById('backend');
  if (!('gpu' in navigator)) {
    await tw.setBackend('cpu');
    notice.textContent = 'This browser has no WebGPU (navigator.gpu is missing): running on the CPU backend, which is slower.';
    notice.hidden = false;
  } else {
    await tw.ready();
  }
  return tw.getBackend();
}

window.addEventListener('error', (event) => showError(event.error ?? event.message));
window.addEventListener('unhandledrejection', (event) => showError(event.reason));

/**
 * The whole number in the number box `input`, checked against its min and max
 * attributes: anything else is refused with a message naming `what`, never
 * clamped in silence.
 */
export function wholeNumberIn(input, what) {
  const [min, max, value] = [Number(input.min), Number(input.max), Number(input.value)];
  if (input.value.trim() === '' || !Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${what} must be a whole number from ${min} to ${max}, got "${input.value}".`);
  }
  return value;
}

/** A bar track filled to `fraction` (clamped to 0..1) of its width. */
export function barTrack(fraction) {
  const track = document.createElement('span');
  track.className = 'track';
  const fill = document.createElement('span');
  fill.className = 'fill';
  fill.style.width = `${(Math.min(1, Math.max(0, fraction)) * 100).toFixed(1)}%`;
  track.append(fill);
  return track;
}

/**
 * One row of the classifier demos' confidence bars: the class name, a bar and
 * the percentage (`digits` decimals). `top` marks the predicted class; `title`
 * is the name's tooltip.
 */
export function confidenceBar(name, probability, { top = false, digits = 1, title = '' } = {}) {
  const row = document.createElement('div');
  row.className = top ? 'bar top' : 'bar';
  const label = document.createElement('span');
  label.className = 'name';
  label.textContent = name;
  if (title) label.title = title;
  const value = document.createElement('span');
  value.className = 'value';
  value.textContent = `${(probability * 100).toFixed(digits)}%`;
  row.append(label, barTrack(probability), value);
  return row;
}

/**
 * The training loss per epoch so far (`losses`) on `canvas`, on an axis of
 * `epochs` epochs and from 0 to the largest loss; the values also go in the
 * canvas's data-losses and its label, for tests and screen readers.
 */
export function drawLossChart(canvas, losses, epochs) {
  const g = canvas.getContext('2d');
  const { width, height } = canvas;
  const [left, top, bottom] = [36, 10, 20];
  const maxLoss = Math.max(...losses, 1e-6);
  const xAt = (epoch) => left + (width - left - 8) * (epoch / Math.max(epochs - 1, 1));
  const yAt = (loss) => top + (height - top - bottom) * (1 - loss / maxLoss);
  g.clearRect(0, 0, width, height);
  g.strokeStyle = '#e1e4ea';
  g.fillStyle = '#6b7384';
  g.font = '12px system-ui, sans-serif';
  for (const fraction of [0, 0.5, 1]) {
    const y = yAt(maxLoss * fraction);
    g.beginPath(); g.moveTo(left, y); g.lineTo(width - 8, y); g.stroke();
    g.fillText((maxLoss * fraction).toFixed(2), 2, y + 4);
  }
  g.fillText('epoch 1', left, height - 4);
  g.textAlign = 'right';
  g.fillText(`${epochs}`, width - 8, height - 4);
  g.fillStyle = '#d3452f';
  g.fillText('loss', width - 8, top + 14);
  g.textAlign = 'left';
  g.strokeStyle = '#d3452f';
  g.lineWidth = 2;
  g.beginPath();
  losses.forEach((loss, epoch) => (epoch ? g.lineTo(xAt(epoch), yAt(loss)) : g.moveTo(xAt(epoch), yAt(loss))));
  g.stroke();
  g.lineWidth = 1;
  canvas.dataset.losses = JSON.stringify(losses);
  canvas.setAttribute('aria-label', losses.length
    ? `training loss per epoch: ${losses[0].toFixed(3)} at first, ${losses.at(-1).toFixed(3)} now`
    : 'training loss per epoch: not trained yet');
}
