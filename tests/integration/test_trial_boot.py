"""`fastinit reboot --try` and `fastinit bless`, against a manager that is
PID 1 of a PID namespace. The trial kernel's command line is the test
loader's record; the trial boot is a manager started with a command line
(--proc-cmdline) that holds `fastinit.try=`. A firmware reboot ends the
namespace with SIGHUP (see test_reboot.py)."""

import os
import pwd
import signal
import time

from conftest import wait_until
from test_reboot import reboot_args, start_with_test_loader


def record_path(ns):
    """Where the trial record goes: a directory only its owner may write, as
    /var/lib/fastinit is (atomic writes refuse others' directories)."""
    state = ns.work("state")
    os.makedirs(state, exist_ok=True)
    os.chmod(state, 0o755)
    return os.path.join(state, "try")


def record(path):
    return dict(line.split("=", 1) for line in open(path).read().splitlines() if line)


def write_record(path, outcome="pending"):
    with open(path, "w") as f:
        f.write(f"outcome={outcome}\nkernel=/boot/vmlinuz-trial\ncmdline=root=/dev/vda\n"
                "requested_epoch=1765000000\nsettled_epoch=0\n")


def start_trial(fastinit, words):
    ns = fastinit.new()
    cmdline = ns.work("cmdline")
    with open(cmdline, "w") as f:
        f.write(f"root=/dev/vda rw {words}\n")
    ns.write_units({"default": '[unit]\nwants = ["idle"]\n',
                    "idle": '[service]\nexec = ["/bin/sleep", "1000"]\n'})
    ns.start(extra_args=["--proc-cmdline", cmdline])
    return ns


def test_try_adds_panic_and_the_deadline_and_records_the_trial(fastinit):
    ns, log, loaded = start_with_test_loader(fastinit)
    rec = record_path(ns)
    r = ns.ctl(*reboot_args(ns, loaded, "--try", "--panic", "5", "--try-timeout", "2min",
                            "--trial-record", rec))
    assert r.returncode == 0, r.stderr
    assert "trial boot" in r.stdout, r.stdout
    ns.wait_ended()
    image = open(loaded + ".image").read()
    assert "root=/dev/vda rw quiet panic=5 fastinit.try=120s" in image, image
    trial = record(rec)
    assert trial["outcome"] == "pending", trial
    assert trial["kernel"] == ns.work("vmlinuz"), trial
    assert "fastinit.try=120s" in trial["cmdline"], trial
    assert ns.proc.returncode in (-signal.SIGHUP, 128 + signal.SIGHUP), ns.proc.returncode


def test_try_options_are_checked_before_anything_is_loaded(fastinit):
    ns, log, loaded = start_with_test_loader(fastinit)
    for bad in (["--panic", "5"], ["--try", "--panic", "0"], ["--try", "--try-timeout", "0"],
                ["--try", "--try-timeout", "soon"]):
        r = ns.ctl(*reboot_args(ns, loaded, *bad))
        assert r.returncode == 2, (bad, r.stdout, r.stderr)
    assert open(loaded).read().strip() == "0", "nothing was loaded"
    assert ns.alive()
    ns.stop()


def test_a_blessed_trial_boot_stays(fastinit):
    ns = start_trial(fastinit, "fastinit.try=3s")
    rec = record_path(ns)
    write_record(rec)
    status = ns.ctl_ok("status").stdout
    assert "Trial boot: unblessed" in status, status
    r = ns.ctl("bless", "--trial-record", rec)
    assert r.returncode == 0, r.stderr
    assert "trial boot blessed" in r.stdout, r.stdout
    assert record(rec)["outcome"] == "blessed"
    assert "Trial boot: blessed" in ns.ctl_ok("status").stdout
    wait_until(lambda: ns.ctl("analyze", "time").returncode == 0, 10, "the boot's timeline")
    assert "Trial boot: blessed" in ns.ctl_ok("analyze", "time").stdout
    again = ns.ctl("bless", "--trial-record", rec)
    assert again.returncode == 0 and "already" in again.stdout, again
    time.sleep(4)  # past the deadline
    assert ns.alive(), ns.read_log()
    ns.stop()


def test_an_unblessed_trial_boot_reboots_through_the_firmware(fastinit):
    ns = start_trial(fastinit, "fastinit.try=2s")
    ns.wait_ended(timeout=30)
    manager_log = ns.read_log()
    assert "trial boot not blessed within 2 s" in manager_log, manager_log
    assert "shutting down (then reboot)" in manager_log, manager_log
    assert ns.proc.returncode in (-signal.SIGHUP, 128 + signal.SIGHUP), ns.proc.returncode


def test_bless_on_a_boot_that_is_no_trial_settles_the_last_trial_as_failed(fastinit):
    ns = start_trial(fastinit, "quiet")
    rec = record_path(ns)
    write_record(rec)
    assert "Trial boot" not in ns.ctl_ok("status").stdout
    r = ns.ctl("bless", "--trial-record", rec)
    assert r.returncode == 0, r.stderr
    assert "not a trial boot" in r.stdout, r.stdout
    assert "/boot/vmlinuz-trial" in r.stdout and "not blessed" in r.stdout, r.stdout
    trial = record(rec)
    assert trial["outcome"] == "failed" and trial["settled_epoch"] != "0", trial
    # Settled once: the next boot's bless says nothing about it.
    r = ns.ctl("bless", "--trial-record", rec)
    assert "vmlinuz-trial" not in r.stdout, r.stdout
    # No record at all is fine too.
    os.unlink(rec)
    assert ns.ctl("bless", "--trial-record", rec).returncode == 0
    ns.stop()


def test_a_bad_deadline_is_no_trial(fastinit):
    ns = start_trial(fastinit, "fastinit.try=0")
    assert "fastinit.try" in ns.read_log()
    assert "not a trial boot" in ns.ctl_ok("bless", "--trial-record", record_path(ns)).stdout
    wait_until(lambda: ns.alive(), 1, "the manager")
    ns.stop()


def test_a_refused_trial_leaves_no_pending_record(fastinit):
    ns, log, loaded = start_with_test_loader(fastinit)
    os.chmod(loaded, 0o666)
    os.chmod(ns.socket_path, 0o666)  # the manager itself refuses: only root may reboot
    state = ns.work("nobody-state")
    os.makedirs(state)
    os.chown(state, pwd.getpwnam("nobody").pw_uid, -1)
    os.chmod(state, 0o755)
    rec = os.path.join(state, "try")
    r = ns.ctl(*reboot_args(ns, loaded, "--try", "--trial-record", rec), user="nobody")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "recorded in" in r.stdout, r.stdout  # it was written before the manager was asked
    assert "only root may" in r.stderr, r.stderr
    assert not os.path.exists(rec), open(rec).read()
    assert ns.alive()
    ns.stop()
