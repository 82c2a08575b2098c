"""cgroup v2: every service in a cgroup of its own under the manager's (the
harness gives each namespace a fresh cgroup of the host's hierarchy). A
daemon that double-forks and calls setsid() stays supervised: the service is
up while its cgroup holds a process, and stopping it kills what escaped."""

import os
import time

from conftest import cgroup2_mount, proc_state, wait_until


def test_the_host_has_a_cgroup2_hierarchy_for_these_tests():
    # Every Debian host since 11 mounts one (the hybrid layout at
    # /sys/fs/cgroup/unified too). Without it the tests below could not put
    # a namespace in a cgroup of its own: say so as a failure, not a skip.
    assert cgroup2_mount() is not None, "no cgroup2 hierarchy in /proc/self/mountinfo"


def escaping(extra="", ignore_term=True):
    # The started shell leaves a sleep in a session of its own, orphaned to
    # PID 1, and exits 0 at once. With ignore_term the sleep ignores SIGTERM
    # (ignored signals survive fork and exec), so only SIGKILL ends it.
    trap = "trap '' TERM; " if ignore_term else ""
    return f"""
        [service]
        exec = ["/bin/sh", "-c", "{trap}(setsid sleep 1000 </dev/null >/dev/null 2>&1 &); exit 0"]
        {extra}
    """


def members(ns, unit):
    path = os.path.join(ns.cgroup, f"{unit}.service", "cgroup.procs")
    try:
        with open(path) as f:
            return [int(p) for p in f.read().split()]
    except FileNotFoundError:
        return None


def gone(host_pid):
    return proc_state(host_pid) in (None, "Z")


def sleeper_of(ns, unit):
    """The escaped sleep's host pid, once the started shell has gone."""
    def only_the_sleep():
        pids = members(ns, unit) or []
        if len(pids) != 1:
            return None
        with open(f"/proc/{pids[0]}/comm") as f:
            return pids[0] if f.read().strip() == "sleep" else None
    return wait_until(only_the_sleep, 5, f"{unit}'s cgroup to hold only its sleep")


def test_the_manager_moves_into_init_scope(fastinit):
    ns = fastinit.boot({"default": "[unit]\n"})
    assert "not using cgroups" not in ns.read_log()
    with open(os.path.join(ns.cgroup, "init.scope", "cgroup.procs")) as f:
        assert ns.init_pid in [int(p) for p in f.read().split()]


def test_an_escaped_daemon_keeps_its_service_active_and_is_killed_by_stop(fastinit):
    ns = fastinit.boot({"default": '[unit]\nwants = "esc"\n',
                        "esc": escaping('stop_timeout = "1s"')})
    sleep = sleeper_of(ns, "esc")
    # The main process has exited 0; the sleep left its session and its
    # parent: the service is still active, because its cgroup is not empty.
    time.sleep(0.3)
    info = ns.unit_status("esc")
    assert info["state"] == "active", info
    with open(f"/proc/{sleep}/status") as f:
        assert "\nPPid:\t" in f.read()
    # stop: SIGTERM to the cgroup (ignored), after stop_timeout cgroup.kill.
    begin = time.monotonic()
    ns.ctl_ok("stop", "esc")
    ns.wait_state("esc", "inactive")
    assert time.monotonic() - begin >= 0.9, "down only after stop_timeout: the sleep ignored TERM"
    wait_until(lambda: gone(sleep), 5, "the escaped sleep to be gone")
    wait_until(lambda: members(ns, "esc") is None, 5, "esc.service to be removed")


def test_stop_signals_every_process_of_the_cgroup(fastinit):
    ns = fastinit.boot({"default": '[unit]\nwants = "esc"\n',
                        "esc": escaping('stop_timeout = "30s"', ignore_term=False)})
    sleep = sleeper_of(ns, "esc")
    begin = time.monotonic()
    ns.ctl_ok("stop", "esc")
    ns.wait_state("esc", "inactive")
    assert time.monotonic() - begin < 10, "SIGTERM reached the escaped sleep"
    assert gone(sleep)


def test_the_service_is_down_when_its_last_process_exits(fastinit):
    ns = fastinit.boot({"default": '[unit]\nwants = "esc"\n', "esc": escaping()})
    sleep = sleeper_of(ns, "esc")
    assert ns.unit_status("esc")["state"] == "active"
    os.kill(sleep, 9)
    ns.wait_state("esc", "inactive")


def test_a_limit_without_its_controller_warns_and_the_service_starts(fastinit):
    ns = fastinit.new({"default": '[unit]\nwants = "lim"\n',
                       "lim": '[service]\nexec = ["/bin/sleep", "1000"]\nmemory_max = "64M"\n'
                              'tasks_max = 16\ncpu_weight = 50\n'})
    ns.start()
    ns.wait_state("lim", "active")
    cgroup = os.path.join(ns.cgroup, "lim.service")
    for key, file, value in (("memory_max", "memory.max", "67108864"),
                             ("tasks_max", "pids.max", "16"), ("cpu_weight", "cpu.weight", "50")):
        path = os.path.join(cgroup, file)
        if os.path.exists(path):
            with open(path) as f:
                assert f.read().strip() == value, file
        else:
            assert f"lim: {key} not applied" in ns.read_log()


def test_status_shows_the_cgroup_and_its_processes(fastinit):
    ns = fastinit.boot({"default": '[unit]\nwants = "esc"\n', "esc": escaping()})
    sleep = sleeper_of(ns, "esc")
    r = ns.ctl_ok("status", "esc")
    assert f" CGroup: {os.path.join(ns.cgroup, 'esc.service')}\n" in r.stdout, r.stdout
    # Pids as the manager's namespace sees them: the sleep's, by its comm.
    lines = [line.split() for line in r.stdout.splitlines() if line.startswith("         ")]
    assert [comm for _, comm in lines] == ["sleep"], r.stdout
    assert ns.host_pid(int(lines[0][0])) == sleep


def test_an_emptied_cgroup_is_noticed_without_an_exit_to_reap(fastinit):
    # The service's only other process is the test's own child, moved into
    # its cgroup: when it dies, the test reaps it, not the manager; only
    # cgroup.events (inotify) can tell the manager the service is down.
    import subprocess
    ns = fastinit.boot({"default": '[unit]\nwants = "brief"\n',
                        "brief": '[service]\nexec = ["/bin/sh", "-c", "sleep 1; exit 0"]\n'})
    ns.wait_state("brief", "active")
    outsider = subprocess.Popen(["sleep", "1000"])
    try:
        with open(os.path.join(ns.cgroup, "brief.service", "cgroup.procs"), "w") as f:
            f.write(str(outsider.pid))
        time.sleep(1.5)  # the main process has exited
        assert ns.unit_status("brief")["state"] == "active", "the outsider is in its cgroup"
    finally:
        outsider.kill()
        outsider.wait()
    ns.wait_state("brief", "inactive", timeout=5)
