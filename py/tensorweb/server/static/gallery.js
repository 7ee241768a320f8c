// The gallery's upload form: send the file as the request body, show the
// upload's progress, then follow the conversion job's events until it ends.
import { serverEvents } from './events.js';

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

function upload(file) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('POST', `/api/uploads?filename=${encodeURIComponent(file.name)}`);
    request.responseType = 'json';
    request.upload.onprogress = (e) => {
      if (e.lengthComputable) progress.value = e.loaded / e.total;
    };
    request.onload = () => {
      if (request.status === 202) resolve(request.response);
      else reject(new Error(request.response?.error ?? `upload failed: HTTP ${request.status}`));
    };
    request.onerror = () => reject(new Error('upload failed: the connection broke'));
    request.send(file);
  });
}

function followJob(job) {
  return new Promise((resolve) => {
    const events = new EventSource(job.events);
    events.addEventListener('log', (e) => {
      log.textContent += JSON.parse(e.data) + '\n';
      log.scrollTop = log.scrollHeight;
    });
    events.addEventListener('state', (e) => say(`${job.upload}: ${JSON.parse(e.data)}`));
    // The converter's bar, redrawn: "reading weights [#####.....] 50%".
    events.addEventListener('progress', (e) => {
      const bar = JSON.parse(e.data);
      say(`${job.upload}: ${bar}`);
      const percent = /(\d+)%\s*$/.exec(bar);
      if (percent) progress.value = Number(percent[1]) / 100;
    });
    for (const end of ['done', 'failed']) {
      events.addEventListener(end, (e) => {
        events.close();
        resolve(JSON.parse(e.data));
      });
    }
  });
}

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
    const job = await upload(file);
    say(`${file.name}: converting`);
    progress.value = 0;
    const result = await followJob(job);
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
