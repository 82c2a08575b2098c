"""Roots on LUKS (boot/luks.h): a root on LUKS whose passphrase is typed on
the serial console (a wrong one first), booted with a probe and then,
after `fastinit reboot` (kexec), from the device cache's root record; and
LVM on LUKS opened with a keyfile the image carries (mkinitramfs
--crypttab), probe then cache hit; and a root a software TPM 2.0 (swtpm)
unlocks through systemd-cryptsetup (crypttab's tpm2-device=), with the
passphrase asked when another TPM does not. The disks are made in a
helper VM (stacks.py)."""

import os
import re
import uuid

from conftest import wait_booted, wait_shell
from stacks import (ASSEMBLING, DEVICES, LVM_CONFIG, MOUNTED, reboot_assembling_from_the_record,
                    require_tools, run_setup, sparse_disk)
from swtpm import Swtpm

PROMPT = r"Please enter passphrase for disk (\S+) \((\S+)\): "
# A cheap KDF: PBKDF2 with 1000 iterations rather than argon2id's default
# (about a second of work and up to 1 GiB of memory per try, calibrated on
# the machine that formats): under QEMU's software emulation, in a 512 MiB
# VM, every try would take long or fail for want of memory, on CI's 2 cores
# more so. The KDF's strength is not what these tests are about.
CHEAP_KDF = "--pbkdf pbkdf2 --pbkdf-force-iterations 1000"
# What the helper VM needs to format and open a LUKS2 device (aes-xts).
SETUP_MODULES = "dm_mod dm_crypt xts ecb af_alg algif_skcipher"
# Neither may ever show on the console: the passphrase is read with echo
# off and goes to cryptsetup through a pipe.
WRONG = "wrong-horse-42"
RIGHT = "correct-battery-7"


def require_cryptsetup():
    require_tools([("cryptsetup", "cryptsetup-bin")])


def format_luks(key_option, luks_uuid):
    """Shell for the helper VM: /dev/vdb as LUKS2 opened as `setup`."""
    return """
%(feed)s cryptsetup luksFormat --batch-mode --type luks2 %(kdf)s --uuid %(uuid)s \\
    %(key)s /dev/vdb
%(feed)s cryptsetup open %(key)s /dev/vdb setup
""" % {"feed": "printf %%s '%s' |" % RIGHT if key_option == "--key-file=-" else "",
       "kdf": CHEAP_KDF, "uuid": luks_uuid, "key": key_option}


def test_root_on_luks_asks_its_passphrase_then_boots_from_the_record_after_kexec(boot, images):
    require_cryptsetup()
    name = "filuks" + uuid.uuid4().hex[:8]
    luks_uuid = str(uuid.uuid4())
    disk = sparse_disk(images, name + ".img", 128)  # the root's 96 MiB and LUKS2's 16
    run_setup(images, name, format_luks("--key-file=-", luks_uuid) + """
dd if=/dev/vda of=/dev/mapper/setup bs=1M
cryptsetup close setup
""", [disk], "vdb", modules=SETUP_MODULES)

    vm = boot(disk=disk)
    first = vm.expect(DEVICES, 90)
    assert first.group(1) == "probe", first.group(0)
    # No crypttab, no rd.luks.*: every LUKS device, as luks-UUID.
    assembling = vm.expect(ASSEMBLING, 60)
    assert assembling.group(1) == "md, luks, lvm", assembling.group(0)
    prompt = vm.expect_prompt(PROMPT, 120)
    assert prompt.groups() == ("luks-" + luks_uuid, "/dev/vda"), prompt.group(0)
    vm.type(WRONG)
    vm.expect(r"LUKS luks-%s: wrong passphrase \(try 1 of 3\)" % luks_uuid, 60, prompt.end())
    again = vm.expect_prompt(PROMPT, 60, prompt.end())
    vm.type(RIGHT)
    vm.expect(r"LUKS: opened /dev/vda as /dev/mapper/luks-%s" % luks_uuid, 60, again.end())
    vm.expect(MOUNTED, 60)
    vm.expect(r"recorded what root=LABEL=fastinit-root needs: virtio_pci, virtio_blk and ext4; "
              r"on luks luks-%s\n" % luks_uuid, 60)
    wait_booted(vm)
    wait_shell(vm)
    status, out = vm.run("cat /sys/block/dm-0/dm/uuid")
    assert out.strip().startswith("CRYPT-LUKS2-"), out

    # The record's mapping at once, found by its UUID (no scan), with the
    # passphrase asked again; only LUKS's modules.
    def type_passphrase(vm, mark):
        asked = vm.expect_prompt(PROMPT, 120, mark)
        assert asked.groups() == ("luks-" + luks_uuid, "UUID=" + luks_uuid), asked.group(0)
        vm.type(RIGHT)

    mark = reboot_assembling_from_the_record(vm, "luks", on_the_way=type_passphrase)
    wait_booted(vm, 120, mark)
    wait_shell(vm)
    status, out = vm.run("fastinit analyze time")
    assert "initrd devices: cache-hit" in out, out
    status, out = vm.run("cut -d' ' -f1 /proc/modules")
    loaded = set(out.split())
    assert {"dm_crypt", "xts"} <= loaded, out
    assert not loaded & {"md_mod", "raid1", "dm_snapshot", "dm_mirror"}, out
    assert WRONG not in vm.console and RIGHT not in vm.console


