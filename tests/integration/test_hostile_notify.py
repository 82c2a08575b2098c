"""What services and local users can send PID 1 must not crash, freeze or
hijack it: deaths by real-time signals, MAINPID= of others, fds that linger
on close, floods and overlong datagrams on the notify socket (mode 0666)."""

import os
import subprocess
import time

from conftest import wait_until

PYTHON = "/usr/bin/python3"


def nobody_service(script, type_="notify", extra=""):
    """A unit running `python3 -c script` as nobody (a TOML literal string
    holds the script as it is)."""
    return f"""
        [service]
        type = "{type_}"
        exec = ["{PYTHON}", "-c", '''{script}''']
        user = "nobody"
        group = "nogroup"
        {extra}
    """


BYSTANDER = """
    [service]
    type = "simple"
    exec = ["/bin/sleep", "1000"]
"""


def assert_running(ns, name, argv):
    """`name` is active and its process is still the one it started."""
    info = ns.unit_status(name)
    assert info["state"] == "active", info
    assert ns.cmdline_of_ns_pid(info["pid"]) == argv, info
    return info


def test_deaths_by_real_time_signals_are_recorded(fastinit):
    """sigabbrev_np() has no name for real-time signals: formatting one made
    PID 1 dereference NULL. Every signal must be named and recorded."""
    kill_by_python = "import os; os.kill(os.getpid(), {})"
    units = {
        "default": '[unit]\nwants = ["rtmin", "sig32", "sig33", "sig40", "sig64", "bystander"]\n',
        # As in the issue: a shell as nobody kills itself with SIGRTMIN.
        "rtmin": """
            [service]
            type = "simple"
            exec = ["/bin/sh", "-c", "kill -s RTMIN $$"]
            user = "nobody"
            group = "nogroup"
        """,
        "bystander": BYSTANDER,
    }
    for signal in (32, 33, 40, 64):
        units[f"sig{signal}"] = nobody_service(kill_by_python.format(signal), type_="simple")
    ns = fastinit.boot(units)
    for name, number, label in (("rtmin", 34, "RTMIN"), ("sig32", 32, None),
                                ("sig33", 33, None), ("sig40", 40, "RTMIN+6"),
                                ("sig64", 64, "RTMIN+30")):
        info = ns.wait_unit(name, lambda i: i["state"] == "failed", "failed")
        assert info["result"] == "signal", info
        assert f"killed by signal {number} (" in info.get("Exit", ""), info
        if label:
            assert f"({label})" in info["Exit"], info
    assert ns.alive()
    assert_running(ns, "bystander", ["/bin/sleep", "1000"])


def test_mainpid_1_does_not_let_a_start_timeout_signal_every_process(fastinit):
    """MAINPID=1 from a service that then never becomes ready: the start
    timeout used to send kill(1, SIGTERM) and kill(-1, SIGTERM), i.e. to
    every process."""
    attacker = """
import os, socket, time
socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b"MAINPID=1", os.environ["NOTIFY_SOCKET"])
time.sleep(1000)
"""
    ns = fastinit.boot({
        "default": '[unit]\nwants = ["attacker", "bystander"]\n',
        "attacker": nobody_service(attacker, extra='start_timeout = "1s"\nstop_timeout = "1s"'),
        "bystander": BYSTANDER,
    })
    info = ns.wait_unit("attacker", lambda i: i["state"] == "failed", "failed")
    assert info["result"] == "timeout", info
    assert ns.alive()
    assert_running(ns, "bystander", ["/bin/sleep", "1000"])
    assert "ignored MAINPID=1, not a process of attacker" in ns.read_log()


def test_mainpid_of_another_service_does_not_let_a_stop_kill_it(fastinit):
    """A service as nobody names a root service's pid as its main pid, then
    is stopped: the stop must not signal the root service."""
    attacker = """
import os, socket, time
victim = None
for _ in range(500):
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                if f.read() == b"/bin/sleep\\x004242\\x00":
                    victim = entry
        except OSError:
            pass
    if victim:
        break
    time.sleep(0.01)
message = f"MAINPID={victim}\\nREADY=1".encode()
socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(message, os.environ["NOTIFY_SOCKET"])
time.sleep(1000)
"""
    ns = fastinit.boot({
        "default": '[unit]\nwants = ["victim", "attacker"]\n',
        "victim": """
            [service]
            type = "simple"
            exec = ["/bin/sleep", "4242"]
        """,
        "attacker": nobody_service(attacker, extra='start_timeout = "10s"\nstop_timeout = "2s"')
        .replace("[service]", '[unit]\nafter = ["victim"]\n\n[service]'),
    })
    victim = assert_running(ns, "victim", ["/bin/sleep", "4242"])
    attacker_info = ns.wait_state("attacker", "active")

    ns.ctl_ok("stop", "attacker")
    ns.wait_state("attacker", "inactive")
    assert ns.alive()
    assert assert_running(ns, "victim", ["/bin/sleep", "4242"])["pid"] == victim["pid"]
    # The attacker's main pid never changed; the attempt was logged.
    assert attacker_info["pid"] != victim["pid"], attacker_info
    assert f"ignored MAINPID={victim['pid']}, not a process of attacker" in ns.read_log()


