"""The client verbs over the control socket, access control, and busctl."""

import os
import subprocess

UNITS = {
    "default": """
        [unit]
        description = "test target"
        wants = ["svc", "notifier"]
    """,
    "svc": """
        [unit]
        description = "a plain long-running service"

        [service]
        type = "simple"
        exec = ["/bin/sleep", "1001"]
    """,
    "notifier": """
        [unit]
        description = "reports readiness and a status text with systemd-notify"

        [service]
        type = "notify"
        exec = ["/bin/sh", "-c", "systemd-notify --ready --status='all systems go'; exec sleep 1002"]
        start_timeout = "20s"
    """,
    "idle": """
        [unit]
        description = "never started by the boot"

        [service]
        exec = ["/bin/sleep", "1003"]
    """,
}


def parse_status_list(stdout):
    """`fastinit status` rows → {name: (state, result, pid, status)}."""
    lines = stdout.splitlines()
    assert lines and lines[0].split()[:5] == ["UNIT", "STATE", "RESULT", "PID", "STATUS"], stdout
    rows = {}
    for line in lines[1:]:
        # "%-28s %-11s %-16s %-8s %s"
        name = line[0:28].strip()
        rows[name] = (line[29:40].strip(), line[41:57].strip(), line[58:66].strip(),
                      line[67:].strip())
    return rows


def test_status_list_shows_units_and_states(fastinit):
    ns = fastinit.boot(UNITS)
    r = ns.ctl_ok("status")
    rows = parse_status_list(r.stdout)
    assert rows["default"][:2] == ("active", "success")
    assert rows["svc"][:2] == ("active", "success")
    assert rows["notifier"][:2] == ("active", "success")
    assert rows["notifier"][3] == "all systems go"
    assert rows["svc"][2].isdigit() and int(rows["svc"][2]) > 1
    assert rows["default"][2] == "-"  # a target has no process
    # A unit the boot never touched is not listed.
    assert "idle" not in rows


def test_status_unit_shows_pid_and_notify_status(fastinit):
    ns = fastinit.boot(UNITS)
    r = ns.ctl("status", "notifier")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("notifier - reports readiness"), r.stdout
    info = ns.unit_status("notifier")
    assert info["Type"] == "notify"
    assert (info["state"], info["result"]) == ("active", "success")
    assert info["Status"] == "all systems go"
    assert info["pid"] > 1
    # The PID is the service's real main process in the namespace.
    assert ns.cmdline_of_ns_pid(info["pid"]) == ["sleep", "1002"]

    # An inactive unit: exit status 3, like systemctl.
    idle = ns.ctl("status", "idle")
    assert idle.returncode == 3, idle
    assert "State: inactive" in idle.stdout


def test_stop_start_restart_change_state_and_pid(fastinit):
    ns = fastinit.boot(UNITS)
    first = ns.unit_status("svc")
    assert first["state"] == "active" and first["pid"] > 1
    assert ns.cmdline_of_ns_pid(first["pid"]) == ["/bin/sleep", "1001"]

    ns.ctl_ok("stop", "svc")
    stopped = ns.wait_state("svc", "inactive")
    assert stopped["rc"] == 3
    assert stopped["pid"] == 0
    assert ns.host_pid(first["pid"]) is None, "the stopped service's process is still there"

    ns.ctl_ok("start", "svc")
    second = ns.wait_unit("svc", lambda i: i["state"] == "active" and i["pid"] > 0, "active")
    assert second["pid"] != first["pid"]
    assert ns.cmdline_of_ns_pid(second["pid"]) == ["/bin/sleep", "1001"]

    ns.ctl_ok("restart", "svc")
    third = ns.wait_unit(
        "svc", lambda i: i["state"] == "active" and i["pid"] not in (0, second["pid"]),
        "active with a new PID")
    assert ns.cmdline_of_ns_pid(third["pid"]) == ["/bin/sleep", "1001"]
    assert ns.host_pid(second["pid"]) is None, "restart left the old process running"

    # The other units were not disturbed.
    assert ns.unit_status("notifier")["state"] == "active"


