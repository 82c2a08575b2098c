"""What clients of the control socket can do to PID 1 must stay bounded: a
root client that pipelines calls and never reads its replies, text that is
not UTF-8 in STATUS= lines and unit file names, a runtime directory that
another user prepared, a flood of connections over the limit; and a client
told to use one runtime directory never asks anyone else (systemd)."""

import os
import re
import shutil
import socket
import struct
import subprocess
import time

from conftest import read_proc, wait_until
from test_companion import systemd_bus  # noqa: F401 (a fixture)

PYTHON = "/usr/bin/python3"
NOBODY = 65534
REPLACEMENT = "\ufffd"


# ---- a raw D-Bus client: sends calls, reads nothing ----------------------------

def _pad(buf, alignment):
    buf += b"\0" * (-len(buf) % alignment)


def _field(header, code, signature, value):
    _pad(header, 8)
    header += bytes([code, 1]) + signature.encode() + b"\0"
    data = value.encode()
    if signature == "g":
        header += bytes([len(data)]) + data + b"\0"
    else:
        _pad(header, 4)
        header += struct.pack("<I", len(data)) + data + b"\0"


def method_call(serial, member, path="/org/fastinit1", interface="org.fastinit1.Manager"):
    """One METHOD_CALL message without arguments, in D-Bus wire format."""
    header = bytearray(b"l\x01\x00\x01" + struct.pack("<II", 0, serial) + b"\0\0\0\0")
    _field(header, 1, "o", path)
    _field(header, 2, "s", interface)
    _field(header, 3, "s", member)
    _field(header, 6, "s", "org.fastinit1")
    struct.pack_into("<I", header, 12, len(header) - 16)
    _pad(header, 8)
    return bytes(header)


