// Layer classes by Keras class name, for loading saved models and for
// wrappers that copy a layer from its config.
import { asSerialized } from './serializable.js';
import type { Layer } from './topology.js';

type LayerClass = { className: string; fromConfig?: (config: Record<string, unknown>) => Layer } & (new (config: never) => Layer);

const classes = new Map<string, LayerClass>();

/** Registers layer classes under their className (and any Keras aliases). */
export function registerLayerClasses(list: LayerClass[], aliases: Record<string, string> = {}): void {
  for (const cls of list) classes.set(cls.className, cls);
  for (const [alias, name] of Object.entries(aliases)) classes.set(alias, classes.get(name)!);
}

export function layerClass(className: string): LayerClass {
  const cls = classes.get(className);
  if (!cls) throw new Error(`tensorweb: unknown layer class '${className}' (known: ${[...classes.keys()].sort().join(', ')})`);
  return cls;
}

/** A new layer from {className, config} or Keras's {class_name, config} (camelCase or snake_case keys). */
export function deserializeLayer(value: unknown, overrides: Record<string, unknown> = {}): Layer {
  const serialized = asSerialized(value);
  if (!serialized) throw new Error(`tensorweb: not a serialized layer: ${JSON.stringify(value)?.slice(0, 200)}`);
  const cls = layerClass(serialized.className);
  const config = { ...normalizeLayerConfig(serialized.config), ...overrides };
  return cls.fromConfig ? cls.fromConfig(config) : new cls(config as never);
}

/** Keras 3's config spellings mapped to the ones the constructors take. */
function normalizeLayerConfig(config: Record<string, unknown>): Record<string, unknown> {
  const out = { ...config };
  // Keras 3: dtype is a DTypePolicy object; batch_shape replaces batch_input_shape.
  if (out.dtype !== null && typeof out.dtype === 'object') {
    const policy = out.dtype as { config?: { name?: string } };
    out.dtype = policy.config?.name ?? 'float32';
  }
  if (out.dtype === 'mixed_float16' || out.dtype === 'mixed_bfloat16' || out.dtype === undefined || out.dtype === null) delete out.dtype;
  if (out.batchShape !== undefined && out.batchInputShape === undefined) out.batchInputShape = out.batchShape;
  delete out.batchShape;
  return out;
}
