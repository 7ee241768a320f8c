// The gallery's upload form: send the file (uploads.js), show the upload's
// progress, then the conversion's log and progress until it ends.
import { serverEvents } from './events.js';
import { followJob, sendUpload } from './uploads.js';

const form = document.getElementById('upload');
const status = document.getElementById('upload-status');
const progress = document.getElementById('upload-progress');
const log = document.getElementById('upload-log');

function say(text, isError = false) {
  status.textContent = text;
  status.className = isError ? 'error' : '';
}

// Replace the model table with the one the server renders now.
async function refreshModels() {
  const page = await fetch('/', { cache: 'no-store' });
  const fresh = new DOMParser().parseFromString(await page.text(), 'text/html');
  document.getElementById('models').replaceWith(fresh.getElementById('models'));
}

// Models converted from another tab, or by another visitor, show up here too.
serverEvents.addEventListener('models', refreshModels);

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const file = form.elements.model.files[0];
  if (!file) return;
  if (file.size > Number(form.dataset.limit)) {
    say(`${file.name} is larger than the upload limit`, true);
    return;
  }
  log.textContent = '';
  progress.hidden = false;
  progress.value = 0;
  say(`uploading ${file.name}`);
  try {
    // "NAME:D1,D2 NAME2:..." -> the converter's --input-shape values (the server checks each)
    const inputShapes = form.elements.input_shapes.value.split(/\s+/).filter((spec) => spec !== '');
    const job = await sendUpload({ name: file.name, body: file }, inputShapes, (fraction) => { progress.value = fraction; });
    say(`${file.name}: converting`);
    progress.value = 0;
    const result = await followJob(job, {
      onLog: (line) => {
        log.textContent += line + '\n';
        log.scrollTop = log.scrollHeight;
      },
      // The converter's bar, redrawn: "reading weights [#####.....] 50%".
      onProgress: (bar, fraction) => {
        say(`${file.name}: ${bar}`);
        if (fraction !== null) progress.value = fraction;
      },
    });
    if (result.state === 'done') {
      say(`${file.name}: converted as ${result.model}`);
    } else {
      say(`${file.name}: ${result.error}`, true);
    }
  } catch (error) {
    say(error.message, true);
  } finally {
    progress.hidden = true;
  }
});
