"""The root's check in stage 1 (boot/root_fsck.h): a root ext4 left not
clean, with a wrong free-inode count in its superblock, is checked and
repaired by the image's e2fsck before stage 1 mounts it; the log and
initrd.json say so, and the manager's `fsck--` (generated from fstab for a
read-only root) is skipped, not run again. One boot."""

import json
import re
import subprocess

from conftest import wait_booted, wait_shell

FSTAB = "LABEL=fastinit-root / ext4 rw 0 1\n"
# The demo root is busybox, which has no fsck: a stand-in that says when it
# runs, so that `fsck--` would start (and be seen) but for stage 1's mark.
FAKE_FSCK = "#!/bin/sh\necho \"manager fsck ran: $*\" >/dev/console\nexit 0\n"


def test_a_damaged_root_is_repaired_in_stage1_and_not_checked_again(boot, images, tmp_path):
    fstab = tmp_path / "fstab"
    fstab.write_text(FSTAB)
    fsck = tmp_path / "fsck"
    fsck.write_text(FAKE_FSCK)
    fsck.chmod(0o755)
    disk = images.make_rootdisk("fsck-root.img",
                                extra=["%s:/etc/fstab" % fstab, "%s:/sbin/fsck" % fsck])
    # Not clean (a check is forced) and a summary count wrong (a repair).
    commands = tmp_path / "damage"
    commands.write_text("ssv state 0\nssv free_inodes_count 7\n")
    subprocess.run(["debugfs", "-w", "-f", str(commands), disk], check=True,
                   capture_output=True)

    # ro: stage 1 leaves the root read-only, so the manager would check it.
    vm = boot(disk=disk, append="ro")
    vm.expect(r"checking the root: /usr/sbin/fsck\.ext4 -a /dev/vda", 90)
    vm.expect(r"root /dev/vda: fsck corrected errors \(status 1\)", 60)
    vm.expect(r"root /dev/vda mounted read-only", 30)
    wait_booted(vm)
    wait_shell(vm)

    status, out = vm.run("cat /run/fastinit/initrd.json")
    assert status == 0, out
    report = json.loads(out[out.index("{"):out.rindex("}") + 1])
    fsck = report["root"]["fsck"]
    assert fsck["result"] == "fixed" and fsck["status"] == 1, fsck
    assert fsck["tool"] == "/usr/sbin/fsck.ext4", fsck
    assert fsck["start_us"] <= fsck["end_us"] < report["root"]["mounted_us"], report
    # The manager's check of / is skipped for stage 1's mark, and
    # remount-root, which requires it, runs all the same. (The demo's
    # target does not pull local-fs in: they are started by name.)
    vm.run("fastinit start remount-root")
    status, out = vm.run("fastinit status fsck--")
    assert re.search(r"State: skipped \(condition\)", out), out
    assert re.search(r"Reason: .*!/run/fastinit/fsck-root", out), out
    assert "manager fsck ran" not in vm.console
    status, out = vm.run("fastinit status remount-root")
    assert "State: active" in out, out
    vm.type("fastinit poweroff")
    assert vm.wait_exit(60) == 0

    # The repair is on the disk: it is clean now.
    r = subprocess.run(["e2fsck", "-n", disk], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
