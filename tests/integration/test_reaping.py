"""PID 1 reaps orphans: no zombie survives in the namespace."""

import os
import time

from conftest import proc_state, wait_until

ORPHANS = 1000


def zombies(ns):
    return [pid for pid in ns.processes() if proc_state(pid) == "Z"]


def test_double_forked_orphans_are_reaped(fastinit):
    ns = fastinit.new()
    done = ns.work("forked")
    ns.write_units({
        "default": '[unit]\nwants = ["forker"]\n',
        "forker": f"""
            [service]
            type = "simple"
            exec = ["/bin/sh", "-c", "for i in $(seq {ORPHANS}); do (sleep 0 &); done; touch {done}; exec sleep 1000"]
        """,
    })
    ns.start()
    wait_until(lambda: os.path.exists(done), 60, f"the service to fork {ORPHANS} orphans",
               on_timeout=ns._log_suffix)

    # Orphans exit at once; give PID 1 a moment to reap the last of them.
    deadline = time.monotonic() + 5
    left = zombies(ns)
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = zombies(ns)
    assert not left, f"zombies left in the namespace: {left}"

    # The service itself is untouched and the manager still responds.
    info = ns.unit_status("forker")
    assert info["state"] == "active"
    assert ns.cmdline_of_ns_pid(info["pid"]) == ["sleep", "1000"]
    # Only the manager and the service's sleep are left.
    assert len(ns.processes()) == 2, ns.processes()
