"""`fastinit reboot` (kexec) and its fallbacks, against a manager that is
PID 1 of a PID namespace. The kernel "load" goes through the client's test
loader (it records the load in a file and never calls kexec_file_load), and
the manager checks that file instead of the host's /sys/kernel/kexec_loaded.
In a PID namespace reboot(2) ends the namespace: RB_KEXEC is refused there
(EINVAL), so PID 1 falls back to a firmware reboot, which ends it with
SIGHUP; a power-off ends it with SIGINT."""

import os
import signal
import subprocess

import pytest

from test_shutdown import read_lines, trap_unit, wait_started

REUSED = "using the kernel staged by `fastinit kexec load` (unchanged)"


def start_with_test_loader(fastinit):
    ns = fastinit.new()
    log = ns.work("stops.log")
    loaded = ns.work("kexec_loaded")
    with open(loaded, "w") as f:
        f.write("0\n")
    with open(ns.work("vmlinuz"), "wb") as f:
        f.write(b"MZ not really a kernel")
    with open(ns.work("cmdline"), "w") as f:
        f.write("BOOT_IMAGE=/vmlinuz root=/dev/vda rw fastinit.reprobe quiet\n")
    with open(ns.work("devices.db"), "wb") as f:
        f.write(b"a device cache, as far as the snapshot is concerned")
    ns.write_units({
        "default": '[unit]\nwants = ["a", "b"]\n',
        "a": trap_unit(ns, "a", log),
        "b": trap_unit(ns, "b", log, requires=["a"]),
    })
    ns.start(extra_args=["--kexec-loaded-path", loaded])
    wait_started(ns, log, "ab")
    return ns, log, loaded


def selection_args(ns, loaded, *extra):
    return ["--test-loader", loaded, "--kernel", ns.work("vmlinuz"),
            "--proc-cmdline", ns.work("cmdline"), "--device-cache", ns.work("devices.db"), *extra]


def reboot_args(ns, loaded, *extra):
    return ["reboot", *selection_args(ns, loaded, *extra)]


def stage(ns, loaded):
    """`fastinit kexec load`, then forgets the test loader's description of
    the image: each load rewrites loaded.image, so its absence afterwards
    shows that nothing loaded again."""
    r = ns.ctl_ok("kexec", "load", *selection_args(ns, loaded))
    assert "staged" in r.stdout, r.stdout
    assert open(loaded).read().strip() == "1"
    assert os.path.exists(os.path.join(ns.runtime_dir, "kexec-staged.json"))
    os.unlink(loaded + ".image")


def stop_order(log):
    return [line.split()[1] for line in read_lines(log) if line.startswith("stop ")]


def test_kexec_reboot_loads_first_then_stops_in_order_and_jumps(fastinit):
    ns, log, loaded = start_with_test_loader(fastinit)
    r = ns.ctl(*reboot_args(ns, loaded))
    assert r.returncode == 0, r.stderr
    ns.wait_ended()
    assert open(loaded).read().strip() == "1"
    image = open(loaded + ".image").read()
    assert "root=/dev/vda rw quiet" in image, image
    assert "fastinit.reprobe" not in image and "BOOT_IMAGE" not in image, image
    assert stop_order(log) == ["b", "a"], read_lines(log)
    manager_log = ns.read_log()
    assert "shutting down (then kexec)" in manager_log
    assert "final action: kexec" in manager_log
    # RB_KEXEC is refused in a PID namespace; the firmware-reboot fallback
    # (RB_AUTOBOOT) ends the namespace with SIGHUP.
    assert ns.proc.returncode in (-signal.SIGHUP, 128 + signal.SIGHUP), ns.proc.returncode


def test_reprobe_flag_is_added_for_the_next_boot_only(fastinit):
    ns, log, loaded = start_with_test_loader(fastinit)
    r = ns.ctl(*reboot_args(ns, loaded, "--reprobe"))
    assert r.returncode == 0, r.stderr
    ns.wait_ended()
    image = open(loaded + ".image").read()
    assert image.count("fastinit.reprobe") == 1, image


def test_failed_load_means_a_cold_reboot_not_a_half_stopped_system(fastinit):
    ns, log, loaded = start_with_test_loader(fastinit)
    r = ns.ctl("reboot", "--test-loader", loaded, "--kernel", ns.work("missing-vmlinuz"),
               "--proc-cmdline", ns.work("cmdline"))
    assert "rebooting through the firmware instead" in r.stdout + r.stderr, r
    ns.wait_ended()
    assert open(loaded).read().strip() == "0", "nothing was loaded"
    assert stop_order(log) == ["b", "a"], "an orderly stop, all of it"
    assert "shutting down (then reboot)" in ns.read_log()
    assert ns.proc.returncode in (-signal.SIGHUP, 128 + signal.SIGHUP), ns.proc.returncode