def test_lvm_on_luks_opens_with_the_images_keyfile_then_from_the_record(boot, images):
    require_cryptsetup()
    require_tools()
    name = "filuks" + uuid.uuid4().hex[:8]
    vg = name + "vg"
    luks_uuid = str(uuid.uuid4())
    key = os.path.join(images.workdir, name + ".key")
    with open(key, "wb") as f:
        f.write(os.urandom(64))
    crypttab = os.path.join(images.workdir, name + ".crypttab")
    with open(crypttab, "w") as f:
        f.write("cryptroot UUID=%s %s luks\n" % (luks_uuid, key))
    # The image with the crypttab and the key; the root carries it too, for
    # the kexec reboot.
    initrd = images.initramfs(name + ".img", "--crypttab", crypttab)
    assert os.stat(initrd).st_mode & 0o777 == 0o600
    rootdisk = images.make_rootdisk(name + "-root.img", extra=[initrd + ":/boot/initrd.img"])
    disk = sparse_disk(images, name + "-luks.img", 160)
    with open(key, "rb") as f:
        key_bytes = f.read()
    run_setup(images, name, format_luks("--key-file=/key", luks_uuid) + """
lvm pvcreate --config "%(c)s" -ff -y /dev/mapper/setup
lvm vgcreate --config "%(c)s" %(vg)s /dev/mapper/setup
lvm lvcreate --config "%(c)s" -y -n root -l 100%%FREE %(vg)s
dd if=/dev/vda of=/dev/dm-1 bs=1M
lvm vgchange --config "%(c)s" -an %(vg)s
cryptsetup close setup
""" % {"c": LVM_CONFIG, "vg": vg}, [disk], "vdb",
              modules=SETUP_MODULES, files=[("key", key_bytes)], rootdisk=rootdisk)
    os.remove(rootdisk)

    vm = boot(disk=disk, initrd=initrd)
    first = vm.expect(DEVICES, 90)
    assert first.group(1) == "probe", first.group(0)
    assembling = vm.expect(ASSEMBLING, 60)
    assert assembling.group(1) == "md, luks, lvm", assembling.group(0)
    vm.expect(r"LUKS: opening the image's crypttab", 60)
    vm.expect(r"LUKS: opened /dev/vda as /dev/mapper/cryptroot", 60)
    vm.expect(MOUNTED, 60)
    vm.expect(r"recorded what root=LABEL=fastinit-root needs: virtio_pci, virtio_blk and ext4; "
              r"on luks cryptroot, lvm dm-\d+\n", 60)
    wait_booted(vm)
    wait_shell(vm)
    # The record's layers, in the cache stage 2 keeps (module kinds are "dep").
    status, out = vm.run("fastinit devices show --json | grep -o -E "
                         "'\"kind\": *\"(md|luks|lvm)\"' | tr -d ' '")
    assert out.split() == ['"kind":"luks"', '"kind":"lvm"'], out

    mark = reboot_assembling_from_the_record(vm, "luks, lvm")
    wait_booted(vm, 120, mark)
    wait_shell(vm)
    assert not re.search(PROMPT, vm.console), "a passphrase was asked"
    status, out = vm.run("cut -d' ' -f1 /proc/modules")
    loaded = set(out.split())
    assert {"dm_crypt", "dm_mod"} <= loaded, out
    assert not loaded & {"md_mod", "raid1"}, out


