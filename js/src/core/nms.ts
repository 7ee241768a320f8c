// Non-max suppression on plain arrays: greedy selection by score with
// TF.js's (and TensorFlow's) rules, soft-NMS included. The result depends on
// the data all the way down (how many boxes survive), so it runs here on
// values read back from the backend, as TF.js does on every backend; the
// `tw.image.nonMaxSuppression*` functions and graph ops wanting NMS
// (ONNX NonMaxSuppression) call it.

export interface NmsOptions {
  /** Most boxes to select. */
  maxOutputSize: number;
  /** Boxes overlapping a selected one by at least this IoU are dropped (hard NMS). */
  iouThreshold: number;
  /** Boxes scoring at or below this are never selected. */
  scoreThreshold: number;
  /** > 0: soft-NMS, scores decay by exp(-0.5 iou² / sigma) instead of being dropped (below the IoU threshold). */
  softNmsSigma?: number;
  /** Pad the selection with index 0 and score 0 up to maxOutputSize. */
  padToMaxOutputSize?: boolean;
  /** Drop a box only when its IoU exceeds the threshold (ONNX's rule; TF's drops it at the threshold too). */
  strictIou?: boolean;
}

export interface NmsResult {
  selectedIndices: number[];
  /** The selected boxes' scores (after soft-NMS decay: the score they were selected with). */
  selectedScores: number[];
  /** Selected boxes before padding. */
  validOutputs: number;
}

interface Candidate {
  score: number;
  boxIndex: number;
  /** Selected boxes before this index have already decayed this candidate's score. */
  suppressBeginIndex: number;
}

/** IoU of boxes i and j of `boxes` ([n, 4] as [y1, x1, y2, x2], either corner order); 0 for an empty box. */
export function intersectionOverUnion(boxes: ArrayLike<number>, i: number, j: number): number {
  const yMinI = Math.min(boxes[i * 4], boxes[i * 4 + 2]);
  const xMinI = Math.min(boxes[i * 4 + 1], boxes[i * 4 + 3]);
  const yMaxI = Math.max(boxes[i * 4], boxes[i * 4 + 2]);
  const xMaxI = Math.max(boxes[i * 4 + 1], boxes[i * 4 + 3]);
  const yMinJ = Math.min(boxes[j * 4], boxes[j * 4 + 2]);
  const xMinJ = Math.min(boxes[j * 4 + 1], boxes[j * 4 + 3]);
  const yMaxJ = Math.max(boxes[j * 4], boxes[j * 4 + 2]);
  const xMaxJ = Math.max(boxes[j * 4 + 1], boxes[j * 4 + 3]);
  const areaI = (yMaxI - yMinI) * (xMaxI - xMinI);
  const areaJ = (yMaxJ - yMinJ) * (xMaxJ - xMinJ);
  if (areaI <= 0 || areaJ <= 0) return 0;
  const intersection = Math.max(Math.min(yMaxI, yMaxJ) - Math.max(yMinI, yMinJ), 0) *
    Math.max(Math.min(xMaxI, xMaxJ) - Math.max(xMinI, xMinJ), 0);
  return intersection / (areaI + areaJ - intersection);
}

/** Ascending by score, ties: the lower box index last (so it is popped first). */
function ascending(a: Candidate, b: Candidate): number {
  return a.score - b.score || b.boxIndex - a.boxIndex;
}

/** Inserts `c` into the ascending `sorted` after any equal entries. */
function insertSorted(sorted: Candidate[], c: Candidate): void {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (ascending(sorted[mid], c) <= 0) low = mid + 1;
    else high = mid;
  }
  sorted.splice(low, 0, c);
}

/**
 * Greedy NMS over `boxes` ([n, 4] flat) and `scores` ([n]). The candidates
 * are taken best first; a candidate is dropped when its IoU with a box
 * selected since it was last looked at reaches `iouThreshold`; with soft-NMS
 * its score decays instead and it goes back in line unless it fell to the
 * score threshold.
 */
export function nonMaxSuppression(boxes: ArrayLike<number>, scores: ArrayLike<number>, options: NmsOptions): NmsResult {
  const { maxOutputSize, iouThreshold, scoreThreshold, softNmsSigma = 0, padToMaxOutputSize = false, strictIou = false } = options;
  const candidates: Candidate[] = [];
  for (let i = 0; i < scores.length; i++) {
    if (scores[i] > scoreThreshold) candidates.push({ score: scores[i], boxIndex: i, suppressBeginIndex: 0 });
  }
  candidates.sort(ascending);
  const scale = softNmsSigma > 0 ? -0.5 / softNmsSigma : 0;
  const selectedIndices: number[] = [];
  const selectedScores: number[] = [];
  while (selectedIndices.length < maxOutputSize && candidates.length > 0) {
    const candidate = candidates.pop() as Candidate;
    const originalScore = candidate.score;
    if (originalScore < scoreThreshold) break;
    let drop = false;
    for (let j = selectedIndices.length - 1; j >= candidate.suppressBeginIndex; j--) {
      const iou = intersectionOverUnion(boxes, candidate.boxIndex, selectedIndices[j]);
      if (strictIou ? iou > iouThreshold : iou >= iouThreshold) {
        drop = true;
        break;
      }
      candidate.score *= Math.exp(scale * iou * iou);
      if (candidate.score <= scoreThreshold) break;
    }
    candidate.suppressBeginIndex = selectedIndices.length;
    if (drop) continue;
    if (candidate.score === originalScore) {
      selectedIndices.push(candidate.boxIndex);
      selectedScores.push(candidate.score);
    } else if (candidate.score > scoreThreshold) {
      insertSorted(candidates, candidate);
    }
  }
  const validOutputs = selectedIndices.length;
  if (padToMaxOutputSize) {
    for (let i = validOutputs; i < maxOutputSize; i++) {
      selectedIndices.push(0);
      selectedScores.push(0);
    }
  }
  return { selectedIndices, selectedScores, validOutputs };
}
