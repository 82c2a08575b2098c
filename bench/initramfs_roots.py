"""The roots bench/initramfs boots (--root): each says which disk every boot
gets a fresh copy of, and what each initramfs needs on top of its default
build to reach that root. The rule: every way gets the same root, the same
kernel command line and the same keys; only what the way itself needs to
know is added to its image.

  plain         the demo root disk (initramfs/images.py), ext4 on a virtio
                disk: nothing to add.
  lvm-on-luks   the same root file system on a logical volume of a volume
                group on a LUKS2 container on the virtio disk, unlocked with
                a keyfile carried in every image (no one types). The LUKS
                key slot uses PBKDF2 with 1000 iterations for all ways alike,
                so that the phase measures the init's work, not a KDF made
                to be slow. The disk is built in a helper VM
                (initramfs/setup_vm.py: the host's device-mapper never sees
                it) and cached in $FASTINIT_BENCH_CACHE (default
                ~/.cache/fastinit/bench-initramfs), keyed by what goes into it.
"""

import hashlib
import json
import os
import shutil
import uuid

from setup_vm import LVM_CONFIG, run_setup, sparse_disk

ROOTS = ["plain", "lvm-on-luks"]


class PlainRoot:
    name = "plain"
    description = "ext4 on the virtio disk"
    # The root's ext4 mount in the kernel's log, the same line for every
    # image (it splits the phase): the block device it is on, a regex.
    mounted_device = "vda"

    def __init__(self, images):
        self.images = images
        self.disk = images.rootdisk

    def fastinit_args(self):
        return []

    def itools_conf(self, confdir):
        pass

    def dracut_args(self):
        return []


# What the LVM-on-LUKS disk is made of; bumped when the layout changes.
LUKS_LAYOUT = ("luks2 pbkdf2 1000 aes-xts-plain64; lvm vg fibench lv root; "
               "the demo root file system")
LUKS_FORMAT = ("--type luks2 --batch-mode --pbkdf pbkdf2 --pbkdf-force-iterations 1000 "
               "--cipher aes-xts-plain64 --key-size 512")
VG = "fibench"
LV = "root"
DISK_MIB = 160
KEY_BYTES = 64

SETUP_LUKS = """
cryptsetup luksFormat %(format)s --uuid %(uuid)s --key-file /bench-luks.key /dev/vdb
cryptsetup open --key-file /bench-luks.key /dev/vdb %(name)s
lvm pvcreate --config "%(c)s" -ff -y /dev/mapper/%(name)s
lvm vgcreate --config "%(c)s" %(vg)s /dev/mapper/%(name)s
lvm lvcreate --config "%(c)s" -y -n %(lv)s -l 100%%FREE %(vg)s
lvm vgmknodes --config "%(c)s" %(vg)s
dd if=/dev/vda of=/dev/mapper/%(vg)s-%(lv)s bs=1M
sync
lvm vgchange --config "%(c)s" -an %(vg)s
cryptsetup close %(name)s
cryptsetup luksDump /dev/vdb | sed -n 's/^/luksDump: /p'
"""

# initramfs-tools: a hook in the benchmark's own configuration directory
# that does for the image what cryptsetup-initramfs's hook does for an
# /etc/crypttab entry whose keyfile matches KEYFILE_PATTERN (it copies the
# keyfile to /cryptroot/keyfiles/NAME.key and writes the entry naming it
# into /cryptroot/crypttab), but from the benchmark's crypttab: the host's
# /etc/crypttab and /etc/cryptsetup-initramfs are never read or written.
# cryptsetup-initramfs's own hook still runs and adds cryptsetup, dm-crypt
# and the crypto modules; its boot script unlocks every entry of
# /cryptroot/crypttab, then udev's LVM rule activates the volume group.
ITOOLS_HOOK = """#!/bin/sh
# bench/initramfs: the LVM-on-LUKS root's crypttab entry and keyfile.
[ "$1" = prereqs ] && exit 0
. /usr/share/initramfs-tools/hook-functions
mkdir -p "$DESTDIR/cryptroot/keyfiles"
chmod 0700 "$DESTDIR/cryptroot/keyfiles"
copy_file keyfile "%(key)s" "/cryptroot/keyfiles/%(name)s.key"
printf '%%s\\n' "%(name)s UUID=%(uuid)s /cryptroot/keyfiles/%(name)s.key luks" \\
    >>"$DESTDIR/cryptroot/crypttab"
"""


def cache_root():
    return os.environ.get("FASTINIT_BENCH_CACHE") or os.path.join(
        os.path.expanduser("~"), ".cache", "fastinit", "bench-initramfs")


def file_digest(h, path):
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)


