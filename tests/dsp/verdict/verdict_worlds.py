"""A small licensed neighbourhood around one node, GSM and FM, and its registers — the licensed
twin every rule test starts from. Rule tests change one thing and expect exactly that rule to fire."""

from __future__ import annotations

import dataclasses
import math
import datetime as dt
from pathlib import Path

from dsp.fm.rds_station import RdsResult
from dsp.fm.station import FmStation
from dsp.gsm.cell import Bsic, GsmCell
from dsp.verdict import VerdictContext, parse_allocations, parse_cell_register, parse_fm_register
from dsp.verdict.geo import distance_m, path_loss_db

REPO = Path(__file__).resolve().parents[3]
NODE = (31.2300, 121.4700)
#: The node's unknown receive gain: dBFS = dBm + GAIN_DB. Levels below follow the rules' own model.
GAIN_DB = -95.0


CELL_REGISTER = """operator,mcc,mnc,lac,cell_id,arfcn,bsic,lat,lon,azimuth,power_dbm
China Mobile,460,00,4361,20821,62,29,31.2350,121.4750,,43
China Mobile,460,00,4361,20822,70,30,31.2250,121.4650,,43
China Mobile,460,00,4361,20823,80,31,31.2400,121.4600,,43
China Mobile,460,00,4361,20824,90,12,31.2200,121.4800,,43
China Unicom,460,01,9000,100,110,5,31.2310,121.4710,,40
China Unicom,460,01,9000,101,115,6,31.2150,121.4900,,40
China Unicom,460,01,9000,102,120,7,31.2450,121.4550,,40
"""

FM_REGISTER = """freq_hz,pi,ps,name,lat,lon,erp_w,licence_id,service_radius_m
98700000,13A1,CNR 1,China National Radio 1,31.3200,121.4700,10000,GD-001,60000
101700000,13A2,SHRADIO,Shanghai Radio,31.2000,121.5500,10000,GD-002,60000
103700000,13A3,MUSIC,Music Radio,31.1500,121.4000,5000,GD-003,50000
106100000,13A4,TRAFFIC,Traffic Radio,31.3000,121.5800,3000,GD-004,40000
105700000,2222,FARAWAY,Distant Station,35.0000,117.0000,10000,GD-404,60000
"""


def allocations():
    return parse_allocations((REPO / "recordings" / "allocations_gsm.csv").read_text(), "allocations_gsm.csv")


def received_dbfs(eirp_dbm: float, site: tuple[float, float], freq_hz: float) -> float:
    return eirp_dbm - path_loss_db(distance_m(*NODE, *site), freq_hz) + GAIN_DB


def gsm_cell(arfcn: int, bsic: int | None, mcc, mnc, lac, cell_id, neighbours, **changes) -> GsmCell:
    """A cell as ``decode gsm`` gives it, with a licensed network's usual settings unless changed."""
    base = dict(arfcn=arfcn, freq_hz=935e6 + 0.2e6 * arfcn, bsic=None if bsic is None else Bsic(bsic // 8, bsic % 8),
                mcc=mcc, mnc=mnc, lac=lac, cell_id=cell_id, neighbours=tuple(neighbours), cro_db=4,
                temporary_offset_db=0, penalty_time_s=20, t3212_decihours=10, cell_barred=False,
                rxlev_access_min=5, si_types=("SI1", "SI2", "SI3", "SI4", "SI13"), power_dbfs=-40.0, snr_db=25.0,
                freq_offset_hz=120.0, blocks_ok=60, blocks_bad=2, crh_db=4, gprs=True, paging_count=25,
                paging_identities=30, first_seen_s=0.0, last_seen_s=12.0)
    base.update(changes)
    return GsmCell(**base)


def _licensed_cells(register) -> list[GsmCell]:
    cells = []
    for i, e in enumerate(register.cells):
        same_op = tuple(o.arfcn for o in register.cells if o.mnc == e.mnc and o is not e)
        freq = 935e6 + 0.2e6 * e.arfcn
        cells.append(gsm_cell(e.arfcn, e.bsic, e.mcc, e.mnc, e.lac, e.cell_id, same_op + (5, 11),
                              power_dbfs=received_dbfs(e.power_dbm, (e.lat, e.lon), freq)
                              + (-1.5, 0.5, 1.0, -0.5, 0.8, -1.0, 0.2)[i],
                              freq_offset_hz=120.0 + (-15, 10, 5, -5, 20, 0, -10)[i]))
    return cells


def gsm_world(target_changes: dict | None = None, extra_cells=(), **ctx_changes):
    """(target, ctx): the target is the licensed cell 460-00 LAC 4361 CI 20824 on ARFCN 90, changed as asked."""
    register = parse_cell_register(CELL_REGISTER, "licensed-cells.csv")
    cells = _licensed_cells(register)
    target = dataclasses.replace(cells[3], **(target_changes or {}))
    cells[3] = target
    ctx = dict(cell_register=register, allocations=allocations(), country_mcc="460", node=NODE,
               cells=tuple(cells) + tuple(extra_cells), observed_s=12.0)
    ctx.update(ctx_changes)
    return target, VerdictContext(**ctx)


def rds(pi: str, ps: str | None, ps_seen=()) -> RdsResult:
    return RdsResult(pi=pi, ps=ps, rt=None, pty=1, tp=False, ta=False, ms=True, di=1, af=(), ct=None, ecc=None,
                     groups_ok=200, groups_total=210, blocks_total=840, block_error_rate=0.02,
                     ps_seen=tuple(ps_seen) or ((ps, 50),) if ps else ())


def station(freq_hz: float, power_dbfs: float, rds_result, **changes) -> FmStation:
    base = dict(freq_hz=freq_hz, power_dbfs=power_dbfs, snr_db=35.0, occupied_bw_hz=190e3,
                peak_deviation_hz=72e3, stereo=True, rds=rds_result, channel_hz=round(freq_hz / 1e5) * 1e5,
                freq_offset_hz=freq_hz - round(freq_hz / 1e5) * 1e5, occupied_bw_xdb_hz=210e3,
                deviation_p999_hz=70e3, over_75k_fraction=0.0005, mpx_power_dbr=0.5, pilot_level_hz=6.8e3,
                pilot_freq_error_hz=0.4, loop_period_s=None, loop_confidence=0.1)
    base.update(changes)
    return FmStation(**base)


def _licensed_stations(register) -> list[FmStation]:
    out = []
    for lic, jitter, err in zip(register.licences[:4], (-1.0, 1.5, 0.5, 1.0), (0.4, 0.6, 0.3, 0.5)):
        offset = 300.0 + 100 * jitter  # the node's own tuning error, shared by all
        out.append(station(lic.freq_hz + offset, received_dbfs(10 * math.log10(lic.erp_w * 1e3),
                                                               (lic.lat, lic.lon), lic.freq_hz) + jitter,
                           rds(lic.pi, lic.ps), pilot_freq_error_hz=err))
    return out


def fm_world(target_changes: dict | None = None, **ctx_changes):
    """(target, ctx): the target is the licensed 98.7 MHz station, changed as asked."""
    register = parse_fm_register(FM_REGISTER, "fm-licences.csv")
    stations = _licensed_stations(register)
    target = dataclasses.replace(stations[0], **(target_changes or {}))
    stations[0] = target
    ctx = dict(fm_register=register, node=NODE, stations=tuple(stations), spurious_searched=True)
    ctx.update(ctx_changes)
    return target, VerdictContext(**ctx)


NOW = dt.datetime(2026, 11, 28, 12, tzinfo=dt.timezone.utc).timestamp()