# Sends PID 1 (over its notify socket) a TCP socket whose peer never reads,
# with unsent data and SO_LINGER of an hour, then closes its own copy: the
# last close, in PID 1, would wait for that hour. Prints "sent" and stays
# alive (the listener must not go away, or the connection would reset).
LINGER_SENDER = r"""
import array, socket, struct, sys, time
listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
listener.bind(("127.0.0.1", 0))
listener.listen(1)
client = socket.socket()
client.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
client.connect(listener.getsockname())
client.setblocking(False)
refused = 0
while refused < 5:
    try:
        client.send(b"x" * 65536)
        refused = 0
    except BlockingIOError:
        refused += 1
        time.sleep(0.02)
client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 3600))
notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
fds = array.array("i", [client.fileno()])
notify.sendmsg([b"FDSTORE=1"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds)], 0, sys.argv[1])
client.detach()
import os
os.close(fds[0])
print("sent", flush=True)
time.sleep(1000)
"""


def test_a_lingering_fd_passed_by_any_user_does_not_freeze_pid_1(fastinit):
    ns = fastinit.boot({
        "default": '[unit]\nwants = ["bystander"]\n',
        "bystander": BYSTANDER,
        # Started after the attack: needs reaping, the notify socket and
        # BARRIER=1 (systemd-notify waits until its fd is closed).
        "later": """
            [service]
            type = "notify"
            exec = ["/bin/sh", "-c", "systemd-notify --ready --status=later; exec sleep 1000"]
            start_timeout = "10s"
        """,
    })
    sender = subprocess.Popen(
        ["setpriv", "--reuid", "nobody", "--regid", "nogroup", "--clear-groups",
         PYTHON, "-c", LINGER_SENDER, os.path.join(ns.runtime_dir, "notify")],
        stdout=subprocess.PIPE, text=True)
    try:
        assert sender.stdout.readline().strip() == "sent"
        time.sleep(0.5)  # PID 1 has received and closed it by now
        begin = time.monotonic()
        r = ns.ctl("status", timeout=10)
        assert r.returncode == 0, r.stderr
        assert time.monotonic() - begin < 5
        ns.ctl_ok("start", "later", timeout=10)
        info = ns.wait_state("later", "active")
        assert info["Status"] == "later"
        assert ns.alive()
        assert_running(ns, "bystander", ["/bin/sleep", "1000"])
    finally:
        sender.kill()
        sender.wait()


def test_a_flood_of_stray_notifications_costs_a_few_log_lines(fastinit):
    ns = fastinit.boot({"default": '[unit]\nwants = ["bystander"]\n', "bystander": BYSTANDER})
    flood = ("import socket, sys\n"
             "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)\n"
             "for i in range(3000):\n"
             "    s.sendto(b'READY=1', sys.argv[1])\n")
    # From a process inside the namespace that belongs to no unit.
    subprocess.run(["nsenter", "--target", str(ns.init_pid), "--pid", "--",
                    "setpriv", "--reuid", "nobody", "--regid", "nogroup", "--clear-groups",
                    PYTHON, "-c", flood, os.path.join(ns.runtime_dir, "notify")],
                   check=True, timeout=30)
    assert ns.ctl("status").returncode == 0
    log = ns.read_log()
    lines = log.count("ignored a notification from pid")
    assert 1 <= lines <= 20, lines
    assert "belongs to no unit" in log
    assert_running(ns, "bystander", ["/bin/sleep", "1000"])


def test_an_overlong_notification_is_ignored_not_cut(fastinit):
    """Cut at the buffer's size, the datagram's first 4 KiB would be read as
    a whole message (here: READY=1)."""
    sender = """
import os, socket, time
message = b"READY=1\\n" + b"X-PADDING=" + b"x" * 5000
socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(message, os.environ["NOTIFY_SOCKET"])
time.sleep(1000)
"""
    ns = fastinit.boot({
        "default": '[unit]\nwants = ["long"]\n',
        "long": nobody_service(sender, extra='start_timeout = "1s"\nstop_timeout = "1s"'),
    })
    info = ns.wait_unit("long", lambda i: i["state"] == "failed", "failed")
    assert info["result"] == "timeout", info
    assert "longer than 4096 bytes" in ns.read_log()
    assert ns.alive()
