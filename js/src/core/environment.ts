// tw.env(): TF.js's environment flags. A flag is registered with a function
// that computes its default from the environment (evaluated on first read);
// `set` overrides it. Only flags that describe the environment or that
// tensorweb honours are registered, so reading any other name throws, as
// TF.js does for a flag nobody registered.

export type FlagValue = number | boolean | string;

class Environment {
  private readonly evaluators = new Map<string, () => FlagValue>();
  private readonly flags = new Map<string, FlagValue>();

  /** 'browser' or 'node'. */
  get platformName(): string {
    return this.getBool('IS_BROWSER') ? 'browser' : 'node';
  }

  /** The flags read or set so far, by name (TF.js's `features`). */
  get features(): Record<string, FlagValue> {
    return Object.fromEntries(this.flags);
  }

  registerFlag(name: string, evaluate: () => FlagValue): void {
    if (this.evaluators.has(name)) console.warn(`tensorweb: env: flag ${name} is registered again; the new default replaces the old`);
    this.evaluators.set(name, evaluate);
  }

  get(name: string): FlagValue {
    if (this.flags.has(name)) return this.flags.get(name)!;
    const evaluate = this.evaluators.get(name);
    if (!evaluate) throw new Error(`Cannot evaluate flag '${name}': no evaluation function found.`);
    const value = evaluate();
    this.flags.set(name, value);
    return value;
  }

  getBool(name: string): boolean {
    return this.get(name) as boolean;
  }

  getNumber(name: string): number {
    return this.get(name) as number;
  }

  getString(name: string): string {
    return this.get(name) as string;
  }

  async getAsync(name: string): Promise<FlagValue> {
    return this.get(name);
  }

  /** Every flag read or set so far. */
  getFlags(): Record<string, FlagValue> {
    return this.features;
  }

  set(name: string, value: FlagValue): void {
    if (!this.evaluators.has(name)) throw new Error(`Cannot set flag ${name} as it has not been registered.`);
    this.flags.set(name, value);
  }

  setFlags(flags: Record<string, FlagValue>): void {
    for (const [name, value] of Object.entries(flags)) this.set(name, value);
  }

  /** Forgets what was read or set: flags take their defaults again. */
  reset(): void {
    this.flags.clear();
  }
}

const ENV = new Environment();

const hasNavigator = () => typeof navigator !== 'undefined' && navigator !== null && typeof navigator.userAgent === 'string';

ENV.registerFlag('IS_BROWSER', () => typeof window !== 'undefined' || 'WorkerGlobalScope' in globalThis);
ENV.registerFlag('IS_NODE', () => typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string');
// TF.js's tests: Chrome's user agent (headless too) and vendor; Safari's without Chrome's.
ENV.registerFlag('IS_CHROME', () => hasNavigator() && /Chrome/.test(navigator.userAgent) && /Google Inc/.test(navigator.vendor));
ENV.registerFlag('IS_SAFARI', () => hasNavigator() && /Safari/.test(navigator.userAgent) && /Apple/.test(navigator.vendor));
// tf.browser.fromPixelsAsync: make an ImageBitmap of the image first (ops/browser.ts).
ENV.registerFlag('WRAP_TO_IMAGEBITMAP', () => false);

/** tw.env(): the environment's flags. */
export function env(): Environment {
  return ENV;
}

export type { Environment };
