"""What the LLM planner asks the model for: one JSON object, its schema, and its typed form.

The schema is derived from ``PlanStep`` (the same steps the offline planner writes), plus the
model's own short statement of what it understood, the intent closest to the request, and a way
to say "this cannot be answered with these tools" instead of inventing a plan. The answer is
parsed by pydantic against the same models, never by looking for patterns in text.
"""

from __future__ import annotations

from typing import Any, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from meta_agent.planning.models import Intent, PlanStep

SCHEMA_NAME = "execution_plan"
NO_REFUSAL = {"", "none", "null", "n/a", "na", "no", "false", "nil", "-"}


class PlanAnswer(BaseModel):
    """The model's answer: what it understood and the steps that answer it (or why none do)."""

    model_config = ConfigDict(extra="forbid")

    understood: str = Field(
        description="one or two sentences: what you understood the request to ask, in your words"
    )
    intent: Intent = Field(description="the kind of question closest to the request")
    goal: str = Field(description="a short title of the result, e.g. 'Retail assets below 1.3x'")
    refusal: str | None = Field(
        default=None,
        description="only when no plan can answer the request with these tools and data: why, "
        "in one sentence; steps is then empty",
    )
    assumptions: list[str] = Field(
        default_factory=list,
        description="each reading you chose where the request was open (a default threshold, a "
        "period, a grouping)",
    )
    steps: list[PlanStep] = Field(default_factory=list)

    @field_validator("refusal")
    @classmethod
    def _no_refusal_in_words(cls, value: str | None) -> str | None:
        """ "none", "null", "n/a", "" or a value without a letter mean no refusal: small models
        write them where the schema asks for null (a refusal of "}," was shown to a user)."""
        if value is None:
            return None
        words = value.strip().strip(".").lower()
        if words in NO_REFUSAL or not any(c.isalpha() for c in words):
            return None
        return value


def _step_schema() -> dict[str, Any]:
    """PlanStep's JSON Schema, inlined (providers differ in how they follow ``$ref``)."""
    schema = PlanStep.model_json_schema()
    properties = {
        name: {k: v for k, v in spec.items() if k != "title"}
        for name, spec in schema["properties"].items()
    }
    properties["arguments"] = {
        "type": "object",
        "description": 'the tool\'s parameters by name; {"$ref": "<earlier step id>"} passes an '
        'earlier result, {"$ref": id, "key": "k"} its entry k',
    }
    properties["tool"]["description"] = "a registered tool's name, or custom_python"
    properties["description"] = {"type": "string", "description": "what the step does"}
    return {
        "type": "object",
        "properties": properties,
        "required": ["id", "tool", "arguments", "description"],
        "additionalProperties": False,
    }


def answer_schema() -> dict[str, Any]:
    """The JSON Schema of PlanAnswer sent to the provider as the response format."""
    fields = PlanAnswer.model_fields
    text = {"type": "string"}
    return {
        "type": "object",
        "properties": {
            "understood": {**text, "description": fields["understood"].description},
            "intent": {"enum": list(get_args(Intent)), "description": fields["intent"].description},
            "goal": {**text, "description": fields["goal"].description},
            "refusal": {
                "anyOf": [text, {"type": "null"}],
                "description": fields["refusal"].description,
            },
            "assumptions": {
                "type": "array",
                "items": text,
                "description": fields["assumptions"].description,
            },
            "steps": {"type": "array", "items": _step_schema()},
        },
        "required": ["understood", "intent", "goal", "refusal", "assumptions", "steps"],
        "additionalProperties": False,
    }


def parse_answer(data: dict[str, Any]) -> tuple[PlanAnswer | None, list[str]]:
    """The typed answer, or None and every way it breaks the schema (one line each)."""
    try:
        return PlanAnswer.model_validate(data), []
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"]) or "the answer"
            problems.append(f"schema: {where}: {error['msg']}")
        return None, problems
