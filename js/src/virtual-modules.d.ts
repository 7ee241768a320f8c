// The build inlines every shaders/**/*.wgsl here, keyed by its path under shaders/.
declare module 'tensorweb:shaders' {
  const shaders: Readonly<Record<string, string>>;
  export default shaders;
}

// The build takes the package's version from package.json and the model
// format's from converter/model.schema.json.
declare module 'tensorweb:build-info' {
  export const VERSION: string;
  export const FORMAT_VERSION: number;
}
