// Training callbacks (TF.js's shape): hooks that fit() and fitDataset() call
// and await, the History they fill, and early stopping.
import { getEngine } from '../core/engine.js';
import type { Tensor } from '../core/tensor.js';

export type Logs = Record<string, number>;

export interface Callback {
  setModel?(model: CallbackModel): void;
  onTrainBegin?(logs?: Logs): void | Promise<void>;
  onTrainEnd?(logs?: Logs): void | Promise<void>;
  onEpochBegin?(epoch: number, logs?: Logs): void | Promise<void>;
  onEpochEnd?(epoch: number, logs?: Logs): void | Promise<void>;
  onBatchBegin?(batch: number, logs?: Logs): void | Promise<void>;
  onBatchEnd?(batch: number, logs?: Logs): void | Promise<void>;
}

/** What callbacks may touch on the model. */
export interface CallbackModel {
  stopTraining: boolean;
  getWeights(): Tensor[];
  setWeights(values: Tensor[]): void;
}

/** What fit() resolves to: per-epoch logs, as TF.js's History. */
export class History {
  readonly epoch: number[] = [];
  readonly history: Record<string, number[]> = {};

  record(epoch: number, logs: Logs): void {
    this.epoch.push(epoch);
    for (const [key, value] of Object.entries(logs)) (this.history[key] ??= []).push(value);
  }
}

/** The callbacks of one fit() call, called in order. */
export class CallbackList {
  private readonly callbacks: Callback[];

  constructor(callbacks: Callback | Callback[] | undefined, model: CallbackModel) {
    this.callbacks = callbacks === undefined ? [] : Array.isArray(callbacks) ? callbacks : [callbacks];
    for (const c of this.callbacks) c.setModel?.(model);
  }

  /** Batch logs are read from the device only when some callback wants them. */
  get wantsBatchLogs(): boolean {
    return this.callbacks.some((c) => c.onBatchEnd);
  }

  async trainBegin(): Promise<void> {
    for (const c of this.callbacks) await c.onTrainBegin?.({});
  }

  async trainEnd(logs: Logs): Promise<void> {
    for (const c of this.callbacks) await c.onTrainEnd?.(logs);
  }

  async epochBegin(epoch: number): Promise<void> {
    for (const c of this.callbacks) await c.onEpochBegin?.(epoch, {});
  }

  async epochEnd(epoch: number, logs: Logs): Promise<void> {
    for (const c of this.callbacks) await c.onEpochEnd?.(epoch, { ...logs });
  }

  async batchBegin(batch: number, logs: Logs): Promise<void> {
    for (const c of this.callbacks) await c.onBatchBegin?.(batch, { ...logs });
  }

  async batchEnd(batch: number, logs: Logs): Promise<void> {
    for (const c of this.callbacks) await c.onBatchEnd?.(batch, { ...logs });
  }
}

export interface EarlyStoppingArgs {
  /** The log to watch (default val_loss). */
  monitor?: string;
  /** Smaller changes do not count as improvements. */
  minDelta?: number;
  /** Epochs without improvement before stopping. */
  patience?: number;
  /** 'auto': max for accuracies, min otherwise. */
  mode?: 'auto' | 'min' | 'max';
  /** Training stops if the monitored value does not beat this. */
  baseline?: number | null;
  /** At the end of training, put back the weights of the best epoch. */
  restoreBestWeights?: boolean;
}

/** Stops training once the monitored log stops improving (TF.js's / Keras's EarlyStopping). */
export class EarlyStopping implements Callback {
  readonly monitor: string;
  readonly minDelta: number;
  readonly patience: number;
  readonly baseline: number | null;
  readonly restoreBestWeights: boolean;
  private readonly sign: number;
  private model: CallbackModel | null = null;
  private best = Infinity;
  private wait = 0;
  private bestWeights: Tensor[] | null = null;
  /** The epoch training stopped after, or -1. */
  stoppedEpoch = -1;

  constructor(args: EarlyStoppingArgs = {}) {
    this.monitor = args.monitor ?? 'val_loss';
    this.minDelta = Math.abs(args.minDelta ?? 0);
    this.patience = args.patience ?? 0;
    this.baseline = args.baseline ?? null;
    this.restoreBestWeights = args.restoreBestWeights ?? false;
    const mode = args.mode ?? 'auto';
    const maximize = mode === 'max' || (mode === 'auto' && /acc|precision|recall/.test(this.monitor));
    // Values are compared as sign·value, smaller is better.
    this.sign = maximize ? -1 : 1;
  }

  setModel(model: CallbackModel): void {
    this.model = model;
  }

  onTrainBegin(): void {
    this.wait = 0;
    this.stoppedEpoch = -1;
    this.best = this.baseline === null ? Infinity : this.sign * this.baseline;
    this.releaseBest();
  }

  onEpochEnd(epoch: number, logs: Logs = {}): void {
    const value = logs[this.monitor];
    if (value === undefined) {
      throw new Error(`tensorweb: earlyStopping: no '${this.monitor}' in the epoch logs (have: ${Object.keys(logs).join(', ')})`);
    }
    if (this.sign * value < this.best - this.minDelta) {
      this.best = this.sign * value;
      this.wait = 0;
      if (this.restoreBestWeights) {
        this.releaseBest();
        this.bestWeights = this.model!.getWeights().map((w) => w.clone());
      }
      return;
    }
    if (++this.wait >= this.patience) {
      this.stoppedEpoch = epoch;
      this.model!.stopTraining = true;
    }
  }

  onTrainEnd(): void {
    if (this.bestWeights) {
      this.model!.setWeights(this.bestWeights);
      this.releaseBest();
    }
  }

  private releaseBest(): void {
    if (this.bestWeights) getEngine().dispose(this.bestWeights);
    this.bestWeights = null;
  }
}

export const earlyStopping = (args?: EarlyStoppingArgs) => new EarlyStopping(args);
