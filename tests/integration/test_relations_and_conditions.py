"""`conflicts`, the `kernel_cmdline` condition and `restart_delay_max` with
real processes (their parsing is covered by the unit tests)."""

import os


def test_conflicting_units_stop_each_other(fastinit):
    ns = fastinit.new({
        "default": '[unit]\nwants = ["day"]\n',
        "day": '[service]\nexec = ["/bin/sleep", "1000"]\n',
        "night": '[unit]\nconflicts = ["day"]\n[service]\nexec = ["/bin/sleep", "1000"]\n',
    })
    ns.start()
    day = ns.wait_state("day", "active")["pid"]

    ns.ctl_ok("start", "night")
    night = ns.wait_state("night", "active")["pid"]
    assert ns.wait_state("day", "inactive")["pid"] == 0
    assert ns.host_pid(day) is None

    # The relation holds the other way round without being written there.
    ns.ctl_ok("start", "day")
    assert ns.wait_state("day", "active")["pid"] not in (0, day)
    assert ns.wait_state("night", "inactive")["pid"] == 0
    assert ns.host_pid(night) is None


def test_kernel_cmdline_condition_matches_words_and_values(fastinit):
    ns = fastinit.new()
    cmdline = ns.work("cmdline")
    with open(cmdline, "w") as f:
        f.write("BOOT_IMAGE=/vmlinuz root=UUID=1234 ro quiet foo=bar\n")
    cases = {
        "word": ('"quiet"', True),
        "word-of-a-pair": ('"foo"', True),
        "exact-pair": ('"foo=bar"', True),
        "other-value": ('"foo=baz"', False),
        "absent": ('"splash"', False),
        "not-absent": ('"!splash"', True),
        "not-present": ('"!ro"', False),
        "prefix-only": ('"qui"', False),
    }
    marks = ns.work("marks")
    os.makedirs(marks)
    units = {"default": "[unit]\nwants = [%s]\n" % ", ".join(f'"{n}"' for n in cases)}
    for name, (word, _) in cases.items():
        units[name] = (f"[condition]\nkernel_cmdline = [{word}]\n"
                       f'[service]\ntype = "oneshot"\n'
                       f'exec = ["/bin/touch", "{marks}/{name}"]\n')
    ns.write_units(units)
    ns.start(extra_args=("--proc-cmdline", cmdline))
    for name, (word, holds) in cases.items():
        info = ns.unit_status(name)
        if holds:
            assert (info["state"], info["result"]) == ("active", "success"), (name, info)
            assert os.path.exists(os.path.join(marks, name)), name
        else:
            assert (info["state"], info["result"]) == ("skipped", "condition"), (name, info)
            assert f"kernel_cmdline={word}" in info.get("Reason", ""), (name, info)
            assert not os.path.exists(os.path.join(marks, name)), name


def starts_of(path):
    try:
        with open(path) as f:
            return [float(line) for line in f.read().split()]
    except FileNotFoundError:
        return []


def test_restart_delay_max_caps_the_backoff(fastinit):
    ns = fastinit.new()
    capped, doubling = ns.work("capped"), ns.work("doubling")

    def flaky(log, extra):
        return f"""
            [service]
            exec = ["/bin/sh", "-c", "cut -d' ' -f1 /proc/uptime >> {log}; exit 1"]
            restart = "on-failure"
            restart_delay = "200ms"
            start_limit_burst = 100
            start_limit_interval = "1min"
            {extra}
        """
    ns.write_units({
        "default": '[unit]\nwants = ["capped", "doubling"]\n',
        "capped": flaky(capped, 'restart_delay_max = "200ms"'),
        "doubling": flaky(doubling, ""),
    })
    ns.start(wait=False)
    # Doubling waits 0.2, 0.4, 0.8, 1.6 s before its 2nd to 5th start.
    ns.wait_unit("doubling", lambda i: len(starts_of(doubling)) >= 5, "a fifth start",
                 timeout=30.0)
    ns.stop()
    gaps = {name: [b - a for a, b in zip(t, t[1:])]
            for name, t in (("capped", starts_of(capped)), ("doubling", starts_of(doubling)))}
    # Every gap waits at least the delay (uptime has 10 ms steps).
    assert all(g >= 0.19 for g in gaps["capped"] + gaps["doubling"]), gaps
    # The backoff doubled where it was not capped ...
    assert gaps["doubling"][3] >= 1.59, gaps
    # ... and stayed at the cap where it was: no capped gap comes near
    # doubling's last one, though both ran on the same loaded host.
    assert len(gaps["capped"]) >= 8, gaps
    assert max(gaps["capped"]) < gaps["doubling"][3] - 0.6, gaps
