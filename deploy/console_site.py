"""What the console's hosting serves besides the bundle, in one place for both hosts: the
``config.json`` the console reads at start-up, and the cache rule per file. ``make deploy`` writes
them to the console bucket (deploy.publish_console); the local stack serves them (local.console).
"""

from __future__ import annotations

from typing import Any

# Hashed, immutable files (Vite names them after their content) vs. the files that name them.
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


def cache_control(path: str) -> str:
    """``assets/…`` never change under their name; index.html and config.json must be fresh."""
    return IMMUTABLE if path.lstrip("/").startswith("assets/") else REVALIDATE


def development_config(api_url: str) -> dict[str, Any]:
    """The local stack's console: the local API and the development sign-in."""
    return {"apiUrl": api_url.rstrip("/"), "auth": {"mode": "dev"}}


def cognito_config(
    api_url: str, region: str, user_pool_id: str, client_id: str, hosted_ui: str
) -> dict[str, Any]:
    """A deployed console: the stage's API and Cognito's hosted UI (code flow + PKCE)."""
    return {
        "apiUrl": api_url.rstrip("/"),
        "auth": {
            "mode": "cognito",
            "authority": f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}",
            "clientId": client_id,
            "domain": hosted_ui.rstrip("/"),
        },
    }
