"""docs/openapi.yaml documents every route of the ingest/targets API, with its methods."""

from __future__ import annotations

import re

import pytest
import yaml

from tests.webmap.conftest import DOCS


@pytest.fixture
def db_url(tmp_path):
    """SQLite only: nothing here depends on the back end (the ingest and store tests run on both)."""
    return f"sqlite:///{tmp_path / 'foxhunt.db'}"


def test_every_route_is_documented(app):
    spec = yaml.safe_load((DOCS / "openapi.yaml").read_text())
    documented = {(path, m.upper()) for path, ops in spec["paths"].items() for m in ops
                  if m in ("get", "post", "patch", "delete", "put")}
    ours, everything = set(), set()
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: "{id}" if m.group(1).endswith("_id") else "{%s}" % m.group(1),
                      rule.rule)
        routes = {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
        everything |= routes
        if rule.endpoint.startswith("api.") or rule.endpoint == "web.metrics":   # this blueprints
            ours |= routes
    assert ours - documented == set()            # nothing served undocumented
    assert documented - everything == set()      # nothing documented that is not served
