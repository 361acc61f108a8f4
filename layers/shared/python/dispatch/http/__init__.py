"""The HTTP API's routes and its error mapping (the API function composes them)."""
