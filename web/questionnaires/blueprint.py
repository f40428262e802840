"""The patient's questionnaire page's blueprint, apart from the package that imports the views.

With the CSRF check on POST: the patient's form too, its token bound to the phone by a cookie."""

from __future__ import annotations

from web.layout import page_blueprint

bp = page_blueprint("questionnaires", __name__.rsplit(".", 1)[0])
