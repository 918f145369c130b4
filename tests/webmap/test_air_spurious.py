"""fm.aviation_spurious at the central station: aeronautical-band emissions the nodes sent (wire
``spurious``) weighed with an FM station's decode, through ingest, the store and the worker's
verdict; whom an intermodulation product is held against (dsp.verdict.culprit)."""

from __future__ import annotations

import json
import math
import re
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from dsp.verdict import VerdictContext
from dsp.verdict.culprit import held_against
from dsp.verdict.geo import distance_m, path_loss_db
from dsp.verdict.registers import parse_fm_register
from dsp.verdict.rules.fm_unlicensed_carrier import RULE as UNLICENSED
from webmap import registers
from webmap.schema import targets
from webmap.verdicts import SPURIOUS_S, spurious_of
from webmap.wire import read_observation

DOCS = Path(__file__).resolve().parents[2] / "docs"
#: The demo city's carriers: Metro Traffic and the campus station licensed, the pirate not.
FM = ("freq_hz,pi,ps,name,lat,lon,erp_w,licence_id\n"
      "87900000,C201,TRAFFIC,Metro Traffic,31.2397,121.4998,9661,SH-FM-0879\n"
      "105700000,,,Campus Radio,31.2002,121.4352,6,SH-FM-1057\n")
NODE = {"lat": 31.1949, "lon": 121.4392, "alt_m": 60.0, "speed_m_s": 0.0, "heading_deg": None,
        "fix": "surveyed", "source": "config"}
T0 = 1_790_000_000.0
PIRATE, CAMPUS, METRO = 95.35e6, 105.7e6, 87.9e6
IMD = {"freq_hz": 113.1502e6, "power_dbfs": -62.0, "related_to_hz": PIRATE, "mechanism": "f1+f2-f3",
       "sources_hz": [PIRATE, CAMPUS, METRO], "correlation": None, "am_depth": 0.3, "snr_db": 25.0}


