"""The classifier stored as arrays predicts as it did before it was stored, with no pickle and
without importing skops."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.rasa_glue.intent_classifier import ARRAYS, ArrayLogisticRegressionClassifier

EXAMPLES = {
    "greet": ["bonjour", "salut", "hello", "hola", "bonsoir", "hi there"],
    "info_health": ["je suis malade", "un médecin", "i need a doctor", "hospital", "clinique"],
    "info_housing": ["un logement", "où dormir", "a place to live", "vivienda", "une maison"],
}


def featurised(texts: list[str], featurizer: CountVectorsFeaturizer) -> list[Message]:
    messages = [Message.build(text=text) for text in texts]
    WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process(messages)
    featurizer.process(messages)
    return messages


@pytest.fixture
def storage(tmp_path: Path) -> LocalModelStorage:
    (tmp_path / "storage").mkdir()
    return LocalModelStorage(tmp_path / "storage")


@pytest.fixture
def context() -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), node_name="classifier")


@pytest.fixture
def trained(
    storage: LocalModelStorage, context: ExecutionContext
) -> tuple[ArrayLogisticRegressionClassifier, CountVectorsFeaturizer]:
    examples = [
        Message.build(text=text, intent=intent)
        for intent, texts in EXAMPLES.items()
        for text in texts
    ]
    data = TrainingData(examples)
    WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process_training_data(data)
    featurizer = CountVectorsFeaturizer.create(
        {**CountVectorsFeaturizer.get_default_config(), "analyzer": "char_wb", "max_ngram": 4},
        storage,
        Resource("featurizer"),
        context,
    )
    featurizer.train(data)
    featurizer.process_training_data(data)
    classifier = ArrayLogisticRegressionClassifier.create(
        {}, storage, Resource("classifier"), context
    )
    classifier.train(data)
    return classifier, featurizer


def test_a_loaded_classifier_ranks_intents_as_the_trained_one(
    trained: tuple[ArrayLogisticRegressionClassifier, CountVectorsFeaturizer],
    storage: LocalModelStorage,
    context: ExecutionContext,
) -> None:
    classifier, featurizer = trained
    texts = ["bonjour toi", "je cherche un docteur", "où vivre", "xyz"]

    loaded = ArrayLogisticRegressionClassifier.load({}, storage, Resource("classifier"), context)

    before = classifier.process(featurised(texts, featurizer))
    after = loaded.process(featurised(texts, featurizer))
    assert [m.get("intent")["name"] for m in after[:3]] == ["greet", "info_health", "info_housing"]
    for old, new in zip(before, after, strict=True):
        assert [r["name"] for r in new.get("intent_ranking")] == [
            r["name"] for r in old.get("intent_ranking")
        ]
        assert [r["confidence"] for r in new.get("intent_ranking")] == pytest.approx(
            [r["confidence"] for r in old.get("intent_ranking")]
        )


def test_the_stored_weights_hold_no_pickle(
    trained: tuple[ArrayLogisticRegressionClassifier, CountVectorsFeaturizer],
    storage: LocalModelStorage,
) -> None:
    classifier, _ = trained

    with (
        storage.read_from(Resource("classifier")) as model_dir,
        np.load(model_dir / ARRAYS, allow_pickle=False) as arrays,
    ):
        assert sorted(arrays.files) == ["classes", "coef", "intercept"]
        assert list(arrays["classes"]) == sorted(EXAMPLES)
        assert arrays["coef"].shape == classifier.clf.coef_.shape


def test_an_untrained_graph_gets_a_fresh_classifier(
    storage: LocalModelStorage, context: ExecutionContext
) -> None:
    loaded = ArrayLogisticRegressionClassifier.load({}, storage, Resource("missing"), context)

    assert not hasattr(loaded.clf, "coef_")


def test_weights_that_would_need_pickle_are_refused(
    storage: LocalModelStorage, context: ExecutionContext
) -> None:
    with storage.write_to(Resource("tampered")) as model_dir:
        np.savez(model_dir / ARRAYS, coef=np.array([object()]), intercept=[0.0], classes=["a"])

    with pytest.raises(ValueError, match="allow_pickle"):
        ArrayLogisticRegressionClassifier.load({}, storage, Resource("tampered"), context)


def test_loading_does_not_import_skops(
    trained: tuple[ArrayLogisticRegressionClassifier, CountVectorsFeaturizer],
    tmp_path: Path,
) -> None:
    # In a fresh interpreter: this one may have imported skops for another test.
    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from rasa.engine.graph import ExecutionContext, GraphSchema
        from rasa.engine.storage.local_model_storage import LocalModelStorage
        from rasa.engine.storage.resource import Resource
        from bot.rasa_glue.intent_classifier import ArrayLogisticRegressionClassifier

        storage = LocalModelStorage(Path({str(tmp_path / "storage")!r}))
        context = ExecutionContext(GraphSchema({{}}), node_name="classifier")
        resource = Resource("classifier")
        loaded = ArrayLogisticRegressionClassifier.load({{}}, storage, resource, context)
        assert hasattr(loaded.clf, "coef_")
        print(sorted(name for name in sys.modules if name.split(".")[0] == "skops"))
        """
    )

    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == "[]"
