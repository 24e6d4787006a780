"""The dashboard, `tracker serve`: a JSON API over the database and a few pages for the
people who read the counts without a shell (trends, mentions to search and review,
sources' health).

FastAPI (its OpenAPI schema comes from the code, so schemathesis can test the API
against it), Jinja2 templates (escaped by default) and one small script of our own: no
build step, nothing from a CDN. Datasette remains the tool for browsing the tables; this
adds what it lacks: figures that equal `tracker stats`, and the review loop.
"""

from tracker.web.app import ServeOptions, check_bind, create_app

__all__ = ["ServeOptions", "check_bind", "create_app"]
