"""Readiness of notify services: systemd-notify, sd_notify(), and no READY at all."""

DELAY_MS = 300


def dependent_unit(requires):
    return f"""
        [unit]
        requires = ["{requires}"]

        [service]
        type = "oneshot"
        exec = ["/bin/true"]
    """


def assert_ready_after_delay(unit, dependent):
    # Readiness came from READY=1 after the delay, not from exec().
    assert unit["state"] == "active", unit
    assert unit["ready_us"] - unit["started_us"] >= DELAY_MS * 1000 * 0.9, unit
    # Whatever is ordered after it waited for READY=1.
    assert dependent["state"] == "active", dependent
    assert dependent["started_us"] >= unit["ready_us"], (unit, dependent)
    assert dependent["waited_for"] == unit["name"], dependent


def test_shell_unit_with_systemd_notify(fastinit):
    ns = fastinit.boot({
        "default": '[unit]\nwants = ["shell-notify", "after-shell"]\n',
        "shell-notify": f"""
            [service]
            type = "notify"
            exec = ["/bin/sh", "-c", "sleep {DELAY_MS / 1000}; systemd-notify --ready --status='warmed up'; exec sleep 1000"]
            start_timeout = "20s"
        """,
        "after-shell": dependent_unit("shell-notify"),
    })
    units = ns.timeline_units()
    assert_ready_after_delay(units["shell-notify"], units["after-shell"])
    info = ns.unit_status("shell-notify")
    assert info["Status"] == "warmed up"
    assert ns.cmdline_of_ns_pid(info["pid"]) == ["sleep", "1000"]


def test_daemon_with_sd_notify(fastinit, notify_daemon):
    ns = fastinit.boot({
        "default": '[unit]\nwants = ["daemon", "after-daemon"]\n',
        "daemon": f"""
            [service]
            type = "notify"
            exec = ["{notify_daemon}", "{DELAY_MS}", "serving 42 clients"]
            start_timeout = "20s"
        """,
        "after-daemon": dependent_unit("daemon"),
    })
    units = ns.timeline_units()
    assert_ready_after_delay(units["daemon"], units["after-daemon"])
    info = ns.unit_status("daemon")
    assert info["Status"] == "serving 42 clients"
    assert ns.cmdline_of_ns_pid(info["pid"]) == [notify_daemon, str(DELAY_MS),
                                                 "serving 42 clients"]


def test_notify_unit_without_ready_times_out(fastinit, notify_daemon):
    ns = fastinit.boot({
        "default": '[unit]\nwants = ["silent", "needs-silent", "bystander"]\n',
        "silent": """
            [service]
            type = "notify"
            exec = ["/bin/sleep", "1000"]
            start_timeout = "1s"
            stop_timeout = "2s"
        """,
        "needs-silent": dependent_unit("silent"),
        "bystander": f"""
            [service]
            type = "notify"
            exec = ["{notify_daemon}", "0", "fine"]
        """,
    })
    units = ns.timeline_units()
    silent = units["silent"]
    assert (silent["state"], silent["result"]) == ("failed", "timeout"), silent
    assert "1s" in silent["reason"], silent
    # It was given its full second, and not much more.
    assert silent["finished_us"] - silent["started_us"] >= 0.95e6, silent
    assert silent["finished_us"] - silent["started_us"] < 10e6, silent

    needs = units["needs-silent"]
    assert (needs["state"], needs["result"]) == ("skipped", "dependency"), needs
    assert "silent" in needs["reason"], needs
    assert "started_us" not in needs, needs  # it never ran

    assert units["bystander"]["state"] == "active"
    info = ns.unit_status("silent")
    assert info["state"] == "failed" and info["pid"] == 0
    assert "timeout" in info["result"]


def test_non_root_notify_service(fastinit, notify_daemon):
    """A notify service running as an unprivileged user can report readiness."""
    ns = fastinit.boot({
        "default": '[unit]\nwants = ["unprivileged", "after-unprivileged"]\n',
        "unprivileged": f"""
            [service]
            type = "notify"
            exec = ["{notify_daemon}", "{DELAY_MS}", "running as nobody"]
            user = "nobody"
            group = "nogroup"
            start_timeout = "5s"
        """,
        "after-unprivileged": dependent_unit("unprivileged"),
    })
    units = ns.timeline_units()
    assert_ready_after_delay(units["unprivileged"], units["after-unprivileged"])
    info = ns.unit_status("unprivileged")
    assert info["Status"] == "running as nobody"
    host = ns.host_pid(info["pid"])
    uid_line = next(line for line in open(f"/proc/{host}/status") if line.startswith("Uid:"))
    assert uid_line.split()[1:] == ["65534"] * 4, uid_line


def test_services_ready_at_once(fastinit, notify_daemon):
    """READY=1 sent right after exec, possibly before the manager has heard
    that the spawn succeeded (spawns run on worker threads), still counts."""
    names = [f"quick{i:02d}" for i in range(60)]
    units = {"default": "[unit]\nwants = [%s]\n" % ", ".join(f'"{n}"' for n in names)}
    for name in names:
        units[name] = f"""
            [service]
            type = "notify"
            exec = ["{notify_daemon}", "0", "{name} up"]
            start_timeout = "5s"
        """
    ns = fastinit.boot(units)
    units = ns.timeline_units()
    not_ready = {n: (u["state"], u["result"]) for n, u in units.items() if u["state"] != "active"}
    assert not not_ready, not_ready
    assert "ignored a notification" not in ns.read_log()
