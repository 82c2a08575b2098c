"""initramfs/mkinitramfs's image formats, against the real Debian kernel's
module tree (FASTINIT_MODULES_DIR): every --compress method is read back by
its own program (zstd, xz, lz4, gzip; cpio(1) lists the members), an early
microcode cpio comes first uncompressed, --is-fastinit and -u recognise an
image in every form and refuse another tool's, and --firmware takes the
files a real module names from a firmware directory."""

import io
import os
import re
import subprocess
import sys

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MKINITRAMFS = os.path.join(REPO, "initramfs", "mkinitramfs")
sys.path.insert(0, os.path.join(REPO, "initramfs"))
from cpio import Tree, archive_end, read_members  # noqa: E402

MAGIC = {"zstd": b"\x28\xb5\x2f\xfd", "xz": b"\xfd7zXZ\x00", "lz4": b"\x02\x21\x4c\x18",
         "gzip": b"\x1f\x8b", "none": b"070701"}
DECOMPRESS = {"zstd": ["zstd", "-d", "-c"], "xz": ["xz", "-d", "-c"], "lz4": ["lz4", "-d", "-c"],
              "gzip": ["gzip", "-d", "-c"], "none": ["cat"]}
INTEL = {"06-8e-09": b"intel 06-8e-09 " * 10, "06-55-04": b"intel 06-55-04 " * 7}
AMD = {"microcode_amd.bin": b"amd generic " * 5, "microcode_amd_fam17h.bin": b"amd fam17h " * 9}


@pytest.fixture(scope="module")
def moddir():
    path = os.environ.get("FASTINIT_MODULES_DIR")
    if not path:
        pytest.skip("FASTINIT_MODULES_DIR is not set (scripts/test sets it)")
    return path


@pytest.fixture(scope="module")
def ucode(tmp_path_factory):
    """A microcode directory as intel-microcode and amd64-microcode fill
    /lib/firmware, with files that are not microcode beside them."""
    d = tmp_path_factory.mktemp("ucode")
    (d / "intel-ucode").mkdir()
    (d / "amd-ucode").mkdir()
    for name, data in INTEL.items():
        (d / "intel-ucode" / name).write_bytes(data)
    (d / "intel-ucode" / "README").write_bytes(b"not microcode")
    for name, data in AMD.items():
        (d / "amd-ucode" / name).write_bytes(data)
    (d / "amd-ucode" / "microcode_amd.bin.asc").write_bytes(b"a signature")
    return str(d)


def build(fastinit_bin, moddir, out, *extra, check=True):
    r = subprocess.run([MKINITRAMFS, "-o", str(out), "--kver", os.path.basename(moddir),
                        "--moddir", moddir, "--fastinit", fastinit_bin, *extra],
                       capture_output=True, text=True, timeout=300)
    if check:
        assert r.returncode == 0, r.stdout + r.stderr
    return r


def is_fastinit(image):
    r = subprocess.run([MKINITRAMFS, "--is-fastinit", str(image)], capture_output=True,
                       text=True)
    assert r.returncode in (0, 1), r.stderr
    return r.returncode == 0


def split_early(data):
    """(the early uncompressed cpio, the rest) of an image that has one."""
    assert data[:6] == b"070701", data[:16]
    end = archive_end(data)
    assert end is not None
    return data[:end], data[end:]


def unpack(method, data):
    """The main archive, decompressed by the compressor's own program."""
    r = subprocess.run(DECOMPRESS[method], input=data, capture_output=True)
    assert r.returncode == 0, r.stderr
    return r.stdout


def names(archive):
    r = subprocess.run(["cpio", "-t", "--quiet"], input=archive, capture_output=True, check=True)
    return set(r.stdout.decode().split())


