// The public entry of the tensorweb runtime: `import * as tw from 'tensorweb'`.
export const version = '0.1.0';
export { listShaders, shaderSource, substituteBody } from './shaders.js';