class LvmOnLuksRoot:
    name = "lvm-on-luks"
    mounted_device = r"dm-\d+"

    def __init__(self, images, repo, log):
        self.images = images
        self.log = log
        key = self.cache_key(repo)
        self.dir = os.path.join(cache_root(), "lvm-on-luks-" + key[:16])
        self.disk = os.path.join(self.dir, "root.img")
        self.keyfile = os.path.join(self.dir, "root.key")
        meta = os.path.join(self.dir, "meta.json")
        if os.path.exists(meta):
            with open(meta) as f:
                self.uuid = json.load(f)["uuid"]
            log("LVM-on-LUKS root disk from the cache: %s" % self.dir)
        else:
            self.build(meta)
        self.mapping = "luks-" + self.uuid
        self.description = ("ext4 on LVM (%s/%s) on LUKS2 (UUID %s, PBKDF2 1000 iterations, "
                            "keyfile %s in every image) on the virtio disk"
                            % (VG, LV, self.uuid, self.keyfile))
        self.crypttab = os.path.join(images.workdir, "crypttab")
        with open(self.crypttab, "w") as f:
            f.write("%s UUID=%s %s luks\n" % (self.mapping, self.uuid, self.keyfile))

    def cache_key(self, repo):
        """The disk holds the demo root of this fastinit binary, units and
        kernel (in /boot): a change of any of them, or of the scripts that
        lay it out, is another disk."""
        h = hashlib.sha256((LUKS_LAYOUT + LUKS_FORMAT + SETUP_LUKS).encode())
        for path in [self.images.fastinit, self.images.kernel,
                     os.path.join(repo, "initramfs", "mkrootdisk")]:
            file_digest(h, path)
        units = os.path.join(repo, "units", "demo")
        for name in sorted(os.listdir(units)):
            h.update(name.encode())
            file_digest(h, os.path.join(units, name))
        return h.hexdigest()

    def build(self, meta):
        """The helper VM: LUKS2 on vdb, LVM inside, the demo root file
        system copied onto the volume; written to a temporary directory and
        renamed into the cache once complete. Older disks of this layout
        are removed (one is kept)."""
        parent = os.path.dirname(self.dir)
        os.makedirs(parent, exist_ok=True)
        tmp = self.dir + ".tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        os.makedirs(tmp, mode=0o700)
        self.uuid = str(uuid.uuid4())
        key = os.urandom(KEY_BYTES)
        with open(os.path.join(tmp, "root.key"), "wb") as f:
            os.fchmod(f.fileno(), 0o600)
            f.write(key)
        pv = sparse_disk(self.images, "lvm-on-luks.img", DISK_MIB)
        if not shutil.which("cryptsetup", path="/usr/sbin:/sbin"):
            raise SystemExit("bench/initramfs: cryptsetup is not installed "
                             "(apt-get install cryptsetup-bin)")
        self.log("building the LVM-on-LUKS root disk in a helper VM ...")
        console = run_setup(
            self.images, "lvm-on-luks", SETUP_LUKS % {
                "format": LUKS_FORMAT, "uuid": self.uuid, "name": "luks-" + self.uuid,
                "c": LVM_CONFIG, "vg": VG, "lv": LV},
            [pv], "vdb", modules="dm_mod dm_crypt xts ecb algif_skcipher",
            files=[("bench-luks.key", key)], timeout=600)
        dump = [line.split("luksDump: ", 1)[1] for line in console.splitlines()
                if line.startswith("luksDump: ")]
        shutil.move(pv, os.path.join(tmp, "root.img"))
        with open(os.path.join(tmp, "meta.json"), "w") as f:
            json.dump({"uuid": self.uuid, "layout": LUKS_LAYOUT, "format": LUKS_FORMAT,
                       "luksDump": dump}, f, indent=1)
        for old in os.listdir(parent):
            if old.startswith("lvm-on-luks-") and old != os.path.basename(tmp):
                shutil.rmtree(os.path.join(parent, old), ignore_errors=True)
        os.rename(tmp, self.dir)

    def fastinit_args(self):
        return ["--crypttab", self.crypttab]

    def itools_conf(self, confdir):
        hooks = os.path.join(confdir, "hooks")
        os.makedirs(hooks, exist_ok=True)
        hook = os.path.join(hooks, "zz-bench-initramfs-luks")
        with open(hook, "w") as f:
            f.write(ITOOLS_HOOK % {"key": self.keyfile, "name": self.mapping,
                                   "uuid": self.uuid})
        os.chmod(hook, 0o755)

    def dracut_args(self):
        """dracut's crypt and lvm modules, the crypttab as /etc/crypttab and
        the keyfile at the path it names. Without rd.luks.uuid= dracut
        opens every LUKS device as luks-UUID; an /etc/crypttab entry of
        that name is opened by systemd-cryptsetup with its keyfile."""
        return ["--add", "crypt lvm", "--include", self.crypttab, "/etc/crypttab",
                "--include", self.keyfile, self.keyfile]


def make_root(kind, images, repo, log):
    if kind == "plain":
        return PlainRoot(images)
    return LvmOnLuksRoot(images, repo, log)
