"""A minimal writer for the "newc" cpio format the kernel unpacks as an
initramfs. Entries are written in the order given; directories must come
before what they contain."""

import os
import stat


class CpioWriter:
    def __init__(self, out):
        self._out = out
        self._ino = 1

    def _header(self, name, mode, size, nlink=1, rdev_major=0, rdev_minor=0):
        fields = [
            self._ino, mode, 0, 0, nlink, 0, size, 0, 0, rdev_major, rdev_minor,
            len(name) + 1, 0,
        ]
        self._ino += 1
        header = "070701" + "".join("%08X" % f for f in fields)
        data = header.encode() + name.encode() + b"\0"
        self._out.write(data)
        self._pad(len(data))

    def _pad(self, length):
        if length % 4:
            self._out.write(b"\0" * (4 - length % 4))

    def directory(self, name, mode=0o755):
        self._header(name, stat.S_IFDIR | mode, 0, nlink=2)

    def file(self, name, data, mode=0o644):
        self._header(name, stat.S_IFREG | mode, len(data))
        self._out.write(data)
        self._pad(len(data))

    def symlink(self, name, target):
        data = target.encode()
        self._header(name, stat.S_IFLNK | 0o777, len(data))
        self._out.write(data)
        self._pad(len(data))

    def device(self, name, char, major, minor, mode=0o600):
        kind = stat.S_IFCHR if char else stat.S_IFBLK
        self._header(name, kind | mode, 0, rdev_major=major, rdev_minor=minor)

    def trailer(self):
        self._header("TRAILER!!!", 0, 0)


class Tree:
    """Files to pack, keyed by their path in the image (no leading slash).
    Parent directories are added automatically."""

    def __init__(self):
        self.entries = {}

    def _parents(self, path):
        parts = path.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            d = "/".join(parts[:i])
            self.entries.setdefault(d, ("dir", 0o755))

    def add_dir(self, path, mode=0o755):
        self._parents(path)
        self.entries[path] = ("dir", mode)

    def add_file(self, path, source, mode=None):
        self._parents(path)
        if mode is None:
            mode = os.stat(source).st_mode & 0o7777
        self.entries[path] = ("file", source, mode)

    def add_data(self, path, data, mode=0o644):
        self._parents(path)
        self.entries[path] = ("data", data, mode)

    def add_symlink(self, path, target):
        self._parents(path)
        self.entries[path] = ("link", target)

    def add_device(self, path, char, major, minor, mode=0o600):
        self._parents(path)
        self.entries[path] = ("dev", char, major, minor, mode)

    def write(self, out):
        w = CpioWriter(out)
        for path in sorted(self.entries, key=lambda p: (p.count("/"), p)):
            entry = self.entries[path]
            kind = entry[0]
            if kind == "dir":
                w.directory(path, entry[1])
            elif kind == "file":
                with open(entry[1], "rb") as f:
                    w.file(path, f.read(), entry[2])
            elif kind == "data":
                w.file(path, entry[1], entry[2])
            elif kind == "link":
                w.symlink(path, entry[1])
            elif kind == "dev":
                w.device(path, entry[1], entry[2], entry[3], entry[4])
        w.trailer()


def _walk(data, pos=0):
    """(name, mode, content start, size, next header) for each entry of the
    newc archive at `pos`, the trailer last. Stops at the first malformed
    header: what follows is not this archive."""
    while pos + 110 <= len(data) and data[pos:pos + 6] == b"070701":
        try:
            fields = [int(data[pos + 6 + 8 * i:pos + 14 + 8 * i], 16) for i in range(13)]
        except ValueError:
            return
        mode, size, namesize = fields[1], fields[6], fields[11]
        name_end = pos + 110 + namesize
        name = data[pos + 110:name_end - 1].decode(errors="replace")
        start = (name_end + 3) & ~3
        pos = (start + size + 3) & ~3
        yield name, mode, start, size, pos
        if name == "TRAILER!!!":
            return


def read_members(data, wanted, pos=0):
    """The contents of the regular files named in `wanted` (paths without a
    leading slash) in the uncompressed newc archive at `pos` of `data`, as
    {path: bytes}. Stops at the trailer or at the first malformed header:
    an image of another format simply has no members."""
    found = {}
    for name, mode, start, size, _ in _walk(data, pos):
        if name in wanted and stat.S_ISREG(mode):
            found[name] = data[start:start + size]
    return found


def archive_end(data, pos=0):
    """Where the newc archive at `pos` ends (after its trailer, on a 4-byte
    boundary, as the next archive of an initramfs starts), or None when it
    has no trailer."""
    for name, _, _, _, end in _walk(data, pos):
        if name == "TRAILER!!!":
            return min(end, len(data))
    return None
