// The build inlines every shaders/**/*.wgsl here, keyed by its path under shaders/.
declare module 'tensorweb:shaders' {
  const shaders: Readonly<Record<string, string>>;
  export default shaders;
}

// The build takes the model format's version from converter/model.schema.json.
declare module 'tensorweb:model-format' {
  export const FORMAT_VERSION: number;
}
