"""The journey pages' blueprint, in a module of its own so that the views import it, not their package
(which imports the views to register their routes): no import circle."""

from __future__ import annotations

from web.layout import page_blueprint

bp = page_blueprint("journeys", __name__.rsplit(".", 1)[0], url_prefix="/journeys")