def connect(path):
    """A connection through the SASL handshake (ANONYMOUS: we are outside the
    namespace, where EXTERNAL cannot tell our pid)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.sendall(b"\0AUTH ANONYMOUS " + b"hostile".hex().encode() + b"\r\n")
    answer = b""
    while b"\r\n" not in answer:
        chunk = s.recv(256)
        assert chunk, f"the manager closed the connection during the handshake: {answer!r}"
        answer += chunk
    assert answer.startswith(b"OK"), answer
    s.sendall(b"BEGIN\r\n")
    return s


def send_without_reading(s, calls, member="ListUnits", timeout=20):
    """Pipelines `calls` calls; stops when the manager hangs up on us.
    Returns how many were sent."""
    s.settimeout(timeout)
    sent = 0
    try:
        for serial in range(1, calls + 1):
            s.sendall(method_call(serial, member))
            sent += 1
    except OSError:
        pass
    return sent


def rss_kib(pid):
    status = read_proc(pid, "status") or ""
    match = re.search(r"VmRSS:\s+(\d+) kB", status)
    assert match, status
    return int(match.group(1))


# Many units with long descriptions: every ListUnits reply is ~100 KiB per
# 1000 characters of `width`, so unread replies add up fast.
def wide_units(width=1000, count=100):
    units = {"default": "[unit]\n"}
    for i in range(count):
        units[f"t{i:03}"] = f'[unit]\ndescription = "{"d" * width}"\n'
    return units


def test_a_client_that_never_reads_is_dropped_and_pid1_stays_small(fastinit, monkeypatch):
    # Under ASan, freed memory waits in a quarantine (256 MiB by default) and
    # counts as resident: keep it small so that RSS measures what is queued.
    asan = os.environ.get("ASAN_OPTIONS", "")
    monkeypatch.setenv("ASAN_OPTIONS", f"{asan}:quarantine_size_mb=1".lstrip(":"))
    ns = fastinit.boot(wide_units())
    ns.ctl_ok("status")
    before = rss_kib(ns.init_pid)
    hog = connect(ns.socket_path)
    # Unbounded, 1000 unread replies of ~100 KiB would grow PID 1 by ~100 MiB.
    send_without_reading(hog, 1000)
    time.sleep(1)  # let the manager handle whatever it read
    growth_mib = (rss_kib(ns.init_pid) - before) / 1024
    assert growth_mib < 48, f"PID 1 grew by {growth_mib:.0f} MiB" + ns._log_suffix()
    wait_until(lambda: "dropping a client of uid 0" in ns.read_log(), 10,
               "the manager to drop the client", on_timeout=ns._log_suffix)
    hog.close()
    # Everyone else is still served.
    assert ns.ctl_ok("status").returncode == 0
    assert ns.alive()


def test_shutdown_does_not_wait_for_a_client_that_does_not_read(fastinit):
    ns = fastinit.boot(wide_units(width=4000))
    # Few enough calls to stay under the limit, enough replies (~24 MiB) to
    # fill the socket (sd-bus asks for 8 MiB of send buffer, the kernel
    # doubles it): the manager has data it cannot write.
    lazy = connect(ns.socket_path)
    send_without_reading(lazy, 60)
    time.sleep(1)
    assert "dropping a client" not in ns.read_log()
    try:
        took = ns.stop(timeout=15)
    finally:
        lazy.close()
    assert took < 15


def test_invalid_utf8_in_status_and_unit_paths_shows_replacement_characters(fastinit):
    """A STATUS= line and a unit directory that are not UTF-8 reach ListUnits
    and GetUnit as U+FFFD; a unit file named so is refused by name and the
    manager carries on."""
    sender = ("import os, socket, time\n"
              "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)\n"
              "s.sendto(b'STATUS=caf\\xc3 \\xff done\\nREADY=1', os.environ['NOTIFY_SOCKET'])\n"
              "time.sleep(1000)\n")
    units = {
        "default": '[unit]\nwants = ["talker"]\n',
        "talker": f"""
            [service]
            type = "notify"
            exec = ["{PYTHON}", "-c", '''{sender}''']
        """,
    }
    ns = fastinit.new(units)
    odd_dir = os.path.join(os.fsencode(ns.dir), b"units\xff")
    shutil.copytree(os.fsencode(ns.unit_dir), odd_dir)
    with open(os.path.join(odd_dir, b"bad\xff\xfe.toml"), "w") as f:
        f.write("[unit]\n")
    ns.start(unit_dir=odd_dir)
    ns.wait_state("talker", "active")
    os.chmod(ns.socket_path, 0o666)  # so that not only root can ask
    for user in (None, "nobody"):
        listing = ns.ctl("status", user=user)
        assert listing.returncode == 0, (user, listing.stderr)
        assert f"caf{REPLACEMENT} {REPLACEMENT} done" in listing.stdout, listing.stdout
        detail = ns.ctl("status", "talker", user=user)
        assert detail.returncode == 0, (user, detail.stderr)
        assert f"caf{REPLACEMENT} {REPLACEMENT} done" in detail.stdout, detail.stdout
        assert f"units{REPLACEMENT}/talker.toml" in detail.stdout, detail.stdout
    blame = ns.ctl("analyze", "blame")
    assert blame.returncode == 0, blame.stderr
    with open(ns.timeline_path, "rb") as f:
        f.read().decode("utf-8")  # strict: boot.json is UTF-8
    assert ns.alive()


def private_dir_from_log(ns):
    match = re.search(r"PID 1 uses (\S+) instead", ns.read_log())
    return match.group(1) if match else None


def test_a_runtime_dir_of_another_user_is_refused(fastinit):
    ns = fastinit.new({"default": "[unit]\n"})
    victim = os.path.join(ns.dir, "victim")
    with open(victim, "w") as f:
        f.write("precious\n")
    os.chown(ns.runtime_dir, NOBODY, NOBODY)
    # What the other user planted: the old temporary name of boot.json.
    os.symlink(victim, os.path.join(ns.runtime_dir, "boot.json.tmp"))
    os.symlink(victim, os.path.join(ns.runtime_dir, "boot.json"))

    # By hand (not PID 1), the manager refuses to start.
    r = subprocess.run([ns.bin, "--units", ns.unit_dir, "--runtime-dir", ns.runtime_dir],
                       capture_output=True, text=True, timeout=20)
    assert r.returncode != 0, r
    assert f"refusing {ns.runtime_dir}: it belongs to uid {NOBODY}" in r.stderr, r.stderr

    # PID 1 keeps going, in a directory of its own, and says where.
    ns.wait_socket = lambda *args, **kwargs: None
    ns.start(wait=False)
    private = wait_until(lambda: private_dir_from_log(ns), 20, "the manager to name its own dir",
                         on_timeout=ns._log_suffix)
    # The private directory is in the namespace's own /run.
    inside = ["nsenter", "--target", str(ns.init_pid), "--mount", "--pid"]
    wait_until(lambda: subprocess.run(inside + ["test", "-f", f"{private}/boot.json"]).returncode
               == 0, 20, "boot.json in the private runtime dir", on_timeout=ns._log_suffix)
    assert "runtime directory: refusing" in ns.read_log()
    status = subprocess.run(inside + [ns.bin, "--runtime-dir", private, "status"],
                            capture_output=True, text=True, timeout=20)
    assert status.returncode == 0 and "default" in status.stdout, status
    with open(victim) as f:
        assert f.read() == "precious\n"
    assert os.readlink(os.path.join(ns.runtime_dir, "boot.json")) == victim
    assert not os.path.exists(os.path.join(ns.runtime_dir, "private"))
    ns.stop()


def test_a_named_runtime_dir_never_falls_back_to_systemd(fastinit_bin, systemd_bus):  # noqa: F811
    address, record = systemd_bus
    script = 'mount -t tmpfs tmpfs /run && mkdir -p /run/systemd/system && exec "$@"'
    env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=address)
    for how in (["--runtime-dir", "/run/fastinit-dead"], []):
        run_env = dict(env, FASTINIT_RUNTIME_DIR="/run/fastinit-dead") if not how else env
        r = subprocess.run(["unshare", "--mount", "sh", "-c", script, "sh", fastinit_bin, *how,
                            "poweroff"], env=run_env, capture_output=True, text=True, timeout=30)
        assert r.returncode != 0, r
        assert "no fastinit manager at /run/fastinit-dead" in r.stderr, r.stderr
    assert record.read_text() == "", "systemd was asked"


def test_a_flood_of_refused_connections_costs_few_log_lines(fastinit):
    ns = fastinit.boot({"default": "[unit]\n"})
    held = [connect(ns.socket_path) for _ in range(64)]
    try:
        for _ in range(300):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(ns.socket_path)
            s.close()

        def refusals():
            return ns.read_log().count("refusing another")
        wait_until(refusals, 10, "a refusal in the log", on_timeout=ns._log_suffix)
        time.sleep(0.5)
        assert refusals() <= 12, f"{refusals()} log lines for 300 refused connections"
    finally:
        for s in held:
            s.close()
    wait_until(lambda: ns.ctl("status").returncode == 0, 10, "the manager to serve again")
    assert ns.alive()