def _utc(t: float) -> str:
    from datetime import datetime, timezone
    return datetime.fromtimestamp(t, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _obs(kind: str, t: float, payload: dict, center: float) -> dict:
    return {"id": str(uuid.uuid4()), "kind": kind, "time": _utc(t), "position": NODE,
            "hop": {"center_freq_hz": center, "sample_rate_hz": 2.4e6, "gain_db": 30.0, "dwell_s": 1.0,
                    "band": "air" if center > 108e6 else "fm"},
            "payload": payload}


def _station(freq: float) -> dict:
    return {"freq_hz": freq, "power_dbfs": -40.0, "snr_db": 30.0, "rds": None}


def _post(client, auth, observations: list[dict]) -> None:
    r = client.post("/api/v1/observations", headers=auth, json={
        "version": 1, "node_id": "xuhui-01", "sent_at": _utc(T0 + 60), "observations": observations})
    assert r.status_code in (200, 201) and r.json["rejected"] == 0, r.json


def _fm_hops(t: float = T0) -> list[dict]:
    return [_obs("fm_station", t, _station(f), f - 0.4e6) for f in (METRO, PIRATE, CAMPUS)]


def _spur(t: float, **over) -> dict:
    return _obs("spurious", t, {**IMD, **over}, 113.0e6)


def _verdicts(station) -> dict:
    station.relocator.run_once(settle=False)
    with station.store.read() as conn:
        return {r.key: json.loads(r.verdict) for r in conn.execute(select(targets)) if r.verdict}


def _aviation(verdict: dict) -> str | None:
    return next((r["text"] for r in verdict["reasons"] if r["rule"] == "fm.aviation_spurious"), None)


def _abstained(verdict: dict) -> str | None:
    return next((a["why"] for a in verdict["abstained"] if a["rule"] == "fm.aviation_spurious"), None)


@pytest.fixture
def licensed(station):
    registers.load(station.store, "fm", FM, "fm.csv")


def test_an_imd_product_is_held_against_the_pirate_among_its_sources(client, station, auth, licensed):
    _post(client, auth, _fm_hops() + [_spur(T0 + 5), _spur(T0 + 35, freq_hz=113.1497e6, power_dbfs=-58.0)])
    v = _verdicts(station)
    said = ("station 95.35 MHz puts spurious emissions into the aviation band at 113.150 MHz = 95.350 + 105.700 "
            "− 87.900 MHz (third-order intermodulation, ITU-R SM.1009 type A1)")
    assert _aviation(v["fm:fm-95.350"]) == said       # one emission, sighted twice: named once
    for key in ("fm:fm-105.7", "fm:fm-87.9"):      # licensed sources of the same product: not blamed
        assert _aviation(v[key]) is None and _abstained(v[key]) is None, v[key]
    assert v["fm:fm-95.350"]["class"] == "rogue" and "air:air-113.150" not in v   # an air target has no verdict


def test_the_station_names_the_pirate_even_when_the_node_named_a_licensed_source(client, station, auth, licensed):
    # of f1+f2−f3 the node names f1 (the first source); were it Campus Radio, the pirate still answers for it
    _post(client, auth, _fm_hops() + [_spur(T0 + 5, related_to_hz=CAMPUS, sources_hz=[CAMPUS, PIRATE, METRO])])
    v = _verdicts(station)
    assert "113.150 MHz = 105.700 + 95.350 − 87.900 MHz" in _aviation(v["fm:fm-95.350"])
    assert _aviation(v["fm:fm-105.7"]) is None


def test_a_product_of_licensed_carriers_alone_blames_no_one(client, station, auth, licensed):
    _post(client, auth, _fm_hops() + [_spur(T0 + 5, freq_hz=123.5e6, related_to_hz=CAMPUS, mechanism="2f1-f2",
                                            sources_hz=[CAMPUS, METRO])])
    v = _verdicts(station)
    assert all(_aviation(x) is None and _abstained(x) is None for x in v.values()), v


def test_am_audio_names_a_licensed_station_too(client, station, auth, licensed):
    _post(client, auth, _fm_hops() + [_spur(T0 + 5, freq_hz=121.4e6, related_to_hz=CAMPUS, mechanism="am-audio",
                                            sources_hz=[CAMPUS], correlation=0.8)])
    v = _verdicts(station)
    assert "121.400 MHz carries the audio of 105.700 MHz (amplitude modulation, AM correlation 0.80" in \
        _aviation(v["fm:fm-105.7"])
    assert _aviation(v["fm:fm-95.350"]) is None


def test_of_one_emissions_sightings_the_one_traced_by_its_audio_stands_for_it(client, station, auth, licensed):
    # one node relates it by frequency alone (louder), another hears Campus Radio's audio on it
    audio = dict(related_to_hz=CAMPUS, mechanism="am-audio", sources_hz=[CAMPUS], correlation=0.8, power_dbfs=-70.0)
    _post(client, auth, _fm_hops() + [_spur(T0 + 5, power_dbfs=-50.0), _spur(T0 + 6, freq_hz=113.1508e6, **audio)])
    v = _verdicts(station)
    assert "carries the audio of 105.700 MHz" in _aviation(v["fm:fm-105.7"])
    assert _aviation(v["fm:fm-95.350"]) is None


def test_without_an_air_band_scan_the_rule_abstains(client, station, auth, licensed):
    _post(client, auth, _fm_hops())
    v = _verdicts(station)
    assert _abstained(v["fm:fm-95.350"]) == "the aviation band (108–137 MHz) was not searched"


def test_an_air_band_scan_that_found_nothing_attributable_is_a_search(client, station, auth, licensed):
    floor = {"freq_hz": 113.15e6, "power_dbm": -120.0, "target": "air-113.150", "floor": True}
    _post(client, auth, _fm_hops() + [_obs("power", T0 + 5, floor, 113.0e6)])
    v = _verdicts(station)
    assert _abstained(v["fm:fm-95.350"]) is None and _aviation(v["fm:fm-95.350"]) is None


def test_an_emission_arriving_after_the_stations_decode_is_weighed_without_a_new_decode(client, station, auth,
                                                                                     licensed):
    _post(client, auth, _fm_hops())
    before = _verdicts(station)["fm:fm-95.350"]
    assert _aviation(before) is None
    _post(client, auth, [_spur(T0 + 30)])      # the air hop's batch, after the FM hops were judged
    with station.store.read() as conn:
        dirty = {r.key for r in conn.execute(select(targets).where(targets.c.dirty_since.is_not(None)))}
    assert {"fm:fm-95.350", "fm:fm-105.7", "fm:fm-87.9"} <= dirty     # its source frequencies
    v = _verdicts(station)
    assert "113.150 MHz = 95.350" in _aviation(v["fm:fm-95.350"]) and v["fm:fm-95.350"]["score"] > before["score"]
    assert _aviation(v["fm:fm-87.9"]) is None


def test_emissions_outside_the_window_do_not_count(client, station, auth, licensed):
    _post(client, auth, _fm_hops(T0 + 2 * SPURIOUS_S) + [_spur(T0)])
    v = _verdicts(station)
    assert _aviation(v["fm:fm-95.350"]) is None and _abstained(v["fm:fm-95.350"]) is not None


def test_held_against_without_a_register_blames_only_on_audio():
    assert held_against(spurious_of(IMD), VerdictContext()) == ()
    audio = spurious_of({**IMD, "mechanism": "am-audio", "sources_hz": [PIRATE], "correlation": 0.9})
    assert held_against(audio, VerdictContext()) == (PIRATE,)
    reg = parse_fm_register(FM)
    here = VerdictContext(fm_register=reg, node=(NODE["lat"], NODE["lon"]))
    assert held_against(spurious_of(IMD), here) == (PIRATE,)
    assert held_against(spurious_of({**IMD, "related_to_hz": None}), VerdictContext(fm_register=reg)) == ()
    # 11 km north, beyond Campus Radio's (6 W) service area: a carrier there on 105.7 MHz is no licensee's
    far = VerdictContext(fm_register=reg, node=(31.30, 121.44))
    assert held_against(spurious_of(IMD), far) == (PIRATE, CAMPUS)


def test_a_licensee_heard_beyond_its_area_is_not_blamed_for_a_product():
    """Where the carrier on a source's channel has the level its distant licence predicts, it is that
    licensee (fm.unlicensed_carrier stays quiet on it): a frequency coincidence blames only the pirate."""
    reg = parse_fm_register(FM + "100000000,C202,CITY,City FM,31.3100,121.4500,1000,SH-FM-1000\n")
    node = (31.30, 121.44)          # beyond Campus Radio's 6 W service area, as above

    def heard(freq: float, offset_db: float = 0.0) -> SimpleNamespace:
        # received as its licence predicts (exponent 3) through a receiver 100 dB down, plus offset_db
        lic = reg.on_channel(freq, 25e3)[0]
        level = 10 * math.log10(lic.erp_w * 1e3) - path_loss_db(distance_m(*node, lic.lat, lic.lon), freq, 3.0)
        return SimpleNamespace(freq_hz=freq, power_dbfs=level - 100.0 + offset_db, rds=None, snr_db=40.0)

    peers = (heard(METRO), heard(100e6))
    ctx = VerdictContext(fm_register=reg, node=node, stations=(heard(CAMPUS),) + peers)
    assert UNLICENSED.evaluate(ctx.stations[0], ctx) is None
    assert held_against(spurious_of(IMD), ctx) == (PIRATE,)
    # 30 dB louder than Campus Radio can be there: another transmitter on its channel, blamed with the pirate
    ctx = VerdictContext(fm_register=reg, node=node, stations=(heard(CAMPUS, 30.0),) + peers)
    assert UNLICENSED.evaluate(ctx.stations[0], ctx) is not None
    assert held_against(spurious_of(IMD), ctx) == (PIRATE, CAMPUS)


def test_the_documented_spurious_observation_is_read_by_the_station():
    text = (DOCS / "wire-format.md").read_text()
    example = json.loads(re.search(r"```json\n(\{\n  \"id\"[^`]*?\"kind\": \"spurious\".*?)```", text, re.S).group(1))
    o = read_observation(example, "observations[0]")
    assert o.kind == "spurious" and o.payload["correlation"] == 0.82
    with pytest.raises(Exception, match=r"sources_hz"):
        read_observation({**example, "payload": {**example["payload"], "sources_hz": ["x"]}}, "observations[0]")
