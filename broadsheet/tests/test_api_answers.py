"""Every answer the reader API declares is checked by pydantic's own core (an Answer), not
through django-ninja's Schema, which wraps each value, dicts too, in a getter read field
by field in Python: for a 300-comment thread that was half of the comments page's CPU
(docs/performance.md). A schema added as a ninja Schema would quietly bring it back."""

import typing

from ninja import Schema
from pydantic import BaseModel

from broadsheet.api import api
from broadsheet.http import Answer


def _models(annotation, seen: set) -> set[type[BaseModel]]:
    """The pydantic models in a type (list[X], X | None, ...) and in their fields, each
    once (a comment's replies are comments)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return seen
        seen.add(annotation)
        for field in annotation.model_fields.values():
            _models(field.annotation, seen)
    for argument in typing.get_args(annotation):
        _models(argument, seen)
    return seen


def declared_answers() -> dict[str, set[type[BaseModel]]]:
    found = {}
    for _prefix, router in api._routers:
        for path, view in router.path_operations.items():
            for operation in view.operations:
                for code, model in operation.response_models.items():
                    if model is None:
                        continue
                    shape = model.model_fields["response"].annotation
                    key = f"{'/'.join(operation.methods)} {path} {code}"
                    found[key] = _models(shape, set())
    return found


def test_every_answer_schema_is_checked_by_pydantics_core():
    answers = declared_answers()
    assert "GET /articles/{article_id}/comments 200" in answers  # the walk found the API
    slow = {
        key: sorted(model.__name__ for model in models if not issubclass(model, Answer))
        for key, models in answers.items()
    }
    assert {key: names for key, names in slow.items() if names} == {}
    assert not any(issubclass(m, Schema) for models in answers.values() for m in models)


def test_the_comments_page_answer_reaches_its_nested_replies():
    """The walk above looks inside answers: a thread's replies and authors are Answers."""
    names = {m.__name__ for m in declared_answers()["GET /articles/{article_id}/comments 200"]}
    assert {"CommentPage", "CommentOut", "Author"} <= names
