"""The persistent journal across a real kexec reboot: a line a service
printed in one boot is read in the next with `fastinit logs --boot PREV`,
and the shutdown's own lines made it to the disk before the jump."""

from conftest import wait_booted, wait_shell

MARKER_UNIT = """[service]
type = "oneshot"
exec = ["/bin/sh", "-c", "echo marker-of-the-first-boot"]
"""


def test_the_boot_before_a_kexec_reboot_is_read_with_boot_prev(boot):
    vm = boot(append="fastinit.journal_persistent")
    wait_booted(vm, 180)
    wait_shell(vm)
    status, out = vm.run("printf '" + MARKER_UNIT.replace("\n", "\\n") +
                         "' > /etc/fastinit/units/marker.toml && fastinit daemon-reload && "
                         "fastinit start marker && fastinit logs marker", 60)
    assert status == 0 and "marker-of-the-first-boot" in out, out
    mark = len(vm.console)
    vm.type("fastinit reboot")
    vm.expect(r"shutting down \(then kexec\)", 60, mark)
    wait_booted(vm, 240, mark)
    wait_shell(vm)
    status, out = vm.run("fastinit logs --boot PREV marker", 60)
    assert status == 0 and "marker-of-the-first-boot" in out, out
    status, out = vm.run("fastinit logs --boot PREV | grep -c 'shutting down'", 60)
    assert status == 0 and int(out.strip().splitlines()[-1]) >= 1, out
    # This boot did not run the marker: its own journal has no such line.
    status, out = vm.run("fastinit logs marker | grep -c marker-of-the-first-boot", 60)
    assert out.strip().splitlines()[-1] == "0", out
