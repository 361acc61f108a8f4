"""The base of the package's pydantic models.

Every model builds its validator and serializer when first used, not when its module is imported
(pydantic's ``defer_build``): a function imports about a hundred models and an event uses a few,
and each new Lambda environment paid for building all of them before its first event (issue 18).
A model's own ``model_config`` adds to this one (pydantic merges a subclass's config with its
parent's), so ``extra="forbid"`` and the like are written as before.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    model_config = ConfigDict(defer_build=True)