def test_a_tpm2_entry_opens_the_root_with_the_tpm_and_another_tpm_falls_back_to_the_passphrase(
        boot, images):
    require_cryptsetup()
    require_tools([("systemd-cryptenroll", "systemd")])
    name = "fitpm" + uuid.uuid4().hex[:8]
    luks_uuid = str(uuid.uuid4())
    crypttab = os.path.join(images.workdir, name + ".crypttab")
    with open(crypttab, "w") as f:
        f.write("cryptroot UUID=%s - tpm2-device=auto\n" % luks_uuid)
    # The helper VM carries the same crypttab (so systemd-cryptsetup's
    # libraries and the TPM2 ones it loads) and systemd-cryptenroll, which
    # links the same.
    initrd = images.initramfs(name + ".img", "--crypttab", crypttab)
    disk = sparse_disk(images, name + "-luks.img", 128)
    with open("/usr/bin/systemd-cryptenroll", "rb") as f:
        enroll = f.read()
    state = os.path.join(images.workdir, name + "-tpm")
    # The key sealed to no PCR (--tpm2-pcrs=): what the firmware measured
    # does not matter, the TPM's own seed does.
    tpm = Swtpm(state)
    try:
        console = run_setup(images, name, format_luks("--key-file=-", luks_uuid) + """
dd if=/dev/vda of=/dev/mapper/setup bs=1M
cryptsetup close setup
PASSWORD='%s' systemd-cryptenroll --tpm2-device=auto --tpm2-pcrs= /dev/vdb
cryptsetup luksDump /dev/vdb | grep -q systemd-tpm2 && echo "TPM2-""ENROLLED"
""" % RIGHT, [disk], "vdb", modules=SETUP_MODULES, image_args=["--crypttab", crypttab],
                            files=[("usr/bin/systemd-cryptenroll", enroll, 0o755)],
                            qemu_args=tpm.qemu_args())
    finally:
        tpm.close()
    assert "TPM2-ENROLLED" in console, console[-3000:]

    # The TPM that sealed the key: no question.
    tpm = Swtpm(state)
    try:
        vm = boot(disk=disk, initrd=initrd, extra=tpm.qemu_args())
        vm.expect(r"LUKS: opening the image's crypttab", 90)
        vm.expect(r"LUKS cryptroot: the TPM2 opened it", 90)
        vm.expect(r"LUKS: opened /dev/vda as /dev/mapper/cryptroot", 30)
        vm.expect(MOUNTED, 60)
        wait_booted(vm)
        assert not re.search(PROMPT, vm.console), "a passphrase was asked"
        vm.close()
    finally:
        tpm.close()

    # Another TPM (a fresh state): systemd-cryptsetup, headless, fails, and
    # stage 1 asks the passphrase itself.
    tpm = Swtpm(state + "-other")
    try:
        vm = boot(disk=disk, initrd=initrd, extra=tpm.qemu_args())
        vm.expect(r"LUKS cryptroot: the TPM2 did not open it \(systemd-cryptsetup exited", 120)
        prompt = vm.expect_prompt(PROMPT, 60)
        assert prompt.groups() == ("cryptroot", "UUID=" + luks_uuid), prompt.group(0)
        vm.type(RIGHT)
        vm.expect(r"LUKS: opened /dev/vda as /dev/mapper/cryptroot", 60, prompt.end())
        vm.expect(MOUNTED, 60)
    finally:
        tpm.close()
    assert RIGHT not in vm.console
