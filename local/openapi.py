"""The OpenAPI document, generated from the API function's routes (committed as docs/openapi.json)."""

from __future__ import annotations

import importlib.util
from typing import Any

from local.stack import ROOT


def openapi_json() -> str:
    spec = importlib.util.spec_from_file_location("_openapi_api_app", ROOT / "functions/api/app.py")
    if spec is None or spec.loader is None:
        raise ImportError("functions/api/app.py cannot be loaded")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    app: Any = module.app
    return str(
        app.get_openapi_json_schema(
            title="Batch Dispatch API",
            version="0.1.0",
            summary="Bulk sending of personalised card links: processes, batches, approval, delivery.",
        )
    )
