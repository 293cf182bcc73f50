"""Rasa's logistic-regression intent classifier, stored as plain arrays instead of with skops.

Loading the stock component imports skops, whose list of trusted types imports every module of
scikit-learn: 6.3 s of the Rasa server's 11.6 s start (``python -X importtime``). A fitted
logistic regression is three arrays; numpy reads them back without pickle
(``allow_pickle=False``), so a model file still cannot run code when it is loaded, which is
what skops was there to ensure. Training and prediction are the stock component's own.
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier

ARRAYS = "classifier.npz"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class ArrayLogisticRegressionClassifier(LogisticRegressionClassifier):
    """``LogisticRegressionClassifier`` with the fitted weights kept in a ``.npz`` file."""

    def persist(self) -> None:
        with self._model_storage.write_to(self._resource) as model_dir:
            np.savez(
                model_dir / ARRAYS,
                coef=self.clf.coef_,
                intercept=self.clf.intercept_,
                classes=self.clf.classes_.astype(str),
            )

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> ArrayLogisticRegressionClassifier:
        component = cls(config, execution_context.node_name, model_storage, resource)
        with ExitStack() as stack:
            try:
                model_dir = stack.enter_context(model_storage.read_from(resource))
            except ValueError:
                # As the stock component: nothing stored yet (a graph not trained), start afresh.
                return component
            # Anything else wrong with the file (missing, pickled, damaged) stops the load.
            with np.load(model_dir / ARRAYS, allow_pickle=False) as arrays:
                coef, intercept, classes = arrays["coef"], arrays["intercept"], arrays["classes"]
        # The constructor set the hyper-parameters from the config; these are what ``fit`` adds.
        component.clf.coef_ = coef
        component.clf.intercept_ = intercept
        component.clf.classes_ = classes
        component.clf.n_features_in_ = coef.shape[1]
        return component
