"""Every pydantic model of the package derives from ``dispatch.models.Model`` (issue 18): its
validator is built on first use, not when a function's cold start imports its module."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import sys

from pydantic import BaseModel

import dispatch
from dispatch.models import Model


def models_of_the_package() -> list[type[BaseModel]]:
    for module in pkgutil.walk_packages(dispatch.__path__, "dispatch."):
        importlib.import_module(module.name)
    found = {
        value
        for module in list(sys.modules.values())
        if getattr(module, "__name__", "").startswith("dispatch")
        for value in vars(module).values()
        if inspect.isclass(value)
        and issubclass(value, BaseModel)
        and value.__module__.startswith("dispatch.")
    }
    return sorted(found, key=lambda model: f"{model.__module__}.{model.__qualname__}")


def test_every_model_builds_on_first_use() -> None:
    models = models_of_the_package()
    assert len(models) > 50  # the walk found the package's models
    assert [f"{m.__module__}.{m.__qualname__}" for m in models if not issubclass(m, Model)] == []
    assert all(m.model_config.get("defer_build") for m in models)
