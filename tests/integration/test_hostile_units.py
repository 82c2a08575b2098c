"""Unit files that would crash, bloat or poison PID 1: inputs toml++ 3.3.0
cannot survive, a file over the 1 MiB cap, environment names with '=' or a
newline. Each is reported broken naming its file and left out; the good
units next to them run; fastinit stays up. And a service whose user cannot
be switched to fails with that reason, not as "cannot execute"."""

import ctypes
import os
import time

from conftest import proc_state

MIB = 1 << 20

GOOD = {
    "default": '[unit]\nwants = ["sleeper", "marker", "t1", "t2", "t3", "t4", "huge", "envbad"]\n',
    "sleeper": '[service]\ntype = "simple"\nexec = ["/bin/sleep", "1000"]\n',
}

# name → bytes: the toml++ 3.3.0 inputs (abort on an assertion, or
# __builtin_unreachable() in every build), as whole files.
CRASHERS = {
    "t1": b"[[[",
    "t2": b"a = [[[",
    "t3": b"\xd1\xa8u",
    "t4": b"[unit]\ndescription = 1979-05-27T;0z:32970p\n",
}

# What each is refused for: the guard's sentence where it knows the input,
# else toml++'s own error (after the pre-flight child survived the file).
REFUSED_FOR = {
    "t1": ":1:1: error: a table header must begin with a key name",
    "t2": ":1:8: error: Error while parsing array: encountered end-of-file",
    "t3": ":1:1: error: a non-ASCII character outside strings and comments",
    "t4": ":2:25: error: a date-time needs a time right after its T",
}


def write_bytes(ns, name, data):
    with open(os.path.join(ns.unit_dir, name + ".toml"), "wb") as f:
        f.write(data)


def error_lines_for(log, path):
    """The error lines about the file at `path` (after the log's prefix)."""
    return [line for line in log.splitlines()
            if line.removeprefix("fastinit: ").startswith(path + ":") and "error: " in line]


def test_hostile_unit_files_are_left_out_and_the_boot_goes_on(fastinit):
    ns = fastinit.new(GOOD)
    marker = ns.work("marker-ran")
    ns.write_units({"marker": f'[service]\ntype = "oneshot"\nexec = ["/bin/touch", "{marker}"]\n'})
    for name, data in CRASHERS.items():
        write_bytes(ns, name, data)
    # Valid TOML, and a valid unit but for its size.
    huge = b'[service]\nexec = ["/bin/sleep", "1000"]\n' + (b"#" * 1023 + b"\n") * (MIB // 1024)
    assert len(huge) > MIB
    write_bytes(ns, "huge", huge)
    write_bytes(ns, "envbad", b'[service]\nexec = ["/bin/sleep", "1000"]\n'
                              b'[service.environment]\nOK = "1"\n"A=B" = "2"\n"EVIL\\nX" = "3"\n')
    ns.start()
    log = ns.read_log()

    for name in list(CRASHERS) + ["huge", "envbad"]:
        path = os.path.join(ns.unit_dir, name + ".toml")
        assert error_lines_for(log, path), f"no error naming {path} in:\n{log}"
        info = ns.unit_status(name)
        assert info["state"] == "failed", info
        assert "unit file is broken" in info["Reason"], info
    for name, fragment in REFUSED_FOR.items():
        lines = error_lines_for(log, os.path.join(ns.unit_dir, name + ".toml"))
        assert any(fragment in line for line in lines), lines
    huge_path = os.path.join(ns.unit_dir, "huge.toml")
    assert any("larger than 1048576 bytes" in line for line in error_lines_for(log, huge_path))
    env_lines = error_lines_for(log, os.path.join(ns.unit_dir, "envbad.toml"))
    assert any(':5:1: error: service.environment.A=B: "A=B" is not a valid variable name' in line
               for line in env_lines), env_lines
    assert any(':6:1: error: service.environment.EVIL\\nX: "EVIL\\nX" is not a valid' in line
               for line in env_lines), env_lines
    assert "loaded 3 units (6 broken)" in log, log

    # The good units ran, as real processes.
    info = ns.wait_state("sleeper", "active")
    assert ns.cmdline_of_ns_pid(info["pid"]) == ["/bin/sleep", "1000"]
    assert os.path.exists(marker), "the oneshot next to the broken files did not run"
    assert ns.unit_status("default")["state"] == "active"

    # fastinit is alive and well.
    time.sleep(0.2)
    assert ns.alive(), "the namespace ended: PID 1 died"
    assert proc_state(ns.init_pid) in ("S", "R")
    assert "PID 1 crashed" not in ns.read_log()
    ns.stop()


def test_check_reports_the_same_files_and_survives(fastinit):
    ns = fastinit.new(GOOD)
    for name, data in CRASHERS.items():
        write_bytes(ns, name, data)
    r = ns.ctl("check", ns.unit_dir)
    assert r.returncode == 1, r
    for name in CRASHERS:
        lines = error_lines_for(r.stdout, os.path.join(ns.unit_dir, name + ".toml"))
        assert any(REFUSED_FOR[name] in line for line in lines), r.stdout
    assert "2 units loaded, 4 broken" in r.stdout, r.stdout


PR_CAPBSET_DROP = 24
CAP_SETUID = 7


def drop_cap_setuid():
    """In the child before exec: fastinit (root) will start without
    CAP_SETUID, so every setresuid to another user fails with EPERM."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_CAPBSET_DROP, CAP_SETUID, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def test_a_user_that_cannot_be_switched_to_is_named_as_the_reason(fastinit):
    ns = fastinit.new({
        "default": '[unit]\nwants = ["as-user", "as-root"]\n',
        "as-user": '[service]\ntype = "oneshot"\nexec = ["/bin/true"]\nuser = "4242"\n',
        "as-root": '[service]\ntype = "oneshot"\nexec = ["/bin/true"]\n',
    })
    ns.start(preexec=drop_cap_setuid)
    info = ns.unit_status("as-user")
    assert info["state"] == "failed", info
    assert info["Reason"] == ("cannot switch to user 4242 for /bin/true: setresuid: "
                              "Operation not permitted"), info
    assert ns.unit_status("as-root")["state"] == "active"
    assert ns.alive()
