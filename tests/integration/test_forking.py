"""type = "forking": a daemon that double-forks, named by its pid file."""

import os

from conftest import proc_state, wait_until


def double_forking(pid_file, extra=""):
    # The started shell forks a subshell that starts the daemon in the
    # background and exits at once: the daemon, in a session of its own,
    # is orphaned to PID 1 (the manager); then the started shell exits 0.
    daemon = f"echo $$ > {pid_file}; exec sleep 1000"
    return f"""
        [service]
        type = "forking"
        pid_file = "{pid_file}"
        exec = ["/bin/sh", "-c", "(setsid /bin/sh -c '{daemon}' </dev/null >/dev/null 2>&1 &); exit 0"]
        start_timeout = "5s"
        {extra}
    """


def gone(host_pid):
    return proc_state(host_pid) in (None, "Z")


def test_double_forking_daemon_is_supervised_and_stopped(fastinit):
    ns = fastinit.new()
    pid_file = ns.work("d.pid")
    ns.write_units({
        "default": '[unit]\nwants = ["d", "after-d"]\n',
        "d": double_forking(pid_file),
        "after-d": f"""
            [unit]
            after = "d"
            [service]
            type = "oneshot"
            exec = ["/bin/sh", "-c", "cat {pid_file} > {ns.work('seen')}"]
        """,
    })
    ns.start()
    info = ns.wait_state("d", "active")
    with open(pid_file) as f:
        daemon = int(f.read())
    assert info["pid"] == daemon, info
    assert ns.cmdline_of_ns_pid(daemon) == ["sleep", "1000"]
    # Ready only once the pid file was there: after-d saw it.
    ns.wait_state("after-d", "active")
    with open(ns.work("seen")) as f:
        assert int(f.read()) == daemon

    host = ns.host_pid(daemon)
    assert host is not None
    ns.ctl_ok("stop", "d")
    info = ns.wait_state("d", "inactive")
    wait_until(lambda: gone(host), 5, "the daemon to be gone")


def test_daemon_exit_is_the_service_exit_with_its_restart_policy(fastinit):
    ns = fastinit.new()
    pid_file = ns.work("d.pid")
    ns.write_units({
        "default": '[unit]\nwants = "d"\n',
        "d": double_forking(pid_file, 'restart = "on-failure"\nrestart_delay = "100ms"'),
    })
    ns.start()
    first = ns.wait_state("d", "active")["pid"]
    os.kill(ns.host_pid(first), 9)
    info = ns.wait_unit("d", lambda i: i["state"] == "active" and i["pid"] not in (0, first),
                        "active again with a new daemon")
    assert "signal 9" in info.get("Exit", ""), info


def test_parent_failing_or_no_pid_file_fails_with_a_reason(fastinit):
    ns = fastinit.new()
    ns.write_units({
        "default": '[unit]\nwants = ["bad-parent", "no-pid-file", "pid-one"]\n',
        "bad-parent": f"""
            [service]
            type = "forking"
            pid_file = "{ns.work('x.pid')}"
            exec = ["/bin/sh", "-c", "exit 3"]
        """,
        "no-pid-file": f"""
            [service]
            type = "forking"
            pid_file = "{ns.work('never.pid')}"
            exec = ["/bin/sh", "-c", "(setsid sleep 1000 </dev/null >/dev/null 2>&1 &); exit 0"]
            start_timeout = "500ms"
        """,
        "pid-one": f"""
            [service]
            type = "forking"
            pid_file = "{ns.work('one.pid')}"
            exec = ["/bin/sh", "-c", "echo 1 > {ns.work('one.pid')}"]
            start_timeout = "500ms"
        """,
    })
    ns.start()
    info = ns.wait_state("bad-parent", "failed")
    assert "exited with status 3 before it was ready" in info.get("Reason", ""), info
    info = ns.wait_state("no-pid-file", "failed")
    assert info["result"] == "timeout", info
    assert "no usable pid file within 500ms" in info.get("Reason", ""), info
    assert "never.pid" in info.get("Reason", ""), info
    info = ns.wait_state("pid-one", "failed")
    assert "names pid 1, which no daemon can be" in info.get("Reason", ""), info
    assert ns.alive()
