"""Service commands (exec_start_pre, exec_start_post, exec_stop,
exec_stop_post, exec_reload), kill_signal and kill_mode, and client verbs
that wait for the result, with real processes in a PID namespace."""

import os
import struct
import time

from conftest import wait_until
from test_hostile_bus import _field, _pad, connect


def logger(ns, word, fail=None):
    """A command that appends `word` to the test's log (and exits `fail`)."""
    script = f"echo {word} >> {ns.work('log')}"
    if fail is not None:
        script += f"; exit {fail}"
    return f'["/bin/sh", "-c", "{script}"]'


def log_lines(ns):
    try:
        with open(ns.work("log")) as f:
            return f.read().split()
    except FileNotFoundError:
        return []


def boot_with(fastinit, units):
    """Boots a namespace whose default target starts nothing but `idle`,
    with `units` (functions of the namespace, for its paths) to start by hand."""
    ns = fastinit.new()
    texts = {"default": "[unit]\n"}
    for name, make in units.items():
        texts[name] = make(ns)
    ns.write_units(texts)
    ns.start()
    return ns


def test_commands_run_in_order_around_the_main_process(fastinit):
    def svc(ns):
        main = (f"echo main >> {ns.work('log')}; systemd-notify --ready; exec sleep 1000")
        return f"""
            [service]
            type = "notify"
            exec = ["/bin/sh", "-c", "{main}"]
            exec_start_pre = [{logger(ns, "pre1")}, {logger(ns, "pre2")}]
            exec_start_post = [{logger(ns, "post")}]
            exec_stop = [{logger(ns, "stop")}]
            exec_stop_post = [{logger(ns, "stop_post")}]
            start_timeout = "20s"
        """
    ns = boot_with(fastinit, {"svc": svc})
    ns.ctl_ok("start", "svc")
    # The verb waited: everything up to exec_start_post has run.
    assert log_lines(ns) == ["pre1", "pre2", "main", "post"]
    info = ns.unit_status("svc")
    assert info["state"] == "active"
    main_pid = info["pid"]

    ns.ctl_ok("stop", "svc")
    assert log_lines(ns) == ["pre1", "pre2", "main", "post", "stop", "stop_post"]
    assert ns.unit_status("svc")["state"] == "inactive"
    assert ns.host_pid(main_pid) is None


def test_a_failing_pre_command_fails_the_start_with_its_reason(fastinit):
    def bad(ns):
        return f"""
            [service]
            exec = ["/bin/sh", "-c", "touch {ns.work('main-ran')}; exec sleep 1000"]
            exec_start_pre = [{logger(ns, "pre", fail=3)}]
            exec_stop_post = [{logger(ns, "stop_post")}]
        """
    ns = boot_with(fastinit, {"bad": bad})
    r = ns.ctl("start", "bad")
    assert r.returncode == 1, r
    assert "unit bad failed: exec_start_pre command /bin/sh exited with status 3" in r.stderr
    assert not os.path.exists(ns.work("main-ran"))
    assert log_lines(ns) == ["pre", "stop_post"], "stop_post runs after a failed start too"
    info = ns.unit_status("bad")
    assert info["state"] == "failed" and info["result"] == "exit-code"


def test_a_tolerated_failure_does_not_fail_the_start(fastinit):
    def ok(ns):
        return f"""
            [service]
            exec = ["/bin/sleep", "1000"]
            exec_start_pre = [["-/bin/false"], {logger(ns, "after")}]
        """
    ns = boot_with(fastinit, {"ok": ok})
    ns.ctl_ok("start", "ok")
    assert log_lines(ns) == ["after"]
    assert ns.unit_status("ok")["state"] == "active"


def test_start_reports_a_failing_main_process_and_no_block_does_not_wait(fastinit):
    def fails(ns):
        return """
            [service]
            type = "oneshot"
            exec = ["/bin/sh", "-c", "sleep 0.3; exit 3"]
        """
    ns = boot_with(fastinit, {"fails": fails})
    r = ns.ctl("start", "fails")
    assert r.returncode == 1
    assert "unit fails failed: exited with status 3" in r.stderr, r.stderr

    # The same failing start without waiting for it: the request was taken.
    r = ns.ctl("start", "--no-block", "fails")
    assert r.returncode == 0, r.stderr
    ns.wait_state("fails", "failed")


