// The face demo's arithmetic, kept apart from the page so that node's test runner
// checks it (tests/js/demos/face-landmarks/face.test.mjs): MediaPipe's SSD anchors and
// the decoding of the short-range face detector's raw outputs, non-max suppression
// (weighted, as MediaPipe's face graph does it, or plain), the letterbox that fits a
// camera frame into the detector's square input, and the rotated crop the face
// landmark model takes, with the projection of its points back onto the frame.
// Coordinates: boxes and keypoints of the detector are fractions of its input;
// frame coordinates are the camera frame's pixels.

/**
 * SsdAnchorsCalculatorOptions of MediaPipe's face_detection_short_range graph
 * (mediapipe/modules/face_detection/face_detection_short_range.pbtxt).
 */
export const SHORT_RANGE_ANCHORS = {
  numLayers: 4,
  minScale: 0.1484375,
  maxScale: 0.75,
  inputHeight: 128,
  inputWidth: 128,
  anchorOffsetX: 0.5,
  anchorOffsetY: 0.5,
  strides: [8, 16, 16, 16],
  aspectRatios: [1.0],
  interpolatedScaleAspectRatio: 1.0,
  fixedAnchorSize: true,
};

/** TensorsToDetectionsCalculatorOptions of the same graph, and its non-max suppression's threshold. */
export const SHORT_RANGE_DECODING = {
  numBoxes: 896,
  numCoords: 16,
  boxCoordOffset: 0,
  keypointCoordOffset: 4,
  numKeypoints: 6,
  numValuesPerKeypoint: 2,
  sigmoidScore: true,
  scoreClippingThresh: 100,
  // reverse_output_order: the box comes as x centre, y centre, width, height
  xScale: 128,
  yScale: 128,
  wScale: 128,
  hScale: 128,
  minScoreThresh: 0.5,
  minSuppressionThreshold: 0.3,
};

// The detector's 6 keypoints, in order: right eye, left eye (the subject's), nose tip, mouth centre, right and
// left ear tragion; faceRegion turns the crop by the first two.

/** MediaPipe's face_detection_front_detection_to_roi: the landmark crop is the box squared on its long side, 1.5 times as large. */
export const LANDMARK_ROI_SCALE = 1.5;

function anchorScale(minScale, maxScale, index, count) {
  return count === 1 ? (minScale + maxScale) / 2 : minScale + ((maxScale - minScale) * index) / (count - 1);
}

/**
 * The anchors SsdAnchorsCalculator makes for `options` (see SHORT_RANGE_ANCHORS):
 * an array of {x, y, w, h}, layers of one stride sharing a grid, row by row,
 * then column, then the anchors of a cell.
 */
export function ssdAnchors(options = SHORT_RANGE_ANCHORS) {
  const { numLayers, strides, minScale, maxScale, aspectRatios, interpolatedScaleAspectRatio } = options;
  if (strides.length !== numLayers) throw new Error(`ssdAnchors: ${strides.length} strides for ${numLayers} layers`);
  const anchors = [];
  let layer = 0;
  while (layer < numLayers) {
    const heights = [];
    const widths = [];
    let last = layer;
    // Layers of one stride share a feature map: their anchors go in one cell, one after another.
    for (; last < numLayers && strides[last] === strides[layer]; last++) {
      const scale = anchorScale(minScale, maxScale, last, numLayers);
      for (const ratio of aspectRatios) {
        heights.push(scale / Math.sqrt(ratio));
        widths.push(scale * Math.sqrt(ratio));
      }
      if (interpolatedScaleAspectRatio > 0) {
        const next = last === numLayers - 1 ? 1 : anchorScale(minScale, maxScale, last + 1, numLayers);
        const scale2 = Math.sqrt(scale * next);
        heights.push(scale2 / Math.sqrt(interpolatedScaleAspectRatio));
        widths.push(scale2 * Math.sqrt(interpolatedScaleAspectRatio));
      }
    }
    const rows = Math.ceil(options.inputHeight / strides[layer]);
    const columns = Math.ceil(options.inputWidth / strides[layer]);
    for (let y = 0; y < rows; y++) {
      for (let x = 0; x < columns; x++) {
        for (let k = 0; k < heights.length; k++) {
          anchors.push({
            x: (x + options.anchorOffsetX) / columns,
            y: (y + options.anchorOffsetY) / rows,
            w: options.fixedAnchorSize ? 1 : widths[k],
            h: options.fixedAnchorSize ? 1 : heights[k],
          });
        }
      }
    }
    layer = last;
  }
  return anchors;
}

