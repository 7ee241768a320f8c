// tw.text: text preprocessing for converted language models.
export { WordPieceTokenizer, type WordPieceConfig, type ModelInputs, type PaddingOptions } from './wordpiece.js';
