"""The base of the models the API answers with.

Powertools serializes an answer whole — every field, defaults and nulls included — so the OpenAPI
document (generated in serialization mode for answers) lists every field of such a model as
required: a client generated from it, like the console's, can rely on each field being there
(a nullable field is required and nullable). Request bodies are untouched: in validation mode a
field with a default stays optional, and a model used both ways appears twice in the document
(``…-Input``, ``…-Output``).
"""

from __future__ import annotations

from pydantic import ConfigDict

from dispatch.models import Model


class View(Model):
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)
