"""The shipped rescue and emergency shells: booted with the target as the
manager's start target (what fastinit.target=rescue does at a real boot),
the shell runs on the console, here a pseudo-terminal the test types into,
and comes back after it is left."""

import os
import pty
import select

import pytest

from test_base_units import render_shipped


def read_until(fd, needle, timeout=10.0):
    import time
    seen = b""
    deadline = time.monotonic() + timeout
    while needle.encode() not in seen:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"{needle!r} not seen on the console; got {seen!r}")
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                seen += os.read(fd, 4096)
            except OSError:
                break
    return seen.decode(errors="replace")


@pytest.mark.parametrize("mode", ["rescue", "emergency"])
def test_the_shell_runs_on_the_console_and_comes_back(fastinit, mode, tmp_path):
    ns = fastinit.new()
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    render_shipped(shipped)
    master, slave = pty.openpty()
    console = os.ttyname(slave)
    # Only the target and its shell (rescue's sysinit is a plain target here);
    # the console is the pty, and no sulogin (it would ask for a password).
    text = (shipped / f"{mode}-shell.toml").read_text()
    text = text.replace("/dev/console", console).replace("/sbin/sulogin", "/nonexistent/sulogin")
    units = {f"{mode}-shell": text, mode: (shipped / f"{mode}.toml").read_text()}
    if mode == "rescue":
        units["sysinit"] = "[unit]\n"
    ns.write_units(units)
    try:
        ns.start(target=mode)
        ns.wait_state(f"{mode}-shell", "active")
        ns.wait_state(mode, "active")
        read_until(master, f"fastinit: {mode} shell.")
        os.write(master, b"echo shell-says-$((6*7))\n")
        read_until(master, "shell-says-42")
        os.write(master, b"exit\n")
        # restart = "always": a new shell greets again.
        read_until(master, f"fastinit: {mode} shell.")
        os.write(master, b"echo again-$((1+1))\n")
        read_until(master, "again-2")
    finally:
        ns.stop()
        os.close(master)
        os.close(slave)


def test_the_shells_are_skipped_without_a_console(fastinit, tmp_path):
    ns = fastinit.new()
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    render_shipped(shipped)
    text = (shipped / "emergency-shell.toml").read_text()
    ns.write_units({"emergency-shell": text.replace("/dev/console", str(tmp_path / "none")),
                    "emergency": (shipped / "emergency.toml").read_text()})
    ns.start(target="emergency")
    info = ns.wait_state("emergency-shell", "skipped")
    assert info["result"] == "condition", info
    ns.wait_state("emergency", "active")
