"""A root on NFS: fastinit's initramfs (mkinitramfs --nfs) brings the network
up by DHCP (klibc's ipconfig), mounts the root over NFSv4 and switches to
it; a kexec reboot then boots from the device cache.

The NFS server is a second VM (a kernel nfsd cannot run in this container):
the same Debian kernel booting an initramfs of its own — mkinitramfs's
busybox image with nfsd's modules, plus Debian's rpc.nfsd, rpc.mountd and
exportfs (scripts/fetch-nfs-server: apt-get download, dpkg -x) and a shell
script as rdinit — exporting the demo root disk over NFSv4 only, TCP port
2049, no rpcbind. QEMU user networking joins them:

    client 10.0.2.100:2049 --guestfwd (a relay on the host)--> 127.0.0.1:PORT
        --hostfwd--> server 10.0.2.15:2049

so the client boots with `ip=dhcp root=nfs4:10.0.2.100:/export`. nfsd's
grace period is cut to 10 s (its minimum), the server has no other work:
two TCG VMs, three boots in all."""

import os
import socket
import subprocess
import sys
import tempfile

import pytest

from conftest import REPO, wait_booted, wait_shell
from vm import Vm

sys.path.insert(0, os.path.join(REPO, "initramfs"))
from cpio import Tree  # noqa: E402

DEVICES = r"devices: (\w[\w-]*) \((.*)\), (\d+) modules loaded"

SERVER_INIT = """#!/bin/sh
# The NFS server VM's whole userspace: NFSv4 over TCP only, so no rpcbind.
export PATH=/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in virtio_pci virtio_net virtio_blk crc32c_generic ext4 nfsd; do modprobe $m; done
ip link set lo up
ip addr add 10.0.2.15/24 dev eth0
ip link set eth0 up
while [ ! -b /dev/vda ]; do sleep 0.1; done
mkdir -p /export /var/lib/nfs/v4recovery /run
mount /dev/vda /export
mount -t nfsd nfsd /proc/fs/nfsd
touch /var/lib/nfs/etab /var/lib/nfs/rmtab
echo '/export *(rw,sync,no_subtree_check,no_root_squash,insecure)' > /etc/exports
exportfs -r
rpc.mountd -N 3 -u
rpc.nfsd -N 3 -U -p 2049 -L 10 -G 10 2
echo "nfs server: $(cat /proc/fs/nfsd/versions) on $(cat /proc/fs/nfsd/portlist)"
exec sh
"""

