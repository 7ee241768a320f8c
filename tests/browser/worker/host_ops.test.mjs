// Data-dependent shapes in the worker: a RemoteGraphModel's execute (and
// executeAsync) runs executeAsync there, so the SSD-style detector with NMS in
// its graph (tests/fixtures/graph/ssd_nms) gives onnxruntime's boxes, scores
// and labels, while predict refuses it with the page's message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedWebGpuPage } from '../helper.mjs';
import { assertClose, readIO } from '../../js/graph/helpers.mjs';

const shared = sharedWebGpuPage();

test('worker: ssd_nms runs through execute and executeAsync; predict names the node to run asynchronously', async () => {
  const io = readIO('ssd_nms');
  const report = await shared.page.run(async (tw, { input }) => {
    const remote = await tw.worker();
    const model = await remote.loadGraphModel('/tests/fixtures/graph/ssd_nms/model.json');
    const image = { values: Float32Array.from(input.values), shape: input.shape, dtype: input.dtype };
    const read = async (outputs) => Promise.all(outputs.map(async (o) => ({ shape: o.shape, values: Array.from(await o.data()) })));
    const viaExecute = await model.execute({ ...image, values: image.values.slice() }, model.outputNodes);
    const viaAsync = await model.executeAsync({ ...image, values: image.values.slice() }, model.outputNodes);
    const refused = await model.predict(image).then(() => '', (error) => error.message);
    const result = { names: model.outputNodes, viaExecute: await read(viaExecute), viaAsync: await read(viaAsync), refused };
    tw.dispose([viaExecute, viaAsync]);
    remote.terminate();
    return result;
  }, { input: io.inputs.image });
  assert.match(report.refused, /whereAsync.*executeAsync/);
  for (const results of [report.viaExecute, report.viaAsync]) {
    report.names.forEach((name, k) => {
      assert.deepEqual(results[k].shape, io.outputs[name].shape, name);
      assertClose(results[k].values, io.outputs[name].values, io.tolerance, name);
    });
  }
});
