"""Babel extractor for ``domain.yml``: response texts and button titles are message ids.

Registered in ``babel.cfg`` so that ``make i18n-extract`` collects them next to the ``N_()``
strings of the Python code.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

import yaml

from bot.constants import LANGUAGE_CALLBACK_PREFIX


def extract_domain(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str | None, str, list[str]]]:
    root = yaml.compose(fileobj.read().decode("utf-8"))
    responses = next((v for k, v in root.value if k.value == "responses"), None)
    if responses is None:
        return
    for name_node, variations in responses.value:
        for variation in variations.value:
            for key, value in variation.value:
                if key.value == "text":
                    yield value.start_mark.line + 1, None, value.value, [name_node.value]
                elif key.value == "buttons":
                    for button in value.value:
                        fields = {k.value: v for k, v in button.value}
                        if fields["payload"].value.startswith(LANGUAGE_CALLBACK_PREFIX):
                            continue
                        title = fields["title"]
                        yield title.start_mark.line + 1, None, title.value, [name_node.value]


def extract_questionnaire(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str | None, str, list[str]]]:
    """Dimension titles, band labels, red-flag texts, questions and their options."""
    root = yaml.compose(fileobj.read().decode("utf-8"))
    for key, section in root.value:
        if key.value in ("dimensions", "red_flags"):
            for name, spec in section.value:
                for field, value in spec.value:
                    if field.value in ("title", "text"):
                        yield value.start_mark.line + 1, None, value.value, [name.value]
        elif key.value == "bands":
            for band in section.value:
                label = dict((k.value, v) for k, v in band.value)["label"]
                yield label.start_mark.line + 1, None, label.value, ["band"]
        elif key.value == "questions":
            for question in section.value:
                fields = {k.value: v for k, v in question.value}
                where = [fields["id"].value]
                yield fields["text"].start_mark.line + 1, None, fields["text"].value, where
                for option in getattr(fields.get("options"), "value", []):
                    text = {k.value: v for k, v in option.value}.get("text")
                    if text is not None:
                        yield text.start_mark.line + 1, None, text.value, where
