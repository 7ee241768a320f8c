// Shared by the demo pages: the backend choice and errors shown in the page.
import * as tw from '/js/dist/tensorweb.js';

/** Shows `message` in the page's error box (and keeps it in the console as a warning, not an error). */
export function showError(error) {
  const box = document.getElementById('error');
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
