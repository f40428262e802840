"""People, roles and sign-in: the login pages, who is acting in this request, and the role rules.

Pages use :func:`current_actor` and :func:`requires`; the role table lives in
:mod:`web.auth.permissions` and is shared with the JSON API.
"""

from __future__ import annotations

from web.auth import people as _people  # noqa: E402,F401  (the admin's page of people, on bp)
from web.auth.session import current_actor, requires, sign_in, sign_out, signed_in
from web.auth.views import bp

__all__ = ["bp", "current_actor", "requires", "sign_in", "sign_out", "signed_in"]