def test_failed_load_with_no_fallback_leaves_everything_running(fastinit):
    ns, log, loaded = start_with_test_loader(fastinit)
    r = ns.ctl("reboot", "--no-fallback", "--test-loader", loaded,
               "--kernel", ns.work("missing-vmlinuz"), "--proc-cmdline", ns.work("cmdline"))
    assert r.returncode != 0
    assert "nothing was stopped" in r.stderr, r.stderr
    assert ns.alive()
    assert stop_order(log) == []
    for unit in ("a", "b"):
        assert ns.unit_status(unit)["State"].startswith("active")


def test_manager_refuses_kexec_when_no_kernel_is_loaded(fastinit):
    ns, log, loaded = start_with_test_loader(fastinit)
    out = subprocess.run(
        ["nsenter", "-t", str(ns.init_pid), "-p", "-m", "busctl",
         "--address=unix:path=" + ns.socket_path, "call", "org.fastinit1", "/org/fastinit1",
         "org.fastinit1.Manager", "Reboot", "s", "kexec"],
        capture_output=True, text=True, timeout=20)
    assert out.returncode != 0
    assert "no kernel is loaded" in out.stderr, out.stderr
    assert ns.alive() and stop_order(log) == []


def test_non_root_may_not_reboot(fastinit):
    ns, log, loaded = start_with_test_loader(fastinit)
    os.chmod(loaded, 0o666)
    r = ns.ctl(*reboot_args(ns, loaded), user="nobody")
    assert r.returncode != 0
    os.chmod(ns.socket_path, 0o666)  # past the socket's mode, the manager refuses too
    for verb in (reboot_args(ns, loaded), ["poweroff"], ["coldreboot"]):
        r = ns.ctl(*verb, user="nobody")
        assert r.returncode != 0, (verb, r.stdout)
        assert "only root may" in r.stderr, (verb, r.stderr)
    assert ns.alive() and stop_order(log) == []


def test_reboot_reuses_the_kernel_staged_by_kexec_load(fastinit):
    ns, log, loaded = start_with_test_loader(fastinit)
    stage(ns, loaded)
    dry = ns.ctl_ok(*reboot_args(ns, loaded, "--dry-run"))
    assert "load:         no: the kernel staged by `fastinit kexec load` is unchanged" in dry.stdout
    r = ns.ctl(*reboot_args(ns, loaded))
    assert r.returncode == 0, r.stderr
    assert REUSED in r.stdout, r.stdout
    ns.wait_ended()
    assert not os.path.exists(loaded + ".image"), "the loader was called a second time"
    assert stop_order(log) == ["b", "a"], read_lines(log)
    assert "final action: kexec" in ns.read_log()


@pytest.mark.parametrize("change, reason", [
    ("cache", "the device cache changed"),
    ("append", "the command line changed"),
])
def test_reboot_loads_again_when_the_staged_kernel_is_stale(fastinit, change, reason):
    ns, log, loaded = start_with_test_loader(fastinit)
    stage(ns, loaded)
    extra = ()
    if change == "cache":
        with open(ns.work("devices.db"), "ab") as f:
            f.write(b", now with one more device")
    else:
        extra = ("--append", "fastinit.debug")
    dry = ns.ctl_ok(*reboot_args(ns, loaded, "--dry-run", *extra))
    assert "load:         yes, again: " + reason in dry.stdout, dry.stdout
    r = ns.ctl(*reboot_args(ns, loaded, *extra))
    assert r.returncode == 0, r.stderr
    assert "loading the kernel again: " + reason in r.stdout, r.stdout
    assert REUSED not in r.stdout
    ns.wait_ended()
    image = open(loaded + ".image").read()  # loaded again
    if change == "append":
        assert "fastinit.debug" in image, image


def test_kexec_unload_forgets_the_staged_kernel(fastinit):
    ns, log, loaded = start_with_test_loader(fastinit)
    stage(ns, loaded)
    ns.ctl_ok("kexec", "unload", "--test-loader", loaded)
    assert open(loaded).read().strip() == "0"
    assert not os.path.exists(os.path.join(ns.runtime_dir, "kexec-staged.json"))
    dry = ns.ctl_ok(*reboot_args(ns, loaded, "--dry-run"))
    assert "load:         yes\n" in dry.stdout, dry.stdout


def test_coldreboot_forgets_the_staged_kernel(fastinit):
    ns, log, loaded = start_with_test_loader(fastinit)
    stage(ns, loaded)
    r = ns.ctl("coldreboot", "--test-loader", loaded)
    assert r.returncode == 0, r.stderr
    ns.wait_ended()
    assert open(loaded).read().strip() == "0"
    assert not os.path.exists(os.path.join(ns.runtime_dir, "kexec-staged.json"))