@pytest.mark.parametrize("method", ["zstd", "xz", "lz4", "gzip", "none"])
def test_each_compression_round_trips_after_early_microcode(fastinit_bin, moddir, ucode,
                                                            tmp_path, method):
    image = tmp_path / "initrd.img"
    extra = [] if method == "zstd" else ["--compress", method]  # zstd: the default
    build(fastinit_bin, moddir, image, "--microcode-dir", ucode, *extra)
    early, rest = split_early(image.read_bytes())
    # A generic image carries both vendors' microcode, each the
    # concatenation of its files in name order, and nothing else.
    want = {"kernel/x86/microcode/GenuineIntel.bin",
            "kernel/x86/microcode/AuthenticAMD.bin"}
    found = read_members(early, want)
    assert found == {
        "kernel/x86/microcode/GenuineIntel.bin": INTEL["06-55-04"] + INTEL["06-8e-09"],
        "kernel/x86/microcode/AuthenticAMD.bin":
            AMD["microcode_amd.bin"] + AMD["microcode_amd_fam17h.bin"]}
    assert names(early) == {"kernel", "kernel/x86", "kernel/x86/microcode"} | want

    assert rest.startswith(MAGIC[method]), rest[:8]
    archive = unpack(method, rest)
    members = read_members(archive, {"etc/initrd-release", "usr/sbin/fastinit-stage1"})
    assert b"ID=fastinit\n" in members["etc/initrd-release"]
    assert len(members["usr/sbin/fastinit-stage1"]) > 0
    listed = names(archive)
    assert "init" in listed
    assert "lib/modules/%s/modules.dep" % os.path.basename(moddir) in listed
    assert not any(n.startswith("kernel/") for n in listed)
    assert is_fastinit(image)


