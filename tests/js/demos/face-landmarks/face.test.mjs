// demos/face-landmarks/face.js: the face demo's anchors, decoding, non-max
// suppression and crop geometry, against numbers worked out by hand and the
// anchor counts the detectors' own output shapes fix (896 rows in
// face_detection_short_range's regressors, 2016 in palm_detection_lite's).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SHORT_RANGE_ANCHORS, SHORT_RANGE_DECODING, cropTransform, decodeDetections, detectionInFrame, faceRegion, iou,
  letterbox, nonMaxSuppression, projectLandmarks, ssdAnchors,
} from '../../../../demos/face-landmarks/face.js';

const close = (actual, expected, what, tolerance = 1e-9) => assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs ${expected}`);

test('short-range face anchors: 896, a 16x16 grid of 2 then an 8x8 grid of 6, unit size', () => {
  const anchors = ssdAnchors();
  assert.equal(anchors.length, 896);
  assert.deepEqual(anchors[0], { x: 0.5 / 16, y: 0.5 / 16, w: 1, h: 1 });
  assert.deepEqual(anchors[1], anchors[0], 'two anchors per cell at stride 8');
  assert.deepEqual(anchors[2], { x: 1.5 / 16, y: 0.5 / 16, w: 1, h: 1 });
  assert.deepEqual(anchors[32], { x: 0.5 / 16, y: 1.5 / 16, w: 1, h: 1 }, 'the next row after 16 cells of 2');
  assert.deepEqual(anchors[511], { x: 15.5 / 16, y: 15.5 / 16, w: 1, h: 1 });
  for (let k = 512; k < 518; k++) assert.deepEqual(anchors[k], { x: 0.5 / 8, y: 0.5 / 8, w: 1, h: 1 }, 'six anchors per cell at stride 16');
  assert.deepEqual(anchors[518], { x: 1.5 / 8, y: 0.5 / 8, w: 1, h: 1 });
  assert.deepEqual(anchors.at(-1), { x: 7.5 / 8, y: 7.5 / 8, w: 1, h: 1 });
});

test('anchor sizes follow the layer scales when they are not fixed; the palm detector has 2016', () => {
  const anchors = ssdAnchors({ ...SHORT_RANGE_ANCHORS, fixedAnchorSize: false });
  const scale1 = 0.1484375 + (0.75 - 0.1484375) / 3;
  close(anchors[0].w, 0.1484375, 'layer 0, aspect ratio 1');
  close(anchors[1].w, Math.sqrt(0.1484375 * scale1), 'layer 0, interpolated with layer 1');
  close(anchors.at(-1).h, Math.sqrt(0.75 * 1), 'the last layer interpolates with 1');
  close(anchors.at(-2).h, 0.75, 'the last layer, aspect ratio 1');
  // palm_detection_lite's graph: 192x192, strides 8, 16, 16, 16 (4 layers, 0.1484375 to 0.75): 24x24x2 + 12x12x6
  const palm = ssdAnchors({ ...SHORT_RANGE_ANCHORS, inputWidth: 192, inputHeight: 192 });
  assert.equal(palm.length, 2016);
  assert.throws(() => ssdAnchors({ ...SHORT_RANGE_ANCHORS, strides: [8, 16] }), /2 strides for 4 layers/);
});

test('decoding: offsets over 128 from the anchor, sigmoid scores clipped, below 0.5 dropped', () => {
  const anchors = ssdAnchors();
  const regressors = new Float32Array(896 * 16);
  const scores = new Float32Array(896).fill(-10);
  const raw = [12.8, -6.4, 32, 64, 0, 0, 12.8, 12.8, -12.8, 0, 0, 0, 0, 0, 0, 0];
  regressors.set(raw, 512 * 16);
  scores[512] = 1000; // clipped to 100: sigmoid 1
  scores[0] = 0; // sigmoid 0.5: kept (the threshold is inclusive)
  scores[1] = -0.01;
  const detections = decodeDetections(regressors, scores, anchors);
  const near = (actual, expected, what) => close(actual, expected, what, 1e-7); // the raw values are float32
  assert.equal(detections.length, 2);
  const [origin, face] = detections;
  assert.equal(origin.score, 0.5);
  assert.deepEqual(origin.box, { xMin: 0.5 / 16, yMin: 0.5 / 16, width: 0, height: 0 });
  near(face.score, 1, 'score');
  near(face.box.xMin, 0.0625 + 0.1 - 0.125, 'xMin');
  near(face.box.yMin, 0.0625 - 0.05 - 0.25, 'yMin');
  near(face.box.width, 0.25, 'width');
  near(face.box.height, 0.5, 'height');
  assert.equal(face.keypoints.length, 6);
  near(face.keypoints[0][0], 0.0625, 'right eye x');
  near(face.keypoints[1][0], 0.1625, 'left eye x');
  near(face.keypoints[1][1], 0.1625, 'left eye y');
  near(face.keypoints[2][0], -0.0375, 'nose x');
  assert.throws(() => decodeDetections(regressors.subarray(16), scores, anchors), /14320 values, 896 boxes x 16/);
  assert.throws(() => decodeDetections(regressors, scores, anchors.slice(1)), /895 anchors for 896 boxes/);
  assert.equal(SHORT_RANGE_DECODING.minScoreThresh, 0.5);
});

const box = (xMin, yMin, width, height) => ({ xMin, yMin, width, height });
const detection = (score, b, keypoint) => ({ score, box: b, keypoints: [keypoint, keypoint] });

test('iou of hand-made boxes', () => {
  close(iou(box(0, 0, 1, 1), box(0.1, 0, 1, 1)), 0.9 / 1.1, 'shifted by a tenth');
  close(iou(box(0, 0, 2, 2), box(1, 1, 2, 2)), 1 / 7, 'a corner');
  assert.equal(iou(box(0, 0, 1, 1), box(1, 0, 1, 1)), 0, 'touching');
  assert.equal(iou(box(0, 0, 0, 0), box(0, 0, 0, 0)), 0, 'empty');
});

test('weighted non-max suppression averages each cluster by score; plain keeps the best; far boxes stay', () => {
  const a = detection(0.9, box(0, 0, 1, 1), [0.5, 0.5]);
  const b = detection(0.6, box(0.1, 0, 1, 1), [0.6, 0.4]); // IoU 0.82 with a
  const c = detection(0.8, box(5, 5, 1, 1), [5.5, 5.5]);
  const d = detection(0.7, box(0.75, 0, 1, 1), [1, 1]); // IoU 0.14 with a: a face of its own
  const weighted = nonMaxSuppression([b, d, c, a]);
  assert.equal(weighted.length, 3);
  assert.deepEqual(weighted.map((x) => x.score), [0.9, 0.8, 0.7]);
  close(weighted[0].box.xMin, (0.9 * 0 + 0.6 * 0.1) / 1.5, 'weighted xMin');
  close(weighted[0].box.width, (0.9 * 1 + 0.6 * 1.1) / 1.5 - 0.04, 'weighted width');
  close(weighted[0].keypoints[0][0], (0.9 * 0.5 + 0.6 * 0.6) / 1.5, 'weighted keypoint x');
  close(weighted[0].keypoints[0][1], (0.9 * 0.5 + 0.6 * 0.4) / 1.5, 'weighted keypoint y');
  assert.equal(weighted[1], c, 'a lone detection is kept as it is');
  assert.equal(weighted[2], d);
  assert.deepEqual(nonMaxSuppression([b, d, c, a], { weighted: false }), [a, c, d]);
  assert.deepEqual(nonMaxSuppression([b, d, c, a], { weighted: false, threshold: 0.1 }), [a, c], 'a lower threshold takes d into a\'s cluster');
  assert.deepEqual(nonMaxSuppression([]), []);
});

test('letterbox: a 320x240 frame in 128x128 is scaled by 0.4 with 16-pixel bands above and below', () => {
  const fit = letterbox(320, 240, 128);
  assert.deepEqual(fit, { size: 128, scale: 0.4, left: 0, top: 16 });
  const inFrame = detectionInFrame({ score: 0.7, box: box(0.25, 0.125, 0.5, 0.25), keypoints: [[0.5, 0.5]] }, fit);
  assert.deepEqual(inFrame, { score: 0.7, box: { xMin: 80, yMin: 0, width: 160, height: 80 }, keypoints: [[160, 120]] });
  assert.deepEqual(letterbox(240, 320, 128), { size: 128, scale: 0.4, left: 16, top: 0 });
});

test('face region: centred on the box, square on its long side, 1.5x, turned by the eyes\' angle', () => {
  const level = faceRegion({ box: box(10, 20, 40, 60), keypoints: [[20, 40], [40, 40]] });
  assert.deepEqual(level, { centerX: 30, centerY: 50, width: 90, height: 90, rotation: 0 });
  // The left eye (on the image's right) lower: the face leans clockwise on screen, by 45 degrees here.
  close(faceRegion({ box: box(0, 0, 10, 10), keypoints: [[0, 0], [5, 5]] }).rotation, Math.PI / 4, 'clockwise');
  close(faceRegion({ box: box(0, 0, 10, 10), keypoints: [[5, 0], [0, 5]] }).rotation, (3 * Math.PI) / 4, 'upside down and turned');
  close(faceRegion({ box: box(0, 0, 10, 10), keypoints: [[5, 5], [0, 5]] }).rotation, -Math.PI, 'upside down: -pi (normalised into [-pi, pi))');
});

test('crop transform: the region\'s centre and its rotated edges land on the crop\'s centre and edges; landmarks project back', () => {
  const region = { centerX: 100, centerY: 80, width: 60, height: 60, rotation: Math.PI / 6 };
  const [a, b, c, d, e, f] = cropTransform(region, 192);
  const apply = ([x, y]) => [a * x + c * y + e, b * x + d * y + f];
  const [cx, cy] = apply([100, 80]);
  close(cx, 96, 'centre x', 1e-9);
  close(cy, 96, 'centre y', 1e-9);
  // Half a side along the region's turned x axis: the crop's right edge, half way down.
  const [rx, ry] = apply([100 + 30 * Math.cos(Math.PI / 6), 80 + 30 * Math.sin(Math.PI / 6)]);
  close(rx, 192, 'right edge x', 1e-9);
  close(ry, 96, 'right edge y', 1e-9);
  // Points of the crop (x, y, z) project back onto the frame points that the transform sent there.
  const framePoints = [[100, 80], [80, 70], [125, 95], [90, 110]];
  const crop = framePoints.flatMap((p) => [...apply(p), 7]);
  const back = projectLandmarks(crop, region, 192);
  framePoints.forEach(([x, y], i) => {
    close(back[2 * i], x, `point ${i} x`, 1e-4);
    close(back[2 * i + 1], y, `point ${i} y`, 1e-4);
  });
  assert.throws(() => projectLandmarks([1, 2], region, 192), /not x, y, z triples/);
});
