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
