import numpy as np
import pytest

from locator.errors import LocatorError
from locator.geodesy import LocalFrame
from locator.pathloss import mean_power
from locator.readings import Readings
from locator.simulate import ORIGIN, drive, fixed_stations, shadowing_field
from locator.tracking import kalman, motion_test, track, window_fixes


def _stations_hearing(tx_x, seed=5):
    """12 stations, 30 rounds 20 s apart; the transmitter's east coordinate per round is tx_x(t)."""
    rng = np.random.default_rng(seed)
    fx, fy = fixed_stations(rng, 12, 2000.0)
    x, y = np.tile(fx, 30), np.tile(fy, 30)
    t = np.repeat(np.arange(30.0) * 20.0, 12)
    p = (mean_power(10.0, 3.2, x - tx_x(t), y - 100.0) + shadowing_field(rng, x, y, 6.0, 50.0)
         + 2.0 * rng.standard_normal(x.size))
    frame = LocalFrame(*ORIGIN)
    lat, lon = frame.to_latlon(x, y)
    nodes = np.array([f"n{i % 12}" for i in range(x.size)], object)
    return frame, Readings.of(t + 1.7e9, nodes, lat, lon, 955e6, p, None, "car")


def test_static_target_is_not_flagged_moving_and_a_moving_one_is():
    _, static = _stations_hearing(lambda t: np.zeros_like(t))
    _, moving = _stations_hearing(lambda t: -800.0 + 2.5 * t)
    s, m = motion_test(static), motion_test(moving)
    assert s.moving is False and s.p_value > 0.01
    assert m.moving is True and m.rms_change_db > 3.0 and m.n_places == 12


def test_a_static_transmitter_turned_down_is_not_moving():
    # Every station hears the same 8 dB drop halfway (a transmitter turned down, an AM emission's
    # programme going quiet): a change of power, not of place. A car's move changes them differently.
    _, r = _stations_hearing(lambda t: np.zeros_like(t))
    later = r.timestamp >= np.median(r.timestamp)
    turned_down = Readings.of(r.timestamp, r.node_id, r.lat, r.lon, 955e6, r.power_dbm - 8.0 * later, None, "car")
    m = motion_test(turned_down)
    assert m.moving is False and m.p_value > 0.01


def test_a_single_drive_cannot_tell_and_says_so():
    frame = LocalFrame(*ORIGIN)
    lat, lon = frame.to_latlon(np.arange(50.0) * 10.0, np.zeros(50))
    r = Readings.of(np.arange(50.0), "van", lat, lon, 955e6, np.linspace(-60, -80, 50))
    assert motion_test(r).moving is None


def test_track_follows_a_car_driving_east():
    frame, r = _stations_hearing(lambda t: -800.0 + 2.5 * t)
    pts = track(r, window_s=200.0, step_s=100.0, frame=frame)
    x = np.array([frame.to_xy(p.lat, p.lon)[0] for p in pts])
    t = np.array([p.timestamp for p in pts]) - 1.7e9
    truth = -800.0 + 2.5 * t
    assert len(pts) >= 4
    assert np.median(np.abs(x - truth)) < 200.0
    assert x[-1] - x[0] > 500.0                       # it really moved east
    # Fixes of ~130 m sd five windows apart fix the direction to a half-plane, not to ±45°.
    assert 0.0 < pts[-1].heading_deg < 180.0


def test_track_rejects_bad_windows():
    frame, r = _stations_hearing(lambda t: np.zeros_like(t))
    with pytest.raises(LocatorError, match="window_s"):
        track(r, window_s=0.0)


def _city(seed, path, duration_s=600.0, period_s=15.0):
    """12 stations reading every ``period_s`` a transmitter at ``path(t)``; each station's shadowing is
    a field over the transmitter's position (the link's clutter moves with the car, not with the station)."""
    rng = np.random.default_rng(seed)
    fx, fy = fixed_stations(rng, 12, 2500.0)
    t = np.arange(0.0, duration_s, period_s)
    tx, ty = path(t)
    p = np.concatenate([mean_power(10.0, 3.2, fx[j] - tx, fy[j] - ty) + shadowing_field(rng, tx, ty, 6.0, 50.0)
                        for j in range(12)]) + 2.0 * rng.standard_normal(12 * t.size)
    frame = LocalFrame(*ORIGIN)
    lat, lon = frame.to_latlon(np.repeat(fx, t.size), np.repeat(fy, t.size))
    nodes = np.repeat([f"n{j}" for j in range(12)], t.size).astype(object)
    return frame, Readings.of(np.tile(t, 12) + 1.7e9, nodes, lat, lon, 955e6, p, None, "car")


def test_a_car_circling_the_same_loop_is_flagged_moving():
    # One 200 s lap of a 600 m circle per third of the period: each third's mean level at a station
    # is the same, so three windows see no change; a window per minute sees the car come and go.
    _, r = _city(3, lambda t: (600.0 * np.cos(2 * np.pi * t / 200.0), 600.0 * np.sin(2 * np.pi * t / 200.0)))
    m = motion_test(r)
    assert m.moving is True and m.rms_change_db > 3.0 and m.p_value < 1e-6
    assert motion_test(r, windows=3).moving is False          # the three-window test is blind to it


def test_the_track_of_driving_cars_holds_the_truth_within_two_sd():
    # 2·sd_m of an honest track holds 95–98 % of the truth. Here it holds 93 %; with each fix's bare
    # CRLB as its covariance (the fixes are heavier-tailed than the local bound says) it held 78 %.
    inside, n = 0, 0
    for seed in range(24):
        rng = np.random.default_rng(100 + seed)
        speed = rng.uniform(5.0, 12.0)
        px, py = drive(rng, tuple(rng.uniform(-800, 800, 2)), speed * 600.0 + 300.0, toward=(0.0, 0.0),
                       hunt_probability=1 / 3)

        def path(t, px=px, py=py, speed=speed):
            i = t * speed / 10.0                          # drive() steps are 10 m
            return np.interp(i, np.arange(px.size), px), np.interp(i, np.arange(px.size), py)

        frame, r = _city(seed, path)
        for p in track(r, frame=frame):
            gx, gy = path(p.timestamp - 1.7e9)
            x, y = frame.to_xy(p.lat, p.lon)
            inside += np.hypot(x - gx, y - gy) <= 2.0 * p.sd_m
            n += 1
    assert n >= 200 and inside / n >= 0.90


def test_the_history_uses_later_fixes_and_ends_where_the_live_track_does():
    frame, r = _stations_hearing(lambda t: -800.0 + 2.5 * t, seed=8)
    fixes = window_fixes(r, frame=frame)
    live, history = kalman(fixes), kalman(fixes, history=True)

    def error(points):
        x, y = frame.to_xy(np.array([p.lat for p in points]), np.array([p.lon for p in points]))
        t = np.array([p.timestamp for p in points]) - 1.7e9
        return np.hypot(x - (-800.0 + 2.5 * t), y - 100.0)

    assert live[-1] == history[-1]
    assert live[0].speed_m_s == 0.0 and 1.0 < history[0].speed_m_s < 5.0    # the car's 2.5 m/s, seen later
    # A stretch of wild fixes (overlapping windows share readings) drags the live track kilometres
    # off; the later fixes pull the history back.
    assert error(live).max() > 3000.0 and error(history).max() < 0.5 * error(live).max()
