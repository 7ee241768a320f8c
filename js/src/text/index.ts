// tw.text: text preprocessing and generation for converted language models.
export { WordPieceTokenizer, type WordPieceConfig, type ModelInputs, type PaddingOptions } from './wordpiece.js';
export { BPETokenizer, type TokenizerJson } from './bpe.js';
export { generate, type GenerateOptions, type GeneratedToken, type TextTokenizer } from './generate.js';
