"""foxhunt node / user / registers / serve from the command line."""

from __future__ import annotations

import json

from foxhunt.cli import main
from webmap.nodes import authenticate
from webmap.store import open_store


def test_node_add_prints_the_token_once_and_revoke_works(tmp_path, capsys):
    data = str(tmp_path / "data")
    assert main(["node", "add", "xuhui-01", "--data", data]) == 0
    out = capsys.readouterr()
    token = out.out.strip()
    assert token.startswith("fxn_") and "shown only now" in out.err
    store = open_store(f"sqlite:///{tmp_path / 'data' / 'foxhunt.db'}")
    with store.read() as conn:
        assert authenticate(conn, f"Bearer {token}").name == "xuhui-01"
    assert main(["node", "list", "--data", data, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["nodes"]
    assert [n["name"] for n in listed] == ["xuhui-01"] and token not in json.dumps(listed)
    assert main(["node", "add", "xuhui-01", "--data", data]) == 2
    assert "exists already" in capsys.readouterr().err
    assert main(["node", "revoke", "xuhui-01", "--data", data]) == 0
    with store.read() as conn:
        assert authenticate(conn, f"Bearer {token}") is None
    store.dispose()


def test_user_add_from_stdin(tmp_path, capsys, monkeypatch):
    import io
    data = str(tmp_path / "data")
    monkeypatch.setattr("sys.stdin", io.StringIO("long enough password\n"))
    assert main(["user", "add", "alice", "--role", "coordinator", "--password-stdin", "--data", data]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["user", "add", "bob", "--role", "field", "--password-stdin", "--data", data]) == 2
    assert "at least 10 characters" in capsys.readouterr().err
    assert main(["user", "list", "--json", "--data", data]) == 0
    assert json.loads(capsys.readouterr().out)["users"] == [{"username": "alice", "role": "coordinator",
                                                             "disabled": False}]


def test_registers_load(tmp_path, capsys):
    data = str(tmp_path / "data")
    csv = tmp_path / "fm.csv"
    csv.write_text("freq_hz,pi,ps,name,lat,lon,erp_w,licence_id\n98700000,13A1,CNR 1,CNR,31.2,121.4,1000,L1\n")
    assert main(["registers", "load", "fm", str(csv), "--data", data, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["version"] == 1
    assert main(["registers", "load", "fm", str(csv), "--data", data]) == 0
    assert "unchanged" in capsys.readouterr().out


def test_serve_refuses_a_bad_store_url(capsys):
    assert main(["serve", "--db", "mysql://nobody/x"]) == 2
    assert capsys.readouterr().err.startswith("foxhunt: error: --db")


def test_serve_refuses_an_unknown_timezone_in_one_line(tmp_path, capsys, monkeypatch):
    def started(*args, **kwargs):
        raise AssertionError("the station started with an unknown time zone")
    monkeypatch.setattr("waitress.serve", started)
    config = tmp_path / "central.toml"
    config.write_text('timezone = "Mars/Olympus"\n')
    assert main(["serve", "--config", str(config), "--data", str(tmp_path / "data"), "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("foxhunt: error: timezone 'Mars/Olympus'") and err.count("\n") == 1
