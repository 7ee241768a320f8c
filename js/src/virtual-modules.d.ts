// The build inlines every shaders/**/*.wgsl here, keyed by its path under shaders/.
declare module 'tensorweb:shaders' {
  const shaders: Readonly<Record<string, string>>;
  export default shaders;
}
