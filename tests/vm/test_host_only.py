"""A host-only initramfs (modules from the device cache, plus the generic
storage set as a safety net) uses its cache on the machine it was built
for, and still reaches its root on other hardware, where the fingerprint
no longer matches and stage 1 probes."""

import subprocess

from conftest import wait_booted, wait_shell

DEVICES = r"devices: (\w[\w-]*) \((.*)\), (\d+) modules loaded"


def test_host_only_image_hits_its_cache_and_survives_other_hardware(boot, images, tmp_path):
    disk = images.disk_copy()
    first = boot(disk=disk)
    wait_booted(first)
    wait_shell(first)
    first.type("fastinit poweroff")
    assert first.wait_exit(90) == 0

    cache = tmp_path / "devices.db"
    subprocess.run(["debugfs", "-R", "dump /var/lib/fastinit/devices.db %s" % cache, disk],
                   check=True, capture_output=True)
    assert cache.stat().st_size > 0
    initrd = images.initramfs("host-only.img", "--host-only", "--cache", str(cache))

    same = boot(disk=images.disk_copy(disk), initrd=initrd)
    m = same.expect(DEVICES, 90)
    assert m.group(1) == "cache-hit", m.group(0)
    wait_booted(same)

    # The same disk behind a virtio SCSI controller: other devices, so the
    # fingerprint differs and stage 1 probes — over the generic storage set
    # the image carries — and finds the root (LABEL=) as /dev/sda.
    other = boot(disk=images.disk_copy(disk), initrd=initrd, disk_bus="scsi")
    m = other.expect(DEVICES, 90)
    assert m.group(1) == "probe", m.group(0)
    assert "device" in m.group(2), m.group(2)
    other.expect(r"root /dev/sda mounted", 60)
    booted = wait_booted(other)
    assert int(booted.group(2)) == 0