# What QEMU runs for each connection the client opens to 10.0.2.100:2049
# (slirp's guestfwd cmd:, the connection on stdin and stdout): carries it
# to the server VM's forwarded port.
RELAY = """import os, select, socket, sys
server = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
guest = 0
while True:
    ready, _, _ = select.select([guest, server], [], [])
    for fd in ready:
        if fd is server:
            data = server.recv(65536)
            if not data:
                sys.exit(0)
            os.write(1, data)
        else:
            data = os.read(guest, 65536)
            if not data:
                sys.exit(0)
            server.sendall(data)
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def shared_libraries(binary, libdir):
    env = dict(os.environ, LD_LIBRARY_PATH=libdir)
    out = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True,
                         env=env).stdout
    assert "not found" not in out, out
    libs = []
    for line in out.splitlines():
        parts = line.split()
        if "=>" in parts and parts[parts.index("=>") + 1].startswith("/"):
            libs.append(parts[parts.index("=>") + 1])
        elif parts and parts[0].startswith("/"):
            libs.append(parts[0])
    return libs


@pytest.fixture(scope="module")
def nfs_server_root():
    root = os.environ.get("FASTINIT_NFS_SERVER")
    if not root:
        r = subprocess.run([os.path.join(REPO, "scripts", "fetch-nfs-server")],
                           capture_output=True, text=True)
        assert r.returncode == 0, "scripts/fetch-nfs-server failed:\n" + r.stderr
        root = r.stdout.strip().splitlines()[-1]
    return root


def server_initrd(images, nfs_root, workdir):
    """An archive with the server's programs, their libraries and
    /nfs-server (rdinit=), then mkinitramfs's busybox image with nfsd's
    modules."""
    base = images.initramfs("nfs-server-base.img", "--module", "nfsd", "--module", "virtio_net",
                            "--compress", "gzip", "--no-microcode")
    libdir = ":".join(os.path.join(nfs_root, d) for d in
                      ["usr/lib/x86_64-linux-gnu", "lib/x86_64-linux-gnu"])
    tree = Tree()
    tree.add_data("nfs-server", SERVER_INIT.encode(), 0o755)
    libs = set()
    for name in ["rpc.nfsd", "rpc.mountd", "exportfs"]:
        program = os.path.join(nfs_root, "usr/sbin", name)
        tree.add_file("usr/sbin/" + name, program, 0o755)
        libs.update(shared_libraries(program, libdir))
    for lib in sorted(libs):
        tree.add_file(lib.lstrip("/") if not lib.startswith(nfs_root)
                      else lib[len(nfs_root):].lstrip("/"), os.path.realpath(lib), 0o755)
    # libtirpc reads the transports from /etc/netconfig (libtirpc-common).
    tree.add_file("etc/netconfig", "/etc/netconfig", 0o644)
    tree.add_data("etc/passwd", b"root:x:0:0:root:/:/bin/sh\n")
    tree.add_data("etc/group", b"root:x:0:\n")
    tree.add_data("etc/services", b"nfs 2049/tcp\n")
    out = os.path.join(workdir, "nfs-server.img")
    # Uncompressed first, as an early microcode archive is: the kernel
    # takes the compressed one after it.
    with open(base, "rb") as f, open(out, "wb") as o:
        tree.write(o)
        o.write(f.read())
    return out


def test_a_root_on_nfs_boots_over_dhcp_and_a_second_boot_hits_the_cache(images, nfs_server_root):
    workdir = tempfile.mkdtemp(prefix="nfsroot.", dir=images.workdir)
    client_initrd = images.initramfs("nfs-client.img", "--nfs")
    # The exported root: the demo root with the NFS image in /boot, which
    # `fastinit reboot` kexecs.
    export = images.make_rootdisk("nfs-export.img",
                                  extra=[client_initrd + ":/boot/initrd.img"])
    port = free_port()
    relay = os.path.join(workdir, "relay.py")
    with open(relay, "w") as f:
        f.write(RELAY)
    log = os.environ.get("FASTINIT_VM_CONSOLE_LOG") or None
    server = Vm(images.kernel, server_initrd(images, nfs_server_root, workdir), export,
                "quiet rdinit=/nfs-server", memory=384, log=log,
                nic="user,model=virtio-net-pci,restrict=on,hostfwd=tcp:127.0.0.1:%d-:2049" % port)
    client = None
    try:
        ready = server.expect(r"nfs server: (.*) on (.*)", 120)
        assert "+4" in ready.group(1) and "2049" in ready.group(2), ready.group(0)
        client = Vm(images.kernel, client_initrd, None,
                    "quiet root=nfs4:10.0.2.100:/export ip=dhcp rw fastinit.root_timeout=60s",
                    log=log,
                    nic="user,model=virtio-net-pci,restrict=on,"
                        "guestfwd=tcp:10.0.2.100:2049-cmd:python3 %s %d" % (relay, port))
        first = client.expect(DEVICES, 120)
        assert first.group(1) == "probe", first.group(0)
        client.expect(r"network: eth0 has 10\.0\.2\.15", 90)
        client.expect(r"root 10\.0\.2\.100:/export mounted read-write", 90)
        wait_booted(client, 180)
        wait_shell(client, 90)
        status, out = client.run("grep ' / ' /proc/mounts; cat /run/net-eth0.conf")
        assert "10.0.2.100:/export / nfs4 rw" in out, out
        assert "IPV4ADDR='10.0.2.15'" in out, out
        # The real root's init is fastinit, PID 1 on the NFS root.
        status, out = client.run("readlink /proc/1/exe")
        assert "fastinit" in out, out

        mark = len(client.console)
        client.type("fastinit reboot")
        client.expect(r"shutting down \(then kexec\)", 60, mark)
        second = client.expect(DEVICES, 120, mark)
        assert second.group(1) == "cache-hit", second.group(0)
        assert "SeaBIOS" not in client.console[mark:second.start()], "the firmware ran"
        client.expect(r"root 10\.0\.2\.100:/export mounted", 90, mark)
        wait_booted(client, 180, mark)
        wait_shell(client, 90)
        status, out = client.run("grep -c -E '^(virtio_net|nfsv4|sunrpc) ' /proc/modules; "
                                 "grep ' / ' /proc/mounts")
        assert out.splitlines()[0].strip() == "3", out
        assert " / nfs4 " in out, out
    except BaseException:
        sys.stderr.write("server console:\n" + server.console[-6000:] + "\n")
        if client is not None:
            sys.stderr.write("client console:\n" + client.console[-12000:] + "\n")
        raise
    finally:
        if client is not None:
            client.close()
        server.close()
