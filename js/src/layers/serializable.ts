// What layers, initializers, regularizers and constraints share for saving.
// The tensorweb-layers format (converter/readers/keras/layers_format.py) follows TF.js's
// layers model.json: layer configs with camelCase keys (TF.js's layer
// arguments), and initializers, regularizers and constraints as
// {className, config}. Keras's own snake_case spellings ({class_name},
// kernel_size...) are accepted when reading.

export interface SerializedObject {
  className: string;
  config: Record<string, unknown>;
}

const toCamelCase = (key: string) => key.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** A config with camelCase keys at every level ({class_name, config} objects become {className, config}). */
export function camelConfig(config: Record<string, unknown>): Record<string, unknown> {
  const convert = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(convert);
    if (!isPlainObject(value)) return value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [toCamelCase(k), convert(v)]));
  };
  return convert(config) as Record<string, unknown>;
}

/** Something with a Keras class name and a config that recreates it. */
export interface Serializable {
  readonly className: string;
  getConfig(): Record<string, unknown>;
}

export function serialize(object: Serializable): SerializedObject {
  return { className: object.className, config: object.getConfig() };
}

/** {className, config} as written by tensorweb, TF.js and the converter, or Keras's {class_name, config}. */
export function asSerialized(value: unknown): SerializedObject | null {
  if (!isPlainObject(value)) return null;
  const className = value.className ?? value.class_name;
  if (typeof className !== 'string') return null;
  return { className, config: camelConfig(isPlainObject(value.config) ? value.config : {}) };
}