def test_xz_images_use_crc32_checks_and_lz4_the_legacy_format(fastinit_bin, moddir, tmp_path):
    image = tmp_path / "initrd.img"
    build(fastinit_bin, moddir, image, "--compress", "xz", "--no-microcode")
    r = subprocess.run(["xz", "--robot", "--list", str(image)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    checks = [line.split("\t")[6] for line in r.stdout.splitlines() if line.startswith("file")]
    # The kernel's xz decompressor checks CRC32, not xz's default CRC64.
    assert checks == ["CRC32"], r.stdout
    build(fastinit_bin, moddir, image, "--compress", "lz4", "--no-microcode")
    assert image.read_bytes()[:4] == MAGIC["lz4"]  # not the frame format's 04224d18


def test_no_microcode_and_an_empty_microcode_dir_mean_no_early_cpio(fastinit_bin, moddir, ucode,
                                                                   tmp_path):
    image = tmp_path / "a.img"
    build(fastinit_bin, moddir, image, "--microcode-dir", ucode, "--no-microcode")
    assert image.read_bytes().startswith(MAGIC["zstd"])
    empty = tmp_path / "empty"
    empty.mkdir()
    build(fastinit_bin, moddir, image, "--microcode-dir", str(empty), "--compress", "gzip")
    assert image.read_bytes().startswith(MAGIC["gzip"])
    assert is_fastinit(image)


def cpu_vendor():
    with open("/proc/cpuinfo") as f:
        return re.search(r"^vendor_id\s*:\s*(\S+)", f.read(), re.M).group(1)


def test_host_only_takes_the_running_cpus_microcode_and_firmware_by_default(
        fastinit_bin, moddir, ucode, tmp_path):
    vendor = cpu_vendor()
    if vendor not in ("GenuineIntel", "AuthenticAMD"):
        pytest.skip("this CPU (%s) has no early microcode" % vendor)
    firmware = firmware_dir(moddir, tmp_path)
    # An unusable cache: host-only falls back to the generic set, the
    # module named here is added all the same.
    cache = tmp_path / "devices.db"
    cache.write_bytes(b"not a device cache\0" * 50)
    image = tmp_path / "initrd.img"
    build(fastinit_bin, moddir, image, "--host-only", "--cache", str(cache),
          "--module", "qla1280", "--microcode-dir", ucode, "--firmware-dir", firmware)
    early, rest = split_early(image.read_bytes())
    assert names(early) == {"kernel", "kernel/x86", "kernel/x86/microcode",
                            "kernel/x86/microcode/%s.bin" % vendor}
    assert any(n.startswith("lib/firmware/") for n in names(unpack("zstd", rest)))


def qla1280_firmware(moddir):
    """The firmware names of a real SCSI driver of the kernel under test."""
    with open(os.path.join(moddir, "modules.dep")) as f:
        path = next(line.split(":")[0] for line in f
                    if re.search(r"/qla1280\.ko(\.\w+)?:", line))
    r = subprocess.run(["modinfo", "-F", "firmware", os.path.join(moddir, path)],
                       capture_output=True, text=True, check=True)
    fw = r.stdout.split()
    assert len(fw) >= 3, fw
    return fw


def firmware_dir(moddir, tmp_path):
    """The first of qla1280's firmware files plain, the second only
    xz-compressed (the kernel loads that too), the others missing."""
    fw = qla1280_firmware(moddir)
    d = tmp_path / "firmware"
    for i, name in enumerate(fw[:2]):
        path = d / (name + ("" if i == 0 else ".xz"))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(("firmware %d: %s" % (i, name)).encode())
    (d / "unrelated.bin").write_bytes(b"no module names this")
    return str(d)


def test_firmware_the_modules_name_is_taken_and_missing_ones_are_a_warning(
        fastinit_bin, moddir, tmp_path):
    fw = qla1280_firmware(moddir)
    firmware = firmware_dir(moddir, tmp_path)
    image = tmp_path / "initrd.img"
    r = build(fastinit_bin, moddir, image, "--module", "qla1280", "--firmware",
              "--firmware-dir", firmware, "--no-microcode")
    assert "2 firmware files" in r.stdout, r.stdout
    missing = fw[2:]
    assert re.search(r"warning: %d firmware files .* not in %s: %s" % (
        len(missing), re.escape(firmware), re.escape(" ".join(sorted(missing)))), r.stderr), \
        r.stderr
    archive = unpack("zstd", image.read_bytes())
    want = {"lib/firmware/" + fw[0], "lib/firmware/" + fw[1] + ".xz"}
    dirs = {os.path.dirname(n) for n in want} - {"lib/firmware"}
    assert {n for n in names(archive) if n.startswith("lib/firmware/")} == want | dirs
    assert read_members(archive, want) == {
        "lib/firmware/" + fw[0]: ("firmware 0: %s" % fw[0]).encode(),
        "lib/firmware/" + fw[1] + ".xz": ("firmware 1: %s" % fw[1]).encode()}

    # A generic image without --firmware has none, though the module names some.
    build(fastinit_bin, moddir, image, "--module", "qla1280", "--firmware-dir", firmware,
          "--no-microcode")
    assert not any(n.startswith("lib/firmware") for n in names(unpack("zstd",
                                                                      image.read_bytes())))


def foreign_image(path, compress_argv, early=None):
    """Another tool's image: an initrd-release that is not fastinit's,
    compressed by `compress_argv`, perhaps after an early cpio."""
    tree = Tree()
    tree.add_data("etc/initrd-release", b"NAME=Debian\nID=debian\n")
    tree.add_data("init", b"#!/bin/sh\n", 0o755)
    raw = io.BytesIO()
    tree.write(raw)
    data = subprocess.run(compress_argv, input=raw.getvalue(), capture_output=True,
                          check=True).stdout
    path.write_bytes((early or b"") + data)


@pytest.mark.parametrize("argv", [["zstd", "-c"], ["xz", "-c", "--check=crc32"],
                                  ["lz4", "-c", "-l"], ["gzip", "-c"], ["cat"]])
def test_another_tools_image_is_not_fastinit_in_any_compression(ucode, tmp_path, argv,
                                                               fastinit_bin, moddir):
    image = tmp_path / "other.img"
    foreign_image(image, argv)
    assert not is_fastinit(image)
    # Nor after an early microcode cpio (taken from one of our images).
    ours = tmp_path / "ours.img"
    build(fastinit_bin, moddir, ours, "--microcode-dir", ucode, "--compress", "none")
    early, _ = split_early(ours.read_bytes())
    foreign_image(image, argv, early)
    assert not is_fastinit(image)


def test_update_replaces_its_own_compressed_image_and_refuses_another_tools(
        fastinit_bin, moddir, ucode, tmp_path):
    kver = os.path.basename(moddir)
    boot = tmp_path / "boot"
    boot.mkdir()
    image = boot / ("initrd.img-" + kver)
    env = dict(os.environ, FASTINIT_BOOT_DIR=str(boot))
    update = [MKINITRAMFS, "-u", "-k", kver, "--moddir", moddir, "--fastinit", fastinit_bin,
              "--microcode-dir", ucode]

    foreign_image(image, ["zstd", "-c"], split_early(
        build_early(fastinit_bin, moddir, ucode, tmp_path))[0])
    before = image.read_bytes()
    r = subprocess.run(update, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 1 and "was made by another tool" in r.stderr, r.stderr
    assert image.read_bytes() == before

    # Ours (xz, early microcode first) is replaced, by a zstd one this time.
    build(fastinit_bin, moddir, image, "--microcode-dir", ucode, "--compress", "xz")
    r = subprocess.run(update, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    _, rest = split_early(image.read_bytes())
    assert rest.startswith(MAGIC["zstd"])
    assert is_fastinit(image)


def build_early(fastinit_bin, moddir, ucode, tmp_path):
    ours = tmp_path / "early-source.img"
    build(fastinit_bin, moddir, ours, "--microcode-dir", ucode, "--compress", "none")
    return ours.read_bytes()


def test_a_missing_compressor_is_named_with_its_package(fastinit_bin, moddir, tmp_path):
    # A PATH without lz4 (the check comes before any other program runs).
    bindir = tmp_path / "bin"
    bindir.mkdir()
    env = dict(os.environ, PATH=str(bindir))
    image = tmp_path / "initrd.img"
    r = subprocess.run([sys.executable, MKINITRAMFS, "-o", str(image), "--kver",
                        os.path.basename(moddir), "--moddir", moddir, "--fastinit", fastinit_bin,
                        "--compress", "lz4", "--no-microcode"],
                       env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 1
    assert "needs lz4, which is not installed (apt-get install lz4)" in r.stderr, r.stderr
    assert not image.exists() and not os.path.exists(str(image) + ".tmp")

    # Reading an lz4 image needs it too: an error (2), not "not fastinit".
    foreign_image(image, ["lz4", "-c", "-l"])
    r = subprocess.run([sys.executable, MKINITRAMFS, "--is-fastinit", str(image)], env=env,
                       capture_output=True, text=True)
    assert r.returncode == 2 and "apt-get install lz4" in r.stderr, r.stderr


# ---- mdadm and lvm for a root on md RAID or LVM (--storage-tools) ----------

LAYER_MEMBERS = {"usr/sbin/mdadm", "usr/sbin/lvm"}


def layer_names(image):
    found = names(image.read_bytes())
    tools = LAYER_MEMBERS & found
    modules = {os.path.basename(n) for n in found
               if re.search(r"/(md-mod|raid1|dm-mod)\.ko", n)}
    return tools, modules, found


def require_layer_tools():
    import shutil
    for program, package in [("mdadm", "mdadm"), ("lvm", "lvm2")]:
        if not shutil.which(program, path="/usr/sbin:/sbin"):
            pytest.fail("%s is not installed (apt-get install %s; scripts/install-deps)"
                        % (program, package))


def test_a_generic_image_carries_the_installed_layer_tools_unless_told_not_to(
        fastinit_bin, moddir, tmp_path):
    require_layer_tools()
    image = tmp_path / "initrd.img"
    r = build(fastinit_bin, moddir, image, "--compress", "none", "--no-microcode")
    assert "lvm, mdadm" in r.stdout, r.stdout
    tools, modules, found = layer_names(image)
    assert tools == LAYER_MEMBERS
    assert modules == {"md-mod.ko", "raid1.ko", "dm-mod.ko"}, modules
    # Their libraries, found as the fastinit binary's are.
    assert any("libdevmapper.so" in n for n in found), sorted(found)
    if os.path.exists("/etc/lvm/lvm.conf"):
        assert "etc/lvm/lvm.conf" in found

    plain = tmp_path / "plain.img"
    build(fastinit_bin, moddir, plain, "--compress", "none", "--no-microcode",
          "--storage-tools", "no")
    tools, modules, found = layer_names(plain)
    assert tools == set() and modules == set(), (tools, modules)
    assert not any("libdevmapper" in n for n in found)


def fake_sysfs(root):
    """A sysfs tree with the host's root, dm-0, an LVM volume on the RAID1
    md0 of vda and vdb (as root_stack.h reads it), and a plain disk vdc."""
    def block(major_minor, device):
        (root / "devices" / device).mkdir(parents=True, exist_ok=True)
        link = root / "dev" / "block" / major_minor
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to("../../devices/" + device)
    for disk in ("vda", "vdb", "vdc"):
        block({"vda": "254:0", "vdb": "254:16", "vdc": "254:32"}[disk],
              "pci0000:00/virtio/block/" + disk)
    block("9:0", "virtual/block/md0")
    (root / "devices/virtual/block/md0/md").mkdir()
    (root / "devices/virtual/block/md0/md/level").write_text("raid1\n")
    (root / "devices/virtual/block/md0/slaves").mkdir()
    for disk in ("vda", "vdb"):
        (root / "devices/virtual/block/md0/slaves" / disk).symlink_to(
            "../../../../pci0000:00/virtio/block/" + disk)
    block("253:0", "virtual/block/dm-0")
    (root / "devices/virtual/block/dm-0/dm").mkdir()
    (root / "devices/virtual/block/dm-0/dm/uuid").write_text("LVM-abcdef\n")
    (root / "devices/virtual/block/dm-0/slaves").mkdir()
    (root / "devices/virtual/block/dm-0/slaves/md0").symlink_to("../../md0")
    return str(root)


def build_host_only(fastinit_bin, moddir, tmp_path, root_dev, tool_path=None,
                    mode=("--host-only",)):
    env = dict(os.environ, FASTINIT_SYSFS=fake_sysfs(tmp_path / "sys"),
               FASTINIT_ROOT_DEV=root_dev)
    if tool_path is not None:
        env["FASTINIT_TOOL_PATH"] = tool_path
    cache = tmp_path / "devices.db"  # unusable: the generic set, as the test above
    cache.write_bytes(b"not a device cache\0" * 50)
    image = tmp_path / "initrd.img"
    r = subprocess.run([MKINITRAMFS, "-o", str(image), "--kver", os.path.basename(moddir),
                        "--moddir", moddir, "--fastinit", fastinit_bin, *mode,
                        "--cache", str(cache), "--compress", "none", "--no-microcode",
                        "--no-firmware"],
                       env=env, capture_output=True, text=True, timeout=300)
    return r, image


@pytest.mark.parametrize("root_dev, expected", [
    ("253:0", LAYER_MEMBERS),        # LVM on RAID1: both
    ("9:0", {"usr/sbin/mdadm"}),     # the array itself: mdadm only
    ("254:32", set()),               # a plain disk: neither
])
def test_a_host_only_image_carries_the_tools_of_the_roots_chain(
        fastinit_bin, moddir, tmp_path, root_dev, expected):
    require_layer_tools()
    r, image = build_host_only(fastinit_bin, moddir, tmp_path, root_dev)
    assert r.returncode == 0, r.stderr
    tools, modules, _ = layer_names(image)
    assert tools == expected, (root_dev, tools)
    # The modules are the generic set's whatever the root: the same module
    # index as the generic image whose boot wrote the cache.
    assert modules == {"md-mod.ko", "raid1.ko", "dm-mod.ko"}, modules


@pytest.mark.parametrize("root_dev, expected", [("253:0", LAYER_MEMBERS), ("254:32", set())])
def test_a_capture_image_carries_only_the_tools_of_this_hosts_root(
        fastinit_bin, moddir, tmp_path, root_dev, expected):
    """--kdump serves this host, in the crash kernel's reserved memory."""
    require_layer_tools()
    r, image = build_host_only(fastinit_bin, moddir, tmp_path, root_dev, mode=("--kdump",))
    assert r.returncode == 0, r.stderr
    tools, modules, found = layer_names(image)
    assert "usr/bin/makedumpfile" in found
    assert tools == expected, (root_dev, tools)
    assert bool(modules) == bool(expected), modules


def test_a_host_only_root_on_lvm_without_lvm_installed_names_the_package(
        fastinit_bin, moddir, tmp_path):
    empty = tmp_path / "bin"
    empty.mkdir()
    r, image = build_host_only(fastinit_bin, moddir, tmp_path, "253:0", tool_path=str(empty))
    assert r.returncode == 1
    assert "apt-get install" in r.stderr and ("lvm2" in r.stderr or "mdadm" in r.stderr), r.stderr
    assert not image.exists()


# ---- LUKS: cryptsetup, the crypttab and its keyfiles -----------------------

def require_cryptsetup():
    import shutil
    if not shutil.which("cryptsetup", path="/usr/sbin:/sbin"):
        pytest.fail("cryptsetup is not installed (apt-get install cryptsetup-bin; "
                    "scripts/install-deps)")


def member_modes(archive):
    """{path: mode} of an uncompressed newc archive's members."""
    from cpio import _walk
    return {name: mode for name, mode, _, _, _ in _walk(archive, 0)}


def test_crypttab_puts_its_entries_and_keyfiles_in_a_0600_image(fastinit_bin, moddir, tmp_path):
    require_cryptsetup()
    key = tmp_path / "root.key"
    key.write_bytes(b"0123456789abcdef")
    crypttab = tmp_path / "crypttab"
    crypttab.write_text("# the root\ncryptroot UUID=0b6d-11 %s luks\nswap /dev/vdb2 none\n" % key)
    image = tmp_path / "initrd.img"
    r = build(fastinit_bin, moddir, image, "--compress", "none", "--no-microcode",
              "--crypttab", str(crypttab))
    assert "holds the key of a LUKS device" in r.stderr, r.stderr
    assert "cryptsetup" in r.stdout, r.stdout
    assert os.stat(image).st_mode & 0o777 == 0o600
    data = image.read_bytes()
    path = str(key).lstrip("/")
    files = read_members(data, {"etc/crypttab", path})
    assert files["etc/crypttab"].decode() == (
        "cryptroot UUID=0b6d-11 %s luks\nswap /dev/vdb2 none\n" % key)
    assert files[path] == b"0123456789abcdef"
    modes = member_modes(data)
    assert modes[path] & 0o777 == 0o600
    assert "usr/sbin/cryptsetup" in modes

    # A keyfile that is not there is an error, and no image.
    crypttab.write_text("cryptroot UUID=0b6d-11 /nonexistent/root.key\n")
    r = build(fastinit_bin, moddir, tmp_path / "no.img", "--crypttab", str(crypttab),
              check=False)
    assert r.returncode == 1 and "/nonexistent/root.key" in r.stderr, r.stderr
    assert not (tmp_path / "no.img").exists()


@pytest.mark.parametrize("mode", ["--host-only", "--kdump"])
def test_a_host_only_image_takes_the_hosts_crypttab_entries_its_root_uses(
        fastinit_bin, moddir, tmp_path, mode):
    """LVM on LUKS (dm-1 on the mapping cryptroot on vdc): cryptsetup, and
    the host crypttab's cryptroot entry only, without a keyfile here."""
    require_cryptsetup()
    require_layer_tools()
    root = tmp_path / "sys"
    fake_sysfs(root)
    for name, uuid, slave in [("dm-1", "CRYPT-LUKS2-0b6d11-cryptroot", "vdc"),
                              ("dm-2", "LVM-xyz", None)]:
        (root / "devices/virtual/block" / name / "dm").mkdir(parents=True)
        (root / "devices/virtual/block" / name / "dm/uuid").write_text(uuid + "\n")
        (root / "devices/virtual/block" / name / "dm/name").write_text(
            uuid.rsplit("-", 1)[-1] + "\n")
        (root / "dev/block" / ("253:%s" % name[-1])).symlink_to(
            "../../devices/virtual/block/" + name)
        (root / "devices/virtual/block" / name / "slaves").mkdir()
    (root / "devices/virtual/block/dm-1/slaves/vdc").symlink_to(
        "../../../../pci0000:00/virtio/block/vdc")
    (root / "devices/virtual/block/dm-2/slaves/dm-1").symlink_to("../../dm-1")
    host = tmp_path / "host-crypttab"
    host.write_text("cryptroot UUID=0b6d-11 none luks\nother UUID=22 none\n")
    env = dict(os.environ, FASTINIT_SYSFS=str(root), FASTINIT_ROOT_DEV="253:2",
               FASTINIT_CRYPTTAB=str(host))
    cache = tmp_path / "devices.db"
    cache.write_bytes(b"not a device cache\0" * 50)
    image = tmp_path / "initrd.img"
    r = subprocess.run([MKINITRAMFS, "-o", str(image), "--kver", os.path.basename(moddir),
                        "--moddir", moddir, "--fastinit", fastinit_bin, mode,
                        "--cache", str(cache), "--compress", "none", "--no-microcode",
                        "--no-firmware"], env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    data = image.read_bytes()
    # A crash kernel's image too: without the entry it could only ask.
    assert read_members(data, {"etc/crypttab"})["etc/crypttab"] == b"cryptroot UUID=0b6d-11 none luks\n"
    found = member_modes(data)
    assert {"usr/sbin/cryptsetup", "usr/sbin/lvm"} <= set(found)
    assert "usr/sbin/mdadm" not in found
    assert any(n.endswith("/dm-crypt.ko") for n in found)
    assert "holds the key" not in r.stderr


def test_a_tpm2_entry_adds_systemd_cryptsetup_and_the_tpm2_libraries_it_loads(
        fastinit_bin, moddir, tmp_path):
    """tpm2-device=: systemd-cryptsetup and the libtss2 libraries it
    dlopens (ldd does not name them); a missing one names its package."""
    require_cryptsetup()
    if not os.access("/usr/lib/systemd/systemd-cryptsetup", os.X_OK):
        pytest.fail("systemd-cryptsetup is not installed (apt-get install systemd)")
    crypttab = tmp_path / "crypttab"
    crypttab.write_text("cryptroot UUID=0b6d-11 - tpm2-device=auto,discard\n")
    image = tmp_path / "initrd.img"
    r = build(fastinit_bin, moddir, image, "--compress", "none", "--no-microcode",
              "--crypttab", str(crypttab))
    assert "systemd-cryptsetup (TPM2)" in r.stdout, r.stdout
    found = set(member_modes(image.read_bytes()))
    assert "usr/lib/systemd/systemd-cryptsetup" in found
    for lib in ["libtss2-esys.so.0", "libtss2-rc.so.0", "libtss2-mu.so.0",
                "libtss2-tcti-device.so.0", "libtss2-sys.so.1", "libcryptsetup.so.12"]:
        assert any(os.path.basename(n) == lib for n in found), lib

    # Without the TPM2 libraries: an error naming the package, no image.
    env = dict(os.environ, FASTINIT_TPM2_LIBRARY_DIRS=str(tmp_path / "nowhere"))
    r = subprocess.run([MKINITRAMFS, "-o", str(tmp_path / "no.img"), "--kver",
                        os.path.basename(moddir), "--moddir", moddir, "--fastinit", fastinit_bin,
                        "--crypttab", str(crypttab)], env=env, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "apt-get install libtss2-esys-3.0.2-0" in r.stderr, r.stderr
    assert not (tmp_path / "no.img").exists()

    # An entry without tpm2-device= carries no systemd-cryptsetup.
    crypttab.write_text("cryptroot UUID=0b6d-11 - luks\n")
    build(fastinit_bin, moddir, image, "--compress", "none", "--no-microcode",
          "--crypttab", str(crypttab))
    assert "usr/lib/systemd/systemd-cryptsetup" not in member_modes(image.read_bytes())


# ---- the root's checker and the resume device --------------------------------

FSCK_MEMBERS = {"usr/sbin/e2fsck", "usr/sbin/fsck.ext2", "usr/sbin/fsck.ext3",
                "usr/sbin/fsck.ext4"}


def require_e2fsck():
    import shutil
    if not shutil.which("e2fsck", path="/usr/sbin:/sbin"):
        pytest.fail("e2fsck is not installed (apt-get install e2fsprogs)")


def test_a_generic_image_carries_e2fsck_for_stage1_unless_told_not_to(
        fastinit_bin, moddir, tmp_path):
    require_e2fsck()
    image = tmp_path / "initrd.img"
    r = build(fastinit_bin, moddir, image, "--compress", "none", "--no-microcode")
    assert "e2fsck" in r.stdout, r.stdout
    found = names(image.read_bytes())
    assert FSCK_MEMBERS <= found, sorted(found)
    assert any("libext2fs.so" in n for n in found), sorted(found)

    plain = tmp_path / "plain.img"
    build(fastinit_bin, moddir, plain, "--compress", "none", "--no-microcode", "--no-fsck")
    assert not FSCK_MEMBERS & names(plain.read_bytes())


@pytest.mark.parametrize("fstype, expected", [
    ("ext4", {"usr/sbin/e2fsck", "usr/sbin/fsck.ext4"}),  # only the root's type
    ("xfs", set()),                                        # no checker this script adds
])
def test_a_host_only_image_carries_the_checker_of_the_hosts_root_type(
        fastinit_bin, moddir, tmp_path, monkeypatch, fstype, expected):
    require_e2fsck()
    monkeypatch.setenv("FASTINIT_ROOT_FSTYPE", fstype)
    monkeypatch.setenv("FASTINIT_RESUME_CONF", str(tmp_path / "none"))
    r, image = build_host_only(fastinit_bin, moddir, tmp_path, "254:32")
    assert r.returncode == 0, r.stderr
    found = names(image.read_bytes())
    assert FSCK_MEMBERS & found == expected, sorted(FSCK_MEMBERS & found)
    assert "etc/fastinit/resume" not in found


def image_member(image, name):
    r = subprocess.run(["cpio", "-i", "--quiet", "--to-stdout", name],
                       input=image.read_bytes(), capture_output=True, check=True)
    return r.stdout


@pytest.mark.parametrize("conf, expected", [
    ('# the swap\nRESUME="UUID=0a1b-2c3d"\n', b"UUID=0a1b-2c3d\n"),
    ("RESUME=/dev/sda2\nRESUME=LABEL=swap\n", b"LABEL=swap\n"),  # the last one
    ("RESUME=none\n", None),
    ("RESUME=auto\n", None),  # initramfs-tools guesses; this script does not
])
def test_a_host_only_image_takes_initramfs_tools_resume_device_as_its_default(
        fastinit_bin, moddir, tmp_path, monkeypatch, conf, expected):
    (tmp_path / "resume").write_text(conf)
    monkeypatch.setenv("FASTINIT_RESUME_CONF", str(tmp_path / "resume"))
    r, image = build_host_only(fastinit_bin, moddir, tmp_path, "254:32")
    assert r.returncode == 0, r.stderr
    found = names(image.read_bytes())
    if expected is None:
        assert "etc/fastinit/resume" not in found
    else:
        assert image_member(image, "etc/fastinit/resume") == expected
    # A generic image serves any machine: no host's swap in it.
    generic = tmp_path / "generic.img"
    build(fastinit_bin, moddir, generic, "--compress", "none", "--no-microcode")
    assert "etc/fastinit/resume" not in names(generic.read_bytes())


# ---- a root on NFS (--nfs) ---------------------------------------------------

NFS_MODULES = {"nfs.ko", "nfsv4.ko", "nfsv3.ko", "sunrpc.ko", "virtio_net.ko"}


def nfs_names(image):
    found = names(image.read_bytes())
    modules = {os.path.basename(n) for n in found if n.endswith(".ko")} & NFS_MODULES
    klibc = {n for n in found if re.fullmatch(r"lib/klibc-[\w-]+\.so", n)}
    return "usr/lib/klibc/bin/ipconfig" in found, modules, klibc


def require_ipconfig():
    if not os.access("/usr/lib/klibc/bin/ipconfig", os.X_OK):
        pytest.fail("klibc's ipconfig is not installed (apt-get install klibc-utils; "
                    "scripts/install-deps)")


def test_nfs_puts_ipconfig_with_its_klibc_and_the_nfs_client_in_the_image(
        fastinit_bin, moddir, tmp_path, monkeypatch):
    require_ipconfig()
    monkeypatch.setenv("FASTINIT_ROOT_FSTYPE", "ext4")  # this host's root is not NFS
    image = tmp_path / "nfs.img"
    r = build(fastinit_bin, moddir, image, "--nfs", "--compress", "none", "--no-microcode")
    assert "NFS client" in r.stdout, r.stdout
    ipconfig, modules, klibc = nfs_names(image)
    assert ipconfig
    # klibc programs name their shared klibc as the ELF interpreter, which
    # ldd does not list: without it ipconfig cannot start.
    assert len(klibc) == 1, klibc
    assert modules == NFS_MODULES, modules

    generic = tmp_path / "generic.img"
    build(fastinit_bin, moddir, generic, "--compress", "none", "--no-microcode")
    assert nfs_names(generic) == (False, set(), set()), "a generic image has no NFS client"


@pytest.mark.parametrize("mode", ["--host-only", "--generic"])
@pytest.mark.parametrize("fstype, expected", [("nfs4", True), ("nfs", True), ("ext4", False)])
def test_any_image_has_the_nfs_client_when_the_hosts_root_is_nfs(
        fastinit_bin, moddir, tmp_path, fstype, expected, mode):
    """The kernel hooks' -u image is generic: on a host booted from NFS it
    must reach NFS too."""
    require_ipconfig()
    cache = tmp_path / "devices.db"  # unusable: the generic set
    cache.write_bytes(b"not a device cache\0" * 50)
    image = tmp_path / "initrd.img"
    env = dict(os.environ, FASTINIT_ROOT_FSTYPE=fstype)
    r = subprocess.run([MKINITRAMFS, "-o", str(image), "--kver", os.path.basename(moddir),
                        "--moddir", moddir, "--fastinit", fastinit_bin, mode,
                        "--cache", str(cache), "--compress", "none", "--no-microcode",
                        "--no-firmware"],
                       env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    ipconfig, modules, _ = nfs_names(image)
    assert ipconfig == expected, fstype
    assert (modules == NFS_MODULES) == expected, modules


def test_nfs_without_klibc_utils_names_the_package(fastinit_bin, moddir, tmp_path):
    image = tmp_path / "nfs.img"
    env = dict(os.environ, FASTINIT_IPCONFIG=str(tmp_path / "no-ipconfig"))
    r = subprocess.run([MKINITRAMFS, "-o", str(image), "--kver", os.path.basename(moddir),
                        "--moddir", moddir, "--fastinit", fastinit_bin, "--nfs",
                        "--compress", "none", "--no-microcode"],
                       env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 1
    assert "apt-get install klibc-utils" in r.stderr, r.stderr
    assert not image.exists()
