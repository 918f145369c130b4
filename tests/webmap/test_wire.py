"""The server's wire reader agrees with the published JSON Schema, and names the bad field."""

from __future__ import annotations

import copy
import json
import random

import jsonschema
import pytest

from tests.webmap.conftest import DOCS, doc_example
from webmap.errors import BatchTooLarge, WireFormatError
from webmap.wire import Rejected, WireObservation, parse_body, read_batch, read_observation, utc_seconds

SCHEMA = json.loads((DOCS / "wire" / "observations-v1.schema.json").read_text())
OBS_VALIDATOR = jsonschema.Draft202012Validator({"$defs": SCHEMA["$defs"], "$ref": "#/$defs/observation"})

# Values that probe types, ranges and nulls; applied to every leaf of every example observation.
PROBES = [None, True, False, 0, -1, 1.5, 1e7, 7e9, -91, 361, "", "x", "460", "0A", "ABCD", "abcd",
          "2026-11-28T19:04:05Z", "2026-11-28 19:04:05", [], [1], {}, {"ncc": 1, "bcc": 2}, "A" * 70]


def _leaves(obj, path=()):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _leaves(v, path + (k,))
    elif isinstance(obj, list) and obj:
        yield from _leaves(obj[0], path + (0,))
    yield path


def _set(obj, path, value):
    for p in path[:-1]:
        obj = obj[p]
    obj[path[-1]] = value


def _drop(obj, path):
    for p in path[:-1]:
        obj = obj[p]
    del obj[path[-1]]


def _mutations():
    rng = random.Random(8)
    for o in doc_example()["observations"]:
        for path in _leaves(o):
            if not path:
                continue
            for value in rng.sample(PROBES, 6):
                m = copy.deepcopy(o)
                _set(m, path, value)
                yield m
            if not isinstance(path[-1], int):
                m = copy.deepcopy(o)
                _drop(m, path)
                yield m
        for extra in ("extra", "payload_extra"):
            m = copy.deepcopy(o)
            (m if extra == "extra" else m["payload"])["zz_new"] = 1
            yield m


def test_every_documented_observation_is_accepted():
    for i, o in enumerate(doc_example()["observations"]):
        got = read_observation(o, f"observations[{i}]")
        assert isinstance(got, WireObservation) and got.id == o["id"] and got.raw is o


@pytest.mark.parametrize("kind", ["gsm_cell", "fm_station", "power", "health", "position"])
def test_reader_accepts_exactly_what_the_schema_accepts(kind):
    """Differential: hundreds of one-field mutations of the documented example, judged by both."""
    n = 0
    for m in _mutations():
        schema_ok = OBS_VALIDATOR.is_valid(m)
        try:
            read_observation(m, "o")
            ours = True
        except WireFormatError:
            ours = False
        if m.get("kind") == kind:
            n += 1
            assert ours == schema_ok, f"disagree on {json.dumps(m)[:400]}: schema {schema_ok}, server {ours}"
    assert n > 20


@pytest.mark.parametrize("mutate, field", [
    (lambda o: o["payload"].update(freq_hz="947.4"), "observations[0].payload.freq_hz"),
    (lambda o: o["payload"].update(mcc=460), "observations[0].payload.mcc"),
    (lambda o: o["position"].update(lat=91), "observations[0].position.lat"),
    (lambda o: o["hop"].pop("dwell_s"), "observations[0].hop.dwell_s"),
    (lambda o: o.update(id="6F1C2A9E-3B7D-4F1E-9C55-0D2B8F7A4E11"), "observations[0].id"),
    (lambda o: o.update(time="2026-11-28T19:04:05+08:00"), "observations[0].time"),
    (lambda o: o["payload"].update(bsic={"ncc": 8, "bcc": 0}), "observations[0].payload.bsic.ncc"),
    (lambda o: o["payload"].update(arfcn=True), "observations[0].payload.arfcn"),
])
def test_rejection_names_the_field(mutate, field):
    b = doc_example()
    mutate(b["observations"][0])
    item = read_batch(b).items[0]
    assert isinstance(item, Rejected)
    assert item.error.startswith(field + ":"), item.error
    assert all(isinstance(i, WireObservation) for i in read_batch(b).items[1:])


@pytest.mark.parametrize("mutate, field", [
    (lambda b: b.update(version=2), "version"),
    (lambda b: b.update(version=True), "version"),
    (lambda b: b.update(node_id="bad id"), "node_id"),
    (lambda b: b.update(sent_at=1764356647), "sent_at"),
    (lambda b: b.update(observations=[]), "observations"),
    (lambda b: b.update(observations={}), "observations"),
    (lambda b: b.pop("sent_at"), "sent_at"),
    (lambda b: b.update(extra=1), "extra"),
])
def test_envelope_errors_name_the_field(mutate, field):
    b = doc_example()
    mutate(b)
    with pytest.raises(WireFormatError, match=f"^{field}:"):
        read_batch(b)


def test_over_500_observations_is_too_large():
    b = doc_example()
    b["observations"] = b["observations"][:1] * 501
    with pytest.raises(BatchTooLarge):
        read_batch(b)


@pytest.mark.parametrize("body", [b"{", b"[1,", b"\xff\xfe", b'{"a": NaN}', b'{"a": Infinity}', b"[" * 100000,
                                  b'{"a": "\\ud800"}', b'{"a": 1e999999}'])
def test_bad_json_is_a_wire_error(body):
    with pytest.raises(WireFormatError, match="^body:"):
        parse_body(body)


def test_times():
    assert utc_seconds("1970-01-01T00:00:01.5Z", "t") == 1.5
    assert utc_seconds("2026-11-28T19:04:05Z", "t") == 1795892645.0
    for bad in ("2026-13-01T00:00:00Z", "2026-11-28T24:00:00Z", "2026-11-28T19:04:05.1234567Z"):
        with pytest.raises(WireFormatError):
            utc_seconds(bad, "t")
