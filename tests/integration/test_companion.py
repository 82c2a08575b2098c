"""Companion mode: on a host whose PID 1 is systemd, `fastinit reboot` loads
the kernel itself and asks systemd over the system bus to start
kexec.target; `coldreboot`, `poweroff` and `halt` ask for their targets.

The "system bus" is a real dbus-daemon on a private socket, and systemd is a
small fake (tests/helpers/fake_systemd1.c) that records StartUnit calls. The
client runs in a private mount namespace with a tmpfs on /run holding
/run/systemd/system, which is how sd_booted() tells that systemd is PID 1;
the kernel load goes through the test loader."""

import os
import subprocess
import time

import pytest

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_type="method_return"/>
    <allow send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
  </policy>
</busconfig>
"""


@pytest.fixture
def systemd_bus(fastinit_bin, tmp_path):
    """A dbus-daemon with the fake systemd on it: yields (address, record file)."""
    fake = os.path.normpath(os.path.join(os.path.dirname(fastinit_bin), "..", "tests",
                                         "fake-systemd1"))
    assert os.access(fake, os.X_OK), f"{fake} is missing: ninja -C BUILDDIR tests/fake-systemd1"
    socket = tmp_path / "system_bus"
    config = tmp_path / "bus.conf"
    config.write_text(BUS_CONFIG.format(socket=socket))
    record = tmp_path / "calls"
    record.write_text("")
    address = f"unix:path={socket}"
    daemon = subprocess.Popen(["dbus-daemon", "--nofork", f"--config-file={config}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    service = None
    try:
        deadline = time.monotonic() + 10
        while not socket.exists():
            assert daemon.poll() is None, daemon.stderr.read().decode()
            assert time.monotonic() < deadline, "dbus-daemon did not start"
            time.sleep(0.01)
        service = subprocess.Popen([fake, address, str(record)], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        assert service.stdout.readline().strip() == "ready", service.stderr.read()
        yield address, record
    finally:
        for p in (service, daemon):
            if p is not None:
                p.kill()
                p.wait()


def as_if_systemd_were_pid1(fastinit_bin, address, *args):
    script = ('mount -t tmpfs tmpfs /run && mkdir -p /run/systemd/system && '
              'exec "$@"')
    env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=address)
    # No --runtime-dir: the fresh /run has no /run/fastinit, and a named
    # runtime directory would never fall back to systemd.
    return subprocess.run(["unshare", "--mount", "sh", "-c", script, "sh", fastinit_bin, *args],
                          env=env, capture_output=True, text=True, timeout=30)


def kernel_fixture(tmp_path):
    kernel = tmp_path / "vmlinuz"
    kernel.write_bytes(b"MZ not a kernel")
    cmdline = tmp_path / "cmdline"
    cmdline.write_text("root=/dev/sda1 ro quiet fastinit.reprobe\n")
    loaded = tmp_path / "kexec_loaded"
    loaded.write_text("0\n")
    return kernel, cmdline, loaded


def test_reboot_loads_the_kernel_then_asks_systemd_for_kexec_target(fastinit_bin, systemd_bus,
                                                                     tmp_path):
    address, record = systemd_bus
    kernel, cmdline, loaded = kernel_fixture(tmp_path)
    r = as_if_systemd_were_pid1(fastinit_bin, address, "reboot", "--test-loader", str(loaded),
                                "--kernel", str(kernel), "--proc-cmdline", str(cmdline))
    assert r.returncode == 0, r.stderr
    assert loaded.read_text().strip() == "1", "the kernel is loaded before systemd is asked"
    image = open(str(loaded) + ".image").read()
    assert "root=/dev/sda1 ro quiet" in image and "fastinit.reprobe" not in image, image
    assert record.read_text().splitlines() == ["StartUnit kexec.target replace-irreversibly"]


def test_failed_load_asks_systemd_for_a_cold_reboot(fastinit_bin, systemd_bus, tmp_path):
    address, record = systemd_bus
    kernel, cmdline, loaded = kernel_fixture(tmp_path)
    r = as_if_systemd_were_pid1(fastinit_bin, address, "reboot", "--test-loader", str(loaded),
                                "--kernel", str(tmp_path / "missing"), "--proc-cmdline",
                                str(cmdline))
    assert "rebooting through the firmware instead" in r.stdout + r.stderr, r
    assert record.read_text().splitlines() == ["StartUnit reboot.target replace-irreversibly"]


def test_coldreboot_unloads_then_asks_for_reboot_target(fastinit_bin, systemd_bus, tmp_path):
    address, record = systemd_bus
    kernel, cmdline, loaded = kernel_fixture(tmp_path)
    loaded.write_text("1\n")
    r = as_if_systemd_were_pid1(fastinit_bin, address, "coldreboot", "--test-loader",
                                str(loaded))
    assert r.returncode == 0, r.stderr
    assert loaded.read_text().strip() == "0", "a staged kernel is unloaded first"
    assert record.read_text().splitlines() == ["StartUnit reboot.target replace-irreversibly"]


def test_poweroff_and_halt_ask_for_their_targets(fastinit_bin, systemd_bus):
    address, record = systemd_bus
    for verb in ("poweroff", "halt"):
        r = as_if_systemd_were_pid1(fastinit_bin, address, verb)
        assert r.returncode == 0, r.stderr
    assert record.read_text().splitlines() == [
        "StartUnit poweroff.target replace-irreversibly",
        "StartUnit halt.target replace-irreversibly"]


def test_without_systemd_or_a_manager_nothing_is_loaded(fastinit_bin, tmp_path):
    kernel, cmdline, loaded = kernel_fixture(tmp_path)
    r = subprocess.run([fastinit_bin, "--runtime-dir", str(tmp_path / "none"), "reboot",
                        "--test-loader", str(loaded), "--kernel", str(kernel),
                        "--proc-cmdline", str(cmdline)],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode != 0
    assert "no fastinit manager is running" in r.stderr, r.stderr
    assert loaded.read_text().strip() == "0"
