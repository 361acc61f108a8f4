"""Batch Dispatch domain package, shipped to Lambda as the shared layer.

Capabilities live in sub-packages (ingest, processes, batches, cards, delivery, organisations), each
with its models, its logic and its storage access; handlers in ``functions/`` only parse events and
call into here. Pydantic models derive from :class:`dispatch.models.Model`.
"""