def test_unknown_unit_is_an_error(fastinit):
    ns = fastinit.boot(UNITS)
    for verb in ("status", "start", "stop", "restart"):
        r = ns.ctl(verb, "no-such-unit")
        assert r.returncode != 0, (verb, r)
        assert "no such unit: no-such-unit" in r.stderr, (verb, r.stderr)
    assert ns.unit_status("svc")["state"] == "active"


def test_no_manager_running(fastinit, tmp_path):
    ns = fastinit.new()  # never started
    for args in (("status",), ("status", "svc"), ("start", "svc"), ("poweroff",)):
        r = ns.ctl(*args, runtime_dir=str(tmp_path))
        assert r.returncode != 0, (args, r)
        assert "no fastinit manager is running" in r.stderr, (args, r.stderr)


def test_no_manager_running_after_shutdown(fastinit):
    ns = fastinit.boot(UNITS)
    ns.stop()
    # The manager is gone (its socket file may remain): same clear message.
    for args in (("status",), ("stop", "svc")):
        r = ns.ctl(*args)
        assert r.returncode != 0, (args, r)
        assert "no fastinit manager is running" in r.stderr, (args, r.stderr)


def test_boot_of_a_target_with_nothing_to_run(fastinit):
    """A start job that settles without any process still writes boot.json."""
    ns = fastinit.boot({
        "default": '[unit]\nwants = ["empty"]\n',
        "empty": '[unit]\ndescription = "a target on its own"\n',
    })
    units = ns.timeline_units()
    assert {n: u["state"] for n, u in units.items()} == {"default": "active", "empty": "active"}
    assert units["default"]["waited_for"] == "empty"
    assert ns.unit_status("default")["state"] == "active"


def test_non_root_is_refused(fastinit):
    ns = fastinit.boot(UNITS)
    assert os.stat(ns.socket_path).st_mode & 0o777 == 0o600

    # The socket is 0600: nobody cannot even connect.
    r = ns.ctl("status", user="nobody")
    assert r.returncode != 0, r
    assert "permission denied" in r.stderr, r.stderr

    # With the socket opened up, reading is allowed but changing is not.
    os.chmod(ns.socket_path, 0o666)
    listing = ns.ctl("status", user="nobody")
    assert listing.returncode == 0, listing.stderr
    assert parse_status_list(listing.stdout)["svc"][0] == "active"
    detail = ns.ctl("status", "notifier", user="nobody")
    assert detail.returncode == 0, detail.stderr
    assert "all systems go" in detail.stdout

    pid_before = ns.unit_status("svc")["pid"]
    for verb in ("start", "stop", "restart"):
        r = ns.ctl(verb, "svc", user="nobody")
        assert r.returncode != 0, (verb, r)
        assert "only root may" in r.stderr, (verb, r.stderr)
    r = ns.ctl("poweroff", user="nobody")
    assert r.returncode != 0 and "only root may" in r.stderr, r
    # Nothing happened.
    after = ns.unit_status("svc")
    assert (after["state"], after["pid"]) == ("active", pid_before)
    assert ns.alive()


def test_busctl_inside_the_namespace(fastinit):
    ns = fastinit.boot(UNITS)
    r = subprocess.run(
        ["nsenter", "-t", str(ns.init_pid), "-p", "-m", "busctl",
         f"--address=unix:path={ns.socket_path}", "call", "org.fastinit1", "/org/fastinit1",
         "org.fastinit1.Manager", "ListUnits"],
        capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert out.startswith("a(sssssu) 4 "), out
    for name in ("default", "svc", "notifier", "idle"):
        assert f'"{name}"' in out, out
    assert '"all systems go"' in out
    assert '"active" "success"' in out
