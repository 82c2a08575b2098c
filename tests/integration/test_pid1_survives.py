"""PID 1 does not fall: a fault in the manager does not end the namespace
(on a real machine: does not panic the kernel), and running out of
processes degrades the boot instead of aborting PID 1."""

import os
import signal
import time
import uuid

import pytest

from conftest import proc_state, read_proc, wait_until

PIDS_CGROUP_ROOT = "/sys/fs/cgroup/pids"


def zombies(ns):
    return [pid for pid in ns.processes() if proc_state(pid) == "Z"]


@pytest.mark.parametrize("sig", [signal.SIGSEGV, signal.SIGABRT, signal.SIGBUS])
def test_a_fault_in_pid1_keeps_services_running_and_orphans_reaped(fastinit, sig):
    ns = fastinit.new()
    trigger = ns.work("fork-now")
    done = ns.work("forked")
    ns.write_units({
        "default": '[unit]\nwants = ["worker"]\n',
        # Forks orphans once told to, after PID 1 has crashed.
        "worker": f"""
            [service]
            type = "simple"
            exec = ["/bin/sh", "-c", "while [ ! -e {trigger} ]; do sleep 0.05; done; for i in $(seq 50); do (sleep 0 &); done; touch {done}; exec sleep 1000"]
        """,
    })
    ns.start()
    worker = ns.unit_status("worker")
    assert worker["state"] == "active"

    # The signal a fault would raise, sent from outside the namespace (inside
    # it, PID 1 would not even receive it).
    os.kill(ns.init_pid, sig)
    wait_until(lambda: "PID 1 crashed: " + signal.Signals(sig).name in ns.read_log(), 10,
               "the crash message", on_timeout=ns._log_suffix)
    assert "keeping the machine up" in ns.read_log()

    # PID 1 is alive (the namespace would have ended with it) and not a zombie.
    time.sleep(0.3)
    assert ns.alive(), "the namespace ended: PID 1 died"
    assert proc_state(ns.init_pid) in ("S", "R"), proc_state(ns.init_pid)
    # The service goes on, and what it orphans is reaped.
    open(trigger, "w").close()
    wait_until(lambda: os.path.exists(done), 20, "the service to fork", on_timeout=ns._log_suffix)
    # It touches `done` and then becomes `sleep 1000`.
    wait_until(lambda: any((read_proc(p, "cmdline") or "").startswith("sleep\0" + "1000")
                           for p in ns.processes()), 10, "the service to go on")
    deadline = time.monotonic() + 10
    while zombies(ns) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not zombies(ns), f"zombies left: {zombies(ns)}"


@pytest.fixture
def pids_cgroup():
    if not os.path.isdir(PIDS_CGROUP_ROOT):
        pytest.fail(f"{PIDS_CGROUP_ROOT} is missing: the pids controller (cgroup v1) is needed",
                    pytrace=False)
    path = os.path.join(PIDS_CGROUP_ROOT, "fastinit-test-" + uuid.uuid4().hex[:8])
    os.mkdir(path)
    try:
        yield path
    finally:
        # Whatever is still in it goes back to the root before it is removed.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with open(os.path.join(path, "cgroup.procs")) as f:
                left = f.read().split()
            if not left:
                break
            for pid in left:
                try:
                    with open(os.path.join(PIDS_CGROUP_ROOT, "cgroup.procs"), "w") as f:
                        f.write(pid)
                except OSError:
                    pass
            time.sleep(0.05)
        os.rmdir(path)


def test_a_pids_limit_of_3_fails_units_with_a_reason_and_pid1_goes_on(fastinit, pids_cgroup):
    with open(os.path.join(pids_cgroup, "pids.max"), "w") as f:
        f.write("3")
    ns = fastinit.new({
        "default": '[unit]\nwants = ["a", "b", "c"]\n',
        "a": '[service]\ntype = "simple"\nexec = ["/bin/sleep", "1000"]\n'
             'restart = "on-failure"\nrestart_delay = "100ms"\n',
        "b": '[service]\ntype = "oneshot"\nexec = ["/bin/true"]\n',
        "c": '[service]\ntype = "simple"\nexec = ["/bin/sleep", "1000"]\n',
    })
    # unshare, PID 1 and one more thread or process: that is all there is.
    ns.start(wait=False, preexec=lambda: _join(pids_cgroup))
    ns.wait_boot(timeout=60)
    ns.wait_socket()

    for name in ("b", "c"):
        info = ns.unit_status(name)
        assert info["state"] == "failed", info
        assert info["result"] == "exec-failed", info
        assert info["Reason"].startswith("cannot create a process for "), info
    assert "starting them from the main thread" in ns.read_log()
    # Retries are bounded: "a" restarts with backoff until its start limit.
    info = ns.wait_unit("a", lambda i: i["result"] == "start-limit-hit", "out of retries",
                        timeout=30)
    assert info["state"] == "failed"
    assert ns.alive(), "PID 1 died"

    # Once processes can be created again, the same manager starts them.
    with open(os.path.join(pids_cgroup, "pids.max"), "w") as f:
        f.write("max")
    ns.ctl_ok("start", "c")
    info = ns.wait_state("c", "active", timeout=20)
    assert ns.cmdline_of_ns_pid(info["pid"]) == ["/bin/sleep", "1000"]
    ns.stop()


def _join(cgroup):
    with open(os.path.join(cgroup, "cgroup.procs"), "w") as f:
        f.write(str(os.getpid()))


def test_a_missing_working_directory_is_named_not_called_an_exec_failure(fastinit):
    ns = fastinit.boot({
        "default": '[unit]\nwants = ["lost"]\n',
        "lost": '[service]\ntype = "oneshot"\nexec = ["/bin/true"]\n'
                'working_directory = "/nonexistent/dir"\n',
    })
    info = ns.unit_status("lost")
    assert info["state"] == "failed", info
    assert info["Reason"] == ("cannot change to the working directory /nonexistent/dir for "
                              "/bin/true: No such file or directory"), info
