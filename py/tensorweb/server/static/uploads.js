// Upload-and-convert from a page of this server: POST /api/uploads?filename=NAME
// with the file as the body, then the conversion job's Server-Sent Events until
// it is done or failed (py/tensorweb/server/uploads.py). Used by the gallery's
// upload form and the model-explorer demo.

/**
 * Posts the upload, with `inputShapes` ("NAME:1,128", the converter's --input-shape)
 * for the server to pass on; resolves with its job ({id, events, ...}), rejects with its reason.
 */
export function sendUpload({ name, body }, inputShapes, onProgress) {
  return new Promise((resolve, reject) => {
    const query = new URLSearchParams([['filename', name], ...inputShapes.map((shape) => ['input_shape', shape])]);
    const request = new XMLHttpRequest();
    request.open('POST', `/api/uploads?${query}`);
    request.responseType = 'json';
    request.upload.onprogress = (event) => { if (event.lengthComputable) onProgress(event.loaded / event.total); };
    request.onload = () => {
      if (request.status === 202) resolve(request.response);
      else reject(new Error(`${name}: ${request.response?.error ?? `the server answered HTTP ${request.status}`}`));
    };
    request.onerror = () => reject(new Error(`${name}: the upload failed (the connection to the server broke)`));
    request.send(body);
  });
}

/** Follows a conversion job's events; resolves with the finished job ({state: 'done', model} or {state: 'failed', error}). */
export function followJob(job, { onLog, onProgress }) {
  return new Promise((resolve, reject) => {
    const events = new EventSource(job.events);
    events.addEventListener('log', (event) => onLog(JSON.parse(event.data)));
    // The converter's redrawn bar, e.g. "reading weights [#####.....] 50%".
    events.addEventListener('progress', (event) => {
      const bar = JSON.parse(event.data);
      const percent = /(\d+)%\s*$/.exec(bar);
      onProgress(bar, percent ? Number(percent[1]) / 100 : null);
    });
    for (const end of ['done', 'failed']) {
      events.addEventListener(end, (event) => {
        events.close();
        resolve(JSON.parse(event.data));
      });
    }
    events.onerror = () => {
      // EventSource retries by itself; it gives up (CLOSED) only when the server is gone.
      if (events.readyState === EventSource.CLOSED) reject(new Error(`${job.upload}: lost the server while it converted`));
    };
  });
}