def test_start_gives_up_after_its_timeout_and_says_so(fastinit):
    def slow(ns):
        return """
            [service]
            type = "notify"
            exec = ["/bin/sleep", "1000"]
            start_timeout = "60s"
        """
    ns = boot_with(fastinit, {"slow": slow})
    began = time.monotonic()
    r = ns.ctl("start", "--timeout", "500ms", "slow")
    assert r.returncode == 1
    assert time.monotonic() - began < 5
    assert "no result within 500ms" in r.stderr, r.stderr
    assert ns.unit_status("slow")["state"] == "starting"


def test_restart_waits_until_the_unit_is_back(fastinit):
    def svc(ns):
        return f"""
            [service]
            type = "notify"
            exec = ["/bin/sh", "-c", "sleep 0.3; systemd-notify --ready; exec sleep 1000"]
            start_timeout = "20s"
        """
    ns = boot_with(fastinit, {"svc": svc})
    ns.ctl_ok("start", "svc")
    first = ns.unit_status("svc")
    ns.ctl_ok("restart", "svc")
    second = ns.unit_status("svc")
    assert second["state"] == "active"
    assert second["pid"] not in (0, first["pid"])


def test_reload_runs_exec_reload_and_tells_its_failure(fastinit):
    def svc(ns):
        return f"""
            [service]
            exec = ["/bin/sleep", "1000"]
            exec_reload = [["/bin/sh", "-c", "sleep 0.2; echo reloaded >> {ns.work('log')}; test ! -e {ns.work('break')}"]]
        """
    ns = boot_with(fastinit, {"svc": svc, "target": lambda ns: "[unit]\n"})
    ns.ctl_ok("start", "svc")
    ns.ctl_ok("reload", "svc")
    assert log_lines(ns) == ["reloaded"], "reload returned before exec_reload was done"
    open(ns.work("break"), "w").close()
    r = ns.ctl("reload", "svc")
    assert r.returncode == 1
    assert "unit svc failed to reload: exec_reload command /bin/sh exited with status 1" in r.stderr
    assert ns.unit_status("svc")["state"] == "active"

    r = ns.ctl("reload", "target")
    assert r.returncode == 1 and "target cannot reload" in r.stderr, r.stderr


def test_reload_sends_reload_signal_to_the_main_process(fastinit):
    def svc(ns):
        main = (f"trap 'echo usr1 >> {ns.work('log')}' USR1; "
                f"touch {ns.work('ready')}; while :; do sleep 0.05; done")
        return f"""
            [service]
            exec = ["/bin/sh", "-c", "{main}"]
            reload_signal = "SIGUSR1"
        """
    ns = boot_with(fastinit, {"svc": svc})
    ns.ctl_ok("start", "svc")
    wait_until(lambda: os.path.exists(ns.work("ready")), 10, "the trap to be set")
    ns.ctl_ok("reload", "svc")
    wait_until(lambda: log_lines(ns) == ["usr1"], 10, "the service to see SIGUSR1")
    assert ns.unit_status("svc")["state"] == "active"


def test_reload_of_a_notify_service_lasts_until_it_is_ready_again(fastinit, fastinit_bin):
    def svc(ns):
        on_hup = (f"{fastinit_bin} notify --reloading; sleep 0.3; "
                  f"echo reloaded >> {ns.work('log')}; {fastinit_bin} notify --ready")
        main = (f"trap '{on_hup}' HUP; {fastinit_bin} notify --ready; "
                f"while :; do sleep 0.05; done")
        return f"""
            [service]
            type = "notify"
            exec = ["/bin/sh", "-c", "{main}"]
            start_timeout = "20s"
        """
    ns = boot_with(fastinit, {"svc": svc})
    ns.ctl_ok("start", "svc")
    ns.ctl_ok("reload", "svc")
    assert log_lines(ns) == ["reloaded"], "reload returned before READY=1"
    assert ns.unit_status("svc")["state"] == "active"


def test_kill_signal_is_what_a_stop_sends(fastinit):
    def svc(ns):
        main = (f"trap 'echo int >> {ns.work('log')}; exit 0' INT; "
                f"touch {ns.work('ready')}; while :; do sleep 0.05; done")
        return f"""
            [service]
            exec = ["/bin/sh", "-c", "{main}"]
            kill_signal = "SIGINT"
        """
    ns = boot_with(fastinit, {"svc": svc})
    ns.ctl_ok("start", "svc")
    wait_until(lambda: os.path.exists(ns.work("ready")), 10, "the trap to be set")
    ns.ctl_ok("stop", "svc")
    # SIGINT, and nothing else; the shell may see it twice (sent to the
    # main process and to its cgroup, which also holds it).
    lines = log_lines(ns)
    assert lines and set(lines) == {"int"}, lines


