"""`fastinit reboot --try` in a VM: a trial boot that `fastinit bless`
confirms stays; one that nobody blesses is rebooted by its PID 1 at the
deadline through the firmware, into what the boot loader boots (here QEMU's
own kernel and command line, which carry no `fastinit.try=`), and the next
`fastinit bless` reports the failed trial. The demo root ships no `bless`
unit, so nothing blesses unless the test does."""

from conftest import wait_booted, wait_shell


def test_a_trial_nobody_blesses_falls_back_and_a_blessed_one_stays(boot):
    vm = boot()
    wait_booted(vm)
    wait_shell(vm)

    # 1. Nobody blesses: PID 1 of the trial boot reboots through the firmware.
    mark = len(vm.console)
    vm.type("fastinit reboot --try --try-timeout 20s --panic 5")
    vm.expect(r"shutting down \(then kexec\)", 60, mark)
    vm.expect(r"trial boot: `fastinit bless` must confirm it within 20 s", 180, mark)
    vm.expect(r"trial boot not blessed within 20 s", 120, mark)
    firmware = vm.expect(r"SeaBIOS", 120, mark)
    trial = vm.console[mark:firmware.start()]
    # The jump into the trial kernel worked; its PID 1 made the firmware reboot.
    assert "final action: kexec" in trial, trial[-3000:]
    assert "shutting down (then reboot)" in trial, trial[-3000:]
    wait_booted(vm, 180, firmware.end())
    wait_shell(vm)
    status, out = vm.run("cat /proc/cmdline; fastinit status | head -3")
    assert "fastinit.try" not in out and "Trial boot" not in out, out
    assert "Watchdog" not in out, "no trial, no runtime watchdog: " + out
    status, out = vm.run("fastinit bless; cat /var/lib/fastinit/try")
    assert "not a trial boot" in out and "was not blessed" in out, out
    assert "outcome=failed" in out, out

    # 2. Blessed in time: the trial boot stays past its deadline.
    mark = len(vm.console)
    vm.type("fastinit reboot --try --try-timeout 60s")
    vm.expect(r"trial boot: `fastinit bless` must confirm it within 60 s", 180, mark)
    wait_booted(vm, 180, mark)
    wait_shell(vm)
    status, out = vm.run("cat /proc/cmdline; fastinit status | head -3")
    assert "panic=10 fastinit.try=60s" in out, out
    assert "Trial boot: unblessed" in out, out
    # Its PID 1 uses a runtime watchdog though none is configured (this VM
    # has no device: the kexec'd initramfs on the demo disk carries no
    # watchdog driver, so it keeps looking for one).
    assert "Watchdog: waiting for a device" in out, out
    status, out = vm.run("fastinit bless; cat /var/lib/fastinit/try")
    assert "trial boot blessed" in out and "outcome=blessed" in out, out
    status, out = vm.run("sleep 65; fastinit status | head -3", 120)
    assert "Trial boot: blessed" in out, out
    assert "SeaBIOS" not in vm.console[mark:], "the blessed trial was rebooted"


def test_a_trial_kernel_that_panics_comes_back_through_the_firmware(boot):
    # No init can be found: the trial kernel panics, and the panic=3 that
    # --try added reboots it (the boot's own command line has no panic=,
    # and the kernel's default waits forever).
    vm = boot()
    wait_booted(vm)
    wait_shell(vm)
    mark = len(vm.console)
    vm.type("fastinit reboot --try --panic 3 --append 'rdinit=/nonexistent init=/nonexistent "
            "root=/dev/nonexistent'")
    vm.expect(r"final action: kexec", 60, mark)
    panic = vm.expect(r"Kernel panic", 180, mark)
    vm.expect(r"Rebooting in 3 seconds", 30, panic.start())
    firmware = vm.expect(r"SeaBIOS", 60, panic.start())
    wait_booted(vm, 180, firmware.end())
    wait_shell(vm)
    status, out = vm.run("fastinit bless")
    assert "not a trial boot" in out and "was not blessed" in out, out
