"""Automatic restarts and the start limit."""

import time


def test_failing_service_hits_the_start_limit(fastinit):
    ns = fastinit.new()
    starts = ns.work("starts")
    ns.write_units({
        "default": '[unit]\nwants = ["flaky", "steady"]\n',
        "flaky": f"""
            [service]
            type = "simple"
            exec = ["/bin/sh", "-c", "echo start >> {starts}; exit 1"]
            restart = "on-failure"
            restart_delay = "50ms"
            start_limit_burst = 3
            start_limit_interval = "10s"
        """,
        "steady": """
            [service]
            exec = ["/bin/sleep", "1000"]
        """,
    })
    ns.start(wait=False)
    info = ns.wait_unit("flaky", lambda i: i["state"] == "failed", "failed")
    assert info["result"] == "start-limit-hit", info
    assert "3 times" in info.get("Reason", ""), info
    assert info["pid"] == 0

    # No further attempt comes later.
    time.sleep(0.5)
    with open(starts) as f:
        assert f.read().splitlines() == ["start"] * 3
    info = ns.unit_status("flaky")
    assert (info["state"], info["result"]) == ("failed", "start-limit-hit"), info
    assert info.get("Exit") == "exited with status 1", info

    timeline = ns.wait_boot()
    units = {u["name"]: u for u in timeline["units"]}
    assert (units["flaky"]["state"], units["flaky"]["result"]) == ("failed", "start-limit-hit")
    # Two restart delays (50 ms, then 100 ms with backoff) separate the three starts.
    assert units["flaky"]["finished_us"] - units["flaky"]["started_us"] >= 0.14e6
    assert units["steady"]["state"] == "active"
