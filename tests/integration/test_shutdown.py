"""Orderly shutdown: reverse dependency order, parallel stops, stop timeouts."""

import os

from conftest import wait_until

# Logs "started NAME" once its TERM trap is in place and "stop NAME <monotonic
# ns>" when asked to stop, then takes STOP_TAKES seconds to finish stopping.
# SIGTERM also reaches the background sleep (the manager signals the
# service's process group), which ends `wait` at once. The handler ignores
# TERM before it forks: the manager signals the group right after the main
# process, and that signal must not kill the clock.
STOP_TAKES = 0.1
STOPPER = f"""\
name=$1 log=$2
trap 'trap "" TERM; echo "stop $name $(/usr/bin/python3 -c "import time; print(time.monotonic_ns())")" >> "$log"; sleep {STOP_TAKES}; exit 0' TERM
echo "started $name" >> "$log"
sleep 1000 &
wait
"""


def trap_unit(ns, name, log, requires=()):
    script = ns.work("stopper.sh")
    if not os.path.exists(script):
        with open(script, "w") as f:
            f.write(STOPPER)
    deps = ", ".join(f'"{d}"' for d in requires)
    return f"""
        [unit]
        requires = [{deps}]

        [service]
        exec = ["/bin/sh", "{script}", "{name}", "{log}"]
        stop_timeout = "10s"
    """


def read_lines(path):
    try:
        with open(path) as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return []


def wait_started(ns, log, names):
    wait_until(lambda: {line.split()[1] for line in read_lines(log)
                        if line.startswith("started ")} >= set(names),
               20, f"{len(names)} units to install their TERM traps", on_timeout=ns._log_suffix)


def test_stop_in_reverse_dependency_order(fastinit):
    ns = fastinit.new()
    log = ns.work("stops.log")
    ns.write_units({
        "default": '[unit]\nwants = ["a", "b", "c", "d"]\n',
        "a": trap_unit(ns, "a", log),
        "b": trap_unit(ns, "b", log, requires=["a"]),
        "c": trap_unit(ns, "c", log, requires=["b"]),
        "d": trap_unit(ns, "d", log),
    })
    ns.start()
    wait_started(ns, log, "abcd")
    assert {u["name"]: u["state"] for u in ns.timeline()["units"]} == {
        "default": "active", "a": "active", "b": "active", "c": "active", "d": "active"}

    took = ns.stop()
    assert took < 15, took

    stops = [line.split() for line in read_lines(log) if line.startswith("stop ")]
    order = [name for _, name, _ in stops]
    assert sorted(order) == ["a", "b", "c", "d"], stops
    chain = [name for name in order if name in "abc"]
    assert chain == ["c", "b", "a"], stops
    # Each began to stop only once the one before had finished stopping.
    at = {name: int(ns_time) for _, name, ns_time in stops}
    assert at["b"] - at["c"] >= STOP_TAKES * 1e9 * 0.9, stops
    assert at["a"] - at["b"] >= STOP_TAKES * 1e9 * 0.9, stops
    assert "shutting down" in ns.read_log()


SLOW_STOPPER = """\
name=$1 log=$2 delay=$3
trap 'trap "" TERM; sleep "$delay"; echo "stop $name" >> "$log"; exit 0' TERM
echo "started $name" >> "$log"
sleep 1000 &
wait
"""


def test_independent_units_stop_in_parallel(fastinit):
    count, stop_seconds = 50, 0.2
    ns = fastinit.new()
    log = ns.work("stops.log")
    script = ns.work("slow-stopper.sh")
    with open(script, "w") as f:
        f.write(SLOW_STOPPER)
    names = [f"p{i:02d}" for i in range(count)]
    units = {"default": "[unit]\nwants = [%s]\n" % ", ".join(f'"{n}"' for n in names)}
    for name in names:
        units[name] = f"""
            [service]
            exec = ["/bin/sh", "{script}", "{name}", "{log}", "{stop_seconds}"]
            stop_timeout = "10s"
        """
    ns.write_units(units)
    ns.start()
    wait_started(ns, log, names)

    took = ns.stop()
    stopped = {line.split()[1] for line in read_lines(log) if line.startswith("stop ")}
    assert stopped == set(names)
    assert took >= stop_seconds * 0.9, took  # every unit took its time to stop...
    # ...but not one after another, which would take count * stop_seconds = 10 s.
    assert took < 5, f"stopping {count} units of {stop_seconds}s each took {took:.2f}s"


def test_poweroff_verb_stops_everything_in_order(fastinit):
    ns = fastinit.new()
    log = ns.work("stops.log")
    ns.write_units({
        "default": '[unit]\nwants = ["a", "b"]\n',
        "a": trap_unit(ns, "a", log),
        "b": trap_unit(ns, "b", log, requires=["a"]),
    })
    ns.start()
    wait_started(ns, log, "ab")
    r = ns.ctl("poweroff")
    assert r.returncode == 0, r.stderr
    ns.wait_ended()
    order = [line.split()[1] for line in read_lines(log) if line.startswith("stop ")]
    assert order == ["b", "a"], read_lines(log)
    assert "shutting down (then poweroff)" in ns.read_log()


def test_unit_ignoring_sigterm_is_killed_after_stop_timeout(fastinit):
    ns = fastinit.new()
    started = ns.work("stubborn-started")
    ns.write_units({
        "default": '[unit]\nwants = ["stubborn", "polite"]\n',
        "stubborn": f"""
            [service]
            exec = ["/bin/sh", "-c", "trap '' TERM; touch {started}; exec sleep 1000"]
            stop_timeout = "500ms"
        """,
        "polite": """
            [service]
            exec = ["/bin/sleep", "1000"]
        """,
    })
    ns.start()
    wait_until(lambda: os.path.exists(started), 20, "stubborn to ignore SIGTERM",
               on_timeout=ns._log_suffix)
    info = ns.unit_status("stubborn")
    host = ns.host_pid(info["pid"])
    assert host is not None
    sig_ignored = int(next(line.split()[1] for line in open(f"/proc/{host}/status")
                           if line.startswith("SigIgn:")), 16)
    assert sig_ignored & (1 << (15 - 1)), "the test service does not ignore SIGTERM"

    took = ns.stop()
    # The stop timeout had to expire: SIGTERM alone did not end it.
    assert took >= 0.45, took
    assert took < 15, took