/**
 * The detections whose score reaches `options.minScoreThresh`, decoded from the
 * detector's raw outputs (`regressors`: numBoxes x numCoords values, `scores`:
 * numBoxes logits) against `anchors`, as TensorsToDetectionsCalculator does:
 * {score, box: {xMin, yMin, width, height}, keypoints: [[x, y], ...]}, in
 * fractions of the input.
 */
export function decodeDetections(regressors, scores, anchors, options = SHORT_RANGE_DECODING) {
  const { numBoxes, numCoords, boxCoordOffset: b, keypointCoordOffset, numKeypoints, numValuesPerKeypoint } = options;
  if (anchors.length !== numBoxes) throw new Error(`decodeDetections: ${anchors.length} anchors for ${numBoxes} boxes`);
  if (regressors.length !== numBoxes * numCoords) {
    throw new Error(`decodeDetections: the regressors hold ${regressors.length} values, ${numBoxes} boxes x ${numCoords} coordinates expected`);
  }
  if (scores.length !== numBoxes) throw new Error(`decodeDetections: ${scores.length} scores for ${numBoxes} boxes`);
  const detections = [];
  for (let i = 0; i < numBoxes; i++) {
    let logit = scores[i];
    if (options.scoreClippingThresh) logit = Math.min(options.scoreClippingThresh, Math.max(-options.scoreClippingThresh, logit));
    const score = options.sigmoidScore ? 1 / (1 + Math.exp(-logit)) : logit;
    if (score < options.minScoreThresh) continue;
    const raw = i * numCoords;
    const anchor = anchors[i];
    const xCenter = (regressors[raw + b] / options.xScale) * anchor.w + anchor.x;
    const yCenter = (regressors[raw + b + 1] / options.yScale) * anchor.h + anchor.y;
    const width = (regressors[raw + b + 2] / options.wScale) * anchor.w;
    const height = (regressors[raw + b + 3] / options.hScale) * anchor.h;
    const keypoints = [];
    for (let k = 0; k < numKeypoints; k++) {
      const at = raw + keypointCoordOffset + k * numValuesPerKeypoint;
      keypoints.push([(regressors[at] / options.xScale) * anchor.w + anchor.x, (regressors[at + 1] / options.yScale) * anchor.h + anchor.y]);
    }
    detections.push({ score, box: { xMin: xCenter - width / 2, yMin: yCenter - height / 2, width, height }, keypoints });
  }
  return detections;
}

/** Intersection over union of two boxes ({xMin, yMin, width, height}); 0 when either is empty. */
export function iou(a, b) {
  const left = Math.max(a.xMin, b.xMin);
  const top = Math.max(a.yMin, b.yMin);
  const right = Math.min(a.xMin + a.width, b.xMin + b.width);
  const bottom = Math.min(a.yMin + a.height, b.yMin + b.height);
  const intersection = Math.max(0, right - left) * Math.max(0, bottom - top);
  const union = a.width * a.height + b.width * b.height - intersection;
  return union > 0 ? intersection / union : 0;
}

/**
 * MediaPipe's NonMaxSuppressionCalculator over `detections`, best score first:
 * each kept detection takes every remaining one that overlaps it by more than
 * `threshold` (IoU); `weighted` (the face graph's WEIGHTED algorithm) replaces
 * its box and keypoints by the score-weighted mean of that cluster, keeping the
 * best score, while plain suppression keeps the best detection as it is.
 */
export function nonMaxSuppression(detections, { threshold = SHORT_RANGE_DECODING.minSuppressionThreshold, weighted = true } = {}) {
  let remaining = [...detections].sort((a, b) => b.score - a.score);
  const kept = [];
  while (remaining.length) {
    const best = remaining[0];
    const cluster = [];
    const rest = [];
    for (const other of remaining) (iou(best.box, other.box) > threshold ? cluster : rest).push(other);
    // The best one always joins its own cluster (IoU 1), unless its box is empty.
    if (!cluster.includes(best)) cluster.unshift(best);
    remaining = rest.filter((d) => d !== best);
    if (!weighted || cluster.length === 1) {
      kept.push(best);
      continue;
    }
    const total = cluster.reduce((sum, d) => sum + d.score, 0);
    const mean = (value) => cluster.reduce((sum, d) => sum + d.score * value(d), 0) / total;
    const xMin = mean((d) => d.box.xMin);
    const yMin = mean((d) => d.box.yMin);
    const xMax = mean((d) => d.box.xMin + d.box.width);
    const yMax = mean((d) => d.box.yMin + d.box.height);
    kept.push({
      score: best.score,
      box: { xMin, yMin, width: xMax - xMin, height: yMax - yMin },
      keypoints: best.keypoints.map((_, k) => [mean((d) => d.keypoints[k][0]), mean((d) => d.keypoints[k][1])]),
    });
  }
  return kept;
}

