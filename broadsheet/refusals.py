"""How the reader API says no: one JSON shape for every 4xx answer, described once, so
the OpenAPI document names each refusal an endpoint can give and its shape.

broadsheet/api.py renders every refusal in this shape (validation errors, ApiError,
rate limits, django-ninja's own HttpError and 404); each endpoint lists its codes with
`refusals(400, 404, ...)` beside its success response.
"""

from pydantic import Field

from broadsheet.http import Answer


class Refusal(Answer):
    detail: str = Field(description="What was wrong, in a sentence a developer can act on.")
    errors: dict[str, str] = Field(
        description="A message per field (or parameter) at fault; `csrf`, `rate` or `form` "
        "when no single field is; empty when none.",
    )


def refusals(*codes: int) -> dict[int, type[Refusal]]:
    """`{code: Refusal}` for an endpoint's `response=`, beside its success response."""
    return dict.fromkeys(codes, Refusal)
