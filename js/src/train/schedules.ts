// Learning-rate schedules with Keras's names and formulas. A schedule maps the
// optimizer's step count (0 before the first update) to a learning rate.

export interface LearningRateSchedule {
  /** Keras's class name, written when an optimizer is saved. */
  readonly className: string;
  readonly config: Record<string, unknown>;
  at(step: number): number;
}

export type LearningRate = number | LearningRateSchedule;

function schedule(className: string, config: Record<string, unknown>, at: (step: number) => number): LearningRateSchedule {
  return { className, config: { ...config }, at };
}

function requirePositive(value: number, what: string): void {
  if (!(value > 0)) throw new Error(`tensorweb: ${what} must be positive, got ${value}`);
}

export interface ExponentialDecayConfig {
  initialLearningRate: number;
  decaySteps: number;
  decayRate: number;
  staircase?: boolean;
}

/** lr · decayRate^(step / decaySteps); with `staircase` the exponent is floored. */
export function exponentialDecay(config: ExponentialDecayConfig): LearningRateSchedule {
  const { initialLearningRate, decaySteps, decayRate, staircase = false } = config;
  requirePositive(decaySteps, 'exponentialDecay: decaySteps');
  return schedule('ExponentialDecay', { initialLearningRate, decaySteps, decayRate, staircase }, (step) => {
    const p = step / decaySteps;
    return initialLearningRate * decayRate ** (staircase ? Math.floor(p) : p);
  });
}

/** lr / (1 + decayRate · step / decaySteps), floored exponent with `staircase`. */
export function inverseTimeDecay(config: ExponentialDecayConfig): LearningRateSchedule {
  const { initialLearningRate, decaySteps, decayRate, staircase = false } = config;
  requirePositive(decaySteps, 'inverseTimeDecay: decaySteps');
  return schedule('InverseTimeDecay', { initialLearningRate, decaySteps, decayRate, staircase }, (step) => {
    const p = step / decaySteps;
    return initialLearningRate / (1 + decayRate * (staircase ? Math.floor(p) : p));
  });
}

export interface PiecewiseConstantDecayConfig {
  /** Increasing step counts; values[i] applies while step <= boundaries[i]. */
  boundaries: number[];
  values: number[];
}

export function piecewiseConstantDecay(config: PiecewiseConstantDecayConfig): LearningRateSchedule {
  const { boundaries, values } = config;
  if (values.length !== boundaries.length + 1) {
    throw new Error(`tensorweb: piecewiseConstantDecay: needs ${boundaries.length + 1} values for ${boundaries.length} boundaries, got ${values.length}`);
  }
  return schedule('PiecewiseConstantDecay', { boundaries: [...boundaries], values: [...values] }, (step) => {
    const index = boundaries.findIndex((b) => step <= b);
    return values[index === -1 ? values.length - 1 : index];
  });
}

export interface PolynomialDecayConfig {
  initialLearningRate: number;
  decaySteps: number;
  endLearningRate?: number;
  power?: number;
  /** Restart the decay every multiple of decaySteps instead of holding the end rate. */
  cycle?: boolean;
}

export function polynomialDecay(config: PolynomialDecayConfig): LearningRateSchedule {
  const { initialLearningRate, decaySteps, endLearningRate = 0.0001, power = 1, cycle = false } = config;
  requirePositive(decaySteps, 'polynomialDecay: decaySteps');
  return schedule('PolynomialDecay', { initialLearningRate, decaySteps, endLearningRate, power, cycle }, (step) => {
    const span = cycle ? decaySteps * Math.max(1, Math.ceil(step / decaySteps)) : decaySteps;
    const done = Math.min(step, span) / span;
    return (initialLearningRate - endLearningRate) * (1 - done) ** power + endLearningRate;
  });
}

export interface CosineDecayConfig {
  initialLearningRate: number;
  decaySteps: number;
  /** The floor, as a fraction of the initial rate. */
  alpha?: number;
  /** Linear warm-up from initialLearningRate to warmupTarget over warmupSteps, then the cosine decay from warmupTarget. */
  warmupTarget?: number | null;
  warmupSteps?: number;
}

export function cosineDecay(config: CosineDecayConfig): LearningRateSchedule {
  const { initialLearningRate, decaySteps, alpha = 0, warmupTarget = null, warmupSteps = 0 } = config;
  requirePositive(decaySteps, 'cosineDecay: decaySteps');
  const peak = warmupTarget ?? initialLearningRate;
  return schedule('CosineDecay', { initialLearningRate, decaySteps, alpha, warmupTarget, warmupSteps }, (step) => {
    if (warmupTarget !== null && step < warmupSteps) {
      return initialLearningRate + (warmupTarget - initialLearningRate) * (step / warmupSteps);
    }
    const done = Math.min(step - (warmupTarget === null ? 0 : warmupSteps), decaySteps) / decaySteps;
    const cosine = 0.5 * (1 + Math.cos(Math.PI * done));
    return peak * ((1 - alpha) * cosine + alpha);
  });
}

/** The rate at `step` of a constant or a schedule. */
export function learningRateAt(rate: LearningRate, step: number): number {
  return typeof rate === 'number' ? rate : rate.at(step);
}
