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


def test_one_answer_for_a_batch_over_500_observations():
    """The wire format and the OpenAPI file give a too-large batch the same status the server sends
    (test_security checks the server's 413)."""
    md = (DOCS / "wire-format.md").read_text().split("### Responses", 1)[1].split("\n\n", 2)[1]
    rows = dict(re.findall(r"^\| ([^|]+?) \| ([^|]+?) \|", md, re.M))
    spec = yaml.safe_load((DOCS / "openapi.yaml").read_text())
    ingest = spec["paths"]["/api/v1/observations"]["post"]["responses"]
    for statuses in ({s for s, text in rows.items() if "over 500 observations" in text},
                     {s for s, r in ingest.items() if "over 500 observations" in r.get("description", "")}):
        assert statuses == {"413"}
    assert "413" in rows["400"] and "413" in ingest["400"]["description"]
