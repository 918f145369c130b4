"""GPS: NMEA RMC/GGA, gpsd JSON over a loopback socket, GPX/CSV tracks."""

from __future__ import annotations

import json
import socket
import threading
import time
from calendar import timegm

import pytest

from sensors.gps import GpsdClient, GpsError, NmeaReader, NmeaTracker, Track, haversine_m, nmea_checksum_ok

# The textbook pair (NMEA 0183 examples widely reproduced, e.g. gpsinformation.org): 12:35:19 UTC
# on 23 March 1994 at 48°07.038' N 11°31.000' E.
RMC = "$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A"
GGA = "$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47"


def test_nmea_checksums():
    assert nmea_checksum_ok(RMC) and nmea_checksum_ok(GGA)
    assert not nmea_checksum_ok(RMC.replace("4807", "4808"))


def test_rmc_then_gga_merge_into_one_fix():
    tr = NmeaTracker()
    p = tr.feed(RMC)
    assert p.lat == pytest.approx(48 + 7.038 / 60) and p.lon == pytest.approx(11 + 31 / 60)
    assert p.speed_m_s == pytest.approx(22.4 * 1852 / 3600) and p.heading_deg == 84.4
    assert p.fix_time == timegm((1994, 3, 23, 12, 35, 19))
    p = tr.feed(GGA)
    assert (p.fix, p.satellites, p.hdop) == ("3d", 8, 0.9)
    assert p.alt_m == pytest.approx(545.4 + 46.9)
    assert p.speed_m_s == pytest.approx(11.52, abs=0.01)  # RMC of the same second kept


def test_void_and_corrupt_sentences_give_no_fix():
    tr = NmeaTracker()
    assert tr.feed("$GPRMC,123519,V,,,,,,,230394,,*00") is None
    assert tr.feed(GGA[:-2] + "00") is None
    assert tr.latest is None


def test_nmea_reader_from_a_file(tmp_path):
    f = tmp_path / "gps.nmea"
    f.write_text(RMC + "\r\n" + GGA + "\r\n")
    r = NmeaReader(f).start()
    deadline = time.time() + 2
    while r.latest is None and time.time() < deadline:
        time.sleep(0.01)
    r.close()
    assert r.latest.satellites == 8
    assert r.position(time.time()) is not None and r.position(time.time() + 60) is None


def test_gpsd_client_on_loopback():
    srv = socket.create_server(("127.0.0.1", 0))
    port = srv.getsockname()[1]
    got = []

    def gpsd():
        conn, _ = srv.accept()
        got.append(conn.recv(100))
        msgs = [{"class": "VERSION", "release": "3.25"},
                {"class": "SKY", "hdop": 1.1, "uSat": 9},
                {"class": "TPV", "mode": 3, "time": "2026-11-28T19:04:10.000Z", "lat": 31.2012,
                 "lon": 121.4432, "altHAE": 7.5, "speed": 8.2, "track": 271.0}]
        conn.sendall("".join(json.dumps(m) + "\n" for m in msgs).encode())
        time.sleep(0.5)
        conn.close()

    threading.Thread(target=gpsd, daemon=True).start()
    c = GpsdClient("127.0.0.1", port).start()
    deadline = time.time() + 3
    while c.latest is None and time.time() < deadline:
        time.sleep(0.01)
    c.close()
    srv.close()
    assert got[0].startswith(b"?WATCH=")
    p = c.latest
    assert (p.lat, p.lon, p.alt_m, p.speed_m_s, p.heading_deg, p.fix, p.source) == \
        (31.2012, 121.4432, 7.5, 8.2, 271.0, "3d", "gpsd")
    assert (p.hdop, p.satellites) == (1.1, 9)


def test_gpx_track_interpolates_speed_and_heading(tmp_path):
    gpx = tmp_path / "t.gpx"
    gpx.write_text("""<?xml version="1.0"?><gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>
      <trkpt lat="31.2000" lon="121.4400"><ele>5</ele><time>2026-11-28T10:00:00Z</time></trkpt>
      <trkpt lat="31.2000" lon="121.4500"><ele>7</ele><time>2026-11-28T10:01:00Z</time></trkpt>
    </trkseg></trk></gpx>""")
    tr = Track.from_gpx(gpx)
    t0 = timegm((2026, 11, 28, 10, 0, 0))
    p = tr.position(t0 + 30)
    assert p.lon == pytest.approx(121.445) and p.alt_m == pytest.approx(6.0)
    assert p.heading_deg == pytest.approx(90.0, abs=0.1)
    assert p.speed_m_s == pytest.approx(haversine_m(31.2, 121.44, 31.2, 121.45) / 60)
    assert tr.position(t0 + 3600) is None


def test_csv_track_and_its_errors(tmp_path):
    good = tmp_path / "t.csv"
    good.write_text("timestamp,lat,lon\n1000,31.0,121.0\n2026-11-28T10:00:00Z,31.1,121.1\n")
    assert Track.from_csv(good).position(1000).lat == 31.0
    bad = tmp_path / "b.csv"
    bad.write_text("time,lat,lon\n1,2,3\n")
    with pytest.raises(GpsError, match="lacks column.*timestamp"):
        Track.from_csv(bad)
