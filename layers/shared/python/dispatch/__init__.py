"""Batch Dispatch domain package, shipped to Lambda as the shared layer.

Capabilities live in sub-packages (ingest, processes, batches, cards, delivery, organisations), each
with its models, its logic and its storage access; handlers in ``functions/`` only parse events and
call into here.

Every pydantic model builds its validator and serializer when first used, not when its module is
imported (pydantic's ``defer_build``, set here once for all of them rather than on each of the
models). A function imports about a hundred models and a request uses a few; each new Lambda
environment paid for building all of them before its first event (issue 18).
"""

from pydantic import BaseModel

BaseModel.model_config["defer_build"] = True