/**
 * How a `width` x `height` frame fits, whole and centred, into a `size` x `size`
 * input (ImageToTensorCalculator's keep_aspect_ratio, zero borders): the frame's
 * scale and where its top-left corner lands, in input pixels.
 */
export function letterbox(width, height, size) {
  const scale = size / Math.max(width, height);
  return { size, scale, left: (size - width * scale) / 2, top: (size - height * scale) / 2 };
}

/** A detection in fractions of the letterboxed input, moved to frame pixels (DetectionLetterboxRemovalCalculator, scaled). */
export function detectionInFrame(detection, box) {
  const point = ([x, y]) => [(x * box.size - box.left) / box.scale, (y * box.size - box.top) / box.scale];
  const [xMin, yMin] = point([detection.box.xMin, detection.box.yMin]);
  return {
    score: detection.score,
    box: { xMin, yMin, width: (detection.box.width * box.size) / box.scale, height: (detection.box.height * box.size) / box.scale },
    keypoints: detection.keypoints.map(point),
  };
}

/**
 * The region the landmark model looks at for a face detected at `detection`
 * (frame pixels): MediaPipe's face_detection_front_detection_to_roi, centred on
 * the box, turned so that the eyes lie level (the angle from the right eye to
 * the left, in radians, clockwise on screen), squared on the box's long side and
 * enlarged LANDMARK_ROI_SCALE times: {centerX, centerY, width, height, rotation}.
 */
export function faceRegion(detection, scale = LANDMARK_ROI_SCALE) {
  const { box, keypoints } = detection;
  const [[x0, y0], [x1, y1]] = keypoints;
  const rotation = normalizeRadians(-Math.atan2(-(y1 - y0), x1 - x0));
  const side = Math.max(box.width, box.height) * scale;
  return { centerX: box.xMin + box.width / 2, centerY: box.yMin + box.height / 2, width: side, height: side, rotation };
}

function normalizeRadians(angle) {
  return angle - 2 * Math.PI * Math.floor((angle + Math.PI) / (2 * Math.PI));
}

/**
 * The canvas transform [a, b, c, d, e, f] (CanvasRenderingContext2D.setTransform's
 * order) that draws the frame so that `region` fills a `size` x `size` canvas,
 * upright: frame point p lands at R(-rotation) (p - centre) * size / side + size / 2.
 */
export function cropTransform(region, size) {
  const { centerX, centerY, width, height, rotation } = region;
  const [cos, sin] = [Math.cos(rotation), Math.sin(rotation)];
  const [sx, sy] = [size / width, size / height];
  return [
    sx * cos, -sy * sin, sx * sin, sy * cos,
    size / 2 - sx * (cos * centerX + sin * centerY),
    size / 2 - sy * (-sin * centerX + cos * centerY),
  ];
}

/**
 * The landmark model's points (x, y, z triples in pixels of its `size` x `size`
 * crop of `region`) in frame pixels, as LandmarkProjectionCalculator puts them:
 * a Float32Array of x, y pairs.
 */
export function projectLandmarks(values, region, size) {
  if (values.length % 3) throw new Error(`projectLandmarks: ${values.length} values are not x, y, z triples`);
  const [cos, sin] = [Math.cos(region.rotation), Math.sin(region.rotation)];
  const points = new Float32Array((values.length / 3) * 2);
  for (let i = 0; i < values.length / 3; i++) {
    const u = (values[3 * i] / size - 0.5) * region.width;
    const v = (values[3 * i + 1] / size - 0.5) * region.height;
    points[2 * i] = region.centerX + cos * u - sin * v;
    points[2 * i + 1] = region.centerY + sin * u + cos * v;
  }
  return points;
}
