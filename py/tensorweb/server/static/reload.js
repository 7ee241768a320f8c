// Live reload: the server says `reload` after a change (and a rebuilt bundle),
// or `build-error` with the build's output, shown over the page until the
// next good build.
import { serverEvents } from './events.js';

let overlay = null;

serverEvents.addEventListener('reload', () => location.reload());

serverEvents.addEventListener('build-error', (e) => {
  const { output } = JSON.parse(e.data);
  if (!overlay) {
    overlay = document.createElement('pre');
    overlay.style.cssText = 'position:fixed;inset:1rem;margin:0;padding:1rem;overflow:auto;z-index:2147483647;' +
      'background:#fff;color:#b00020;border:2px solid #b00020;font:13px/1.4 monospace;white-space:pre-wrap';
    document.body.append(overlay);
  }
  overlay.textContent = `The runtime bundle did not build:\n\n${output}`;
});