def stray_alive(ns, marker):
    for pid in ns.processes():
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if marker in f.read().decode(errors="replace"):
                    return True
        except OSError:
            pass
    return False


def test_kill_mode_process_leaves_what_the_service_started(fastinit):
    def unit(mode, marker):
        # The stray leaves the service's session and process group: only
        # the cgroup (or kill_mode) says it belongs to the service.
        return lambda ns: f"""
            [service]
            exec = ["/bin/sh", "-c", "setsid sleep {marker} & exec sleep 1000"]
            kill_mode = "{mode}"
        """
    ns = boot_with(fastinit, {"p": unit("process", 4441), "c": unit("control-group", 4442)})
    ns.ctl_ok("start", "p", "c")
    wait_until(lambda: stray_alive(ns, "sleep\x004441") and stray_alive(ns, "sleep\x004442"), 10,
               "both strays to run")
    ns.ctl_ok("stop", "p", "c")
    assert stray_alive(ns, "sleep\x004441"), "kill_mode = process stopped a stray process"
    wait_until(lambda: not stray_alive(ns, "sleep\x004442"), 10,
               "control-group to stop the stray too")


def test_shutdown_runs_exec_stop_then_the_shutdown_targets_units(fastinit):
    ns = fastinit.new()
    ns.write_units({
        "default": '[unit]\nwants = ["svc", "late"]\n',
        "svc": f"""
            [service]
            exec = ["/bin/sleep", "1000"]
            exec_stop = [{logger(ns, "stop-svc")}]
        """,
        # Ordered after svc: stopped before it.
        "late": f"""
            [unit]
            after = ["svc"]
            [service]
            type = "oneshot"
            exec = ["/bin/true"]
            exec_stop = [{logger(ns, "stop-late")}]
        """,
        "shutdown": "[unit]\n",
        "final": f"""
            [unit]
            wanted_by = ["shutdown"]
            after = ["svc"]
            before = ["shutdown"]
            [service]
            type = "oneshot"
            exec = {logger(ns, "final")}
        """,
    })
    ns.start()
    ns.wait_state("late", "active")
    assert ns.unit_status("final")["state"] == "inactive"
    assert log_lines(ns) == []
    ns.stop()
    assert log_lines(ns) == ["stop-late", "stop-svc", "final"]


def wait_unit_call(serial, name):
    """A WaitUnit(name) METHOD_CALL in D-Bus wire format."""
    header = bytearray(b"l\x01\x00\x01" + struct.pack("<II", 0, serial) + b"\0\0\0\0")
    _field(header, 1, "o", "/org/fastinit1")
    _field(header, 2, "s", "org.fastinit1.Manager")
    _field(header, 3, "s", "WaitUnit")
    _field(header, 6, "s", "org.fastinit1")
    _field(header, 8, "g", "s")
    struct.pack_into("<I", header, 12, len(header) - 16)
    _pad(header, 8)
    data = name.encode()
    body = struct.pack("<I", len(data)) + data + b"\0"
    struct.pack_into("<I", header, 4, len(body))
    return bytes(header) + body


def test_other_users_waiting_cannot_crowd_out_roots_wait(fastinit):
    def never_ready(ns):
        return """
            [service]
            type = "notify"
            exec = ["/bin/sleep", "1000"]
            start_timeout = "60s"
        """
    def quick(ns):
        return """
            [service]
            type = "oneshot"
            exec = ["/bin/true"]
        """
    ns = boot_with(fastinit, {"slow": never_ready, "quick": quick})
    ns.ctl_ok("start", "--no-block", "slow")
    os.chmod(ns.socket_path, 0o666)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # nobody: 70 waits, then count the refusals
        try:
            os.close(read_end)
            os.setgroups([])
            os.setresgid(65534, 65534, 65534)
            os.setresuid(65534, 65534, 65534)
            s = connect(ns.socket_path)
            for serial in range(1, 71):
                s.sendall(wait_unit_call(serial, "slow"))
            s.settimeout(2)
            got = b""
            try:
                while got.count(b"too many calls wait") < 6:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    got += chunk
            except OSError:
                pass
            os.write(write_end, str(got.count(b"too many calls wait")).encode())
            time.sleep(5)  # holds its 64 waits while root asks
        finally:
            os._exit(0)
    os.close(write_end)
    try:
        refused = int(os.read(read_end, 16) or b"-1")
        assert refused == 6, "other users' waits beyond 64 must be refused"
        ns.ctl_ok("start", "quick")
    finally:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
