"""HTTP API and web app (FastAPI): `create_app()`; run with `beltroad serve`."""
from beltroad.api.app import create_app

__all__ = ["create_app"]
