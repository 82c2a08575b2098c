"""Debian's own redis-server and nginx, run from the units `fastinit
import-systemd` makes of the .service files their packages install, under
fastinit as PID 1 of a namespace whose root is a real Debian 12 system, and
answering: redis `PING` gets `+PONG`, nginx `GET /` gets 200.

The root is scripts/fetch-rootfs's (built if it is missing; the cache is
never written: an overlay takes every change), with the fastinit under test
installed into it as docs/debian.md says (`meson install --destdir`). The
namespace has its own mounts and network (its own loopback, so the daemons'
ports are not the host's); nothing but the converted units and the targets
they name is started, so the root's other daemons stay down."""

import json
import os
import shutil
import socket
import subprocess
import tempfile

import pytest

from conftest import REPO, read_proc

# The manager's runtime directory inside the root: not under /run, where
# the manager mounts a tmpfs of its own, so that this host reaches the
# control socket through the overlay.
RUNTIME_DIR = "/fastinit-run"
TARGET = "imported-daemons"
# The shipped units the converted ones name (after, wants), copied from
# what meson installed: plain targets, and loopback (`ip link set lo up`).
SHIPPED = ["network", "network-online", "remote-fs", "loopback"]


@pytest.fixture(scope="module")
def debian_rootfs():
    # Cached in ~/.cache/fastinit/rootfs; built (debootstrap, a few minutes)
    # when missing. A root that cannot be built fails the test.
    r = subprocess.run([os.path.join(REPO, "scripts", "fetch-rootfs")], capture_output=True,
                       text=True)
    assert r.returncode == 0, f"scripts/fetch-rootfs failed: {r.stderr.strip()[-500:]}"
    root = r.stdout.strip().splitlines()[-1]
    for program in ("usr/bin/redis-server", "usr/sbin/nginx"):
        assert os.path.isfile(os.path.join(root, program)), f"{root} has no /{program}"
    return root


def meson_option(build_dir, name):
    out = subprocess.run(["meson", "introspect", build_dir, "--buildoptions"],
                         capture_output=True, text=True, check=True).stdout
    for option in json.loads(out):
        if option["name"] == name:
            return option["value"]
    raise AssertionError(f"{build_dir} has no option {name}")


@pytest.fixture
def debian_overlay(debian_rootfs):
    """A writable copy-on-write view of the cached root; removed after."""
    base = tempfile.mkdtemp(prefix="fi-deb-")
    upper, work, merged = (os.path.join(base, d) for d in ("upper", "work", "root"))
    for d in (upper, work, merged):
        os.mkdir(d)
    subprocess.run(["mount", "-t", "overlay", "overlay", "-o",
                    f"lowerdir={debian_rootfs},upperdir={upper},workdir={work}", merged],
                   check=True)
    try:
        yield merged
    finally:
        if subprocess.run(["umount", merged]).returncode != 0:
            subprocess.run(["umount", "-l", merged])
        shutil.rmtree(base, ignore_errors=True)


def install_fastinit(fastinit_bin, root):
    """meson install of FASTINIT_BIN's build into `root`; returns the
    manager's path inside it. Libraries the build links that the root lacks
    (a sanitizer build's runtime) are copied in beside."""
    build_dir = os.path.dirname(os.path.dirname(fastinit_bin))
    subprocess.run(["meson", "install", "-C", build_dir, "--no-rebuild", "--quiet",
                    "--destdir", root], check=True, stdout=subprocess.DEVNULL)
    manager = os.path.join(meson_option(build_dir, "prefix"), "sbin", "fastinit")
    installed = root + manager
    assert os.access(installed, os.X_OK), installed
    ldd = subprocess.run(["ldd", installed], capture_output=True, text=True, check=True).stdout
    for line in ldd.splitlines():
        parts = line.split()
        if "=>" in parts and parts[parts.index("=>") + 1].startswith("/"):
            library = parts[parts.index("=>") + 1]
            if not os.path.exists(root + library):
                shutil.copy(library, root + library)
    return manager


def ask(init_pid, port, request):
    """Sends `request` to 127.0.0.1:port in the namespace's network and
    returns the first bytes of the answer."""
    client = ("import socket, sys\n"
              "s = socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=10)\n"
              "s.sendall(sys.argv[2].encode())\n"
              "sys.stdout.write(repr(s.recv(64)))\n")
    r = subprocess.run(["nsenter", f"--net=/proc/{init_pid}/ns/net", "/usr/bin/python3", "-c",
                        client, str(port), request], capture_output=True, text=True, timeout=20)
    assert r.returncode == 0, r.stderr
    return r.stdout


def passwd_uid(root, user):
    with open(os.path.join(root, "etc", "passwd")) as f:
        for line in f:
            fields = line.split(":")
            if fields[0] == user:
                return int(fields[2])
    raise AssertionError(f"{root}/etc/passwd has no {user}")


def test_debian_redis_and_nginx_run_from_their_converted_units(debian_overlay, fastinit,
                                                               fastinit_bin):
    root = debian_overlay
    manager = install_fastinit(fastinit_bin, root)
    units = os.path.join(root, "etc", "fastinit", "units")
    os.makedirs(units)
    system = os.path.join(root, "lib", "systemd", "system")
    r = subprocess.run([fastinit_bin, "import-systemd", os.path.join(system, "redis-server.service"),
                        os.path.join(system, "nginx.service"), "--out", units],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    # What could not be carried is named, not dropped: redis's sandboxing.
    for lost in ("Service.PrivateTmp", "Service.ProtectSystem", "Service.SystemCallFilter",
                 "Service.PIDFile"):
        assert f"redis-server.service: note: {lost} (line" in r.stderr, r.stderr
    with open(os.path.join(units, "redis-server.toml")) as f:
        redis_toml = f.read()
    with open(os.path.join(units, "nginx.toml")) as f:
        nginx_toml = f.read()
    assert 'type = "notify"' in redis_toml, redis_toml
    assert 'runtime_directory_mode = "2755"' in redis_toml, redis_toml
    assert "capability_bounding_set = []" in redis_toml, redis_toml
    assert 'limit_nofile = "65535"' in redis_toml, redis_toml
    assert 'type = "forking"' in nginx_toml and 'pid_file = "/run/nginx.pid"' in nginx_toml, \
        nginx_toml
    assert 'exec_start_pre = [["/usr/sbin/nginx", "-t"' in nginx_toml, nginx_toml
    for name in SHIPPED:
        shutil.copy(os.path.join(root, "usr", "lib", "fastinit", "units", name + ".toml"), units)
    with open(os.path.join(units, TARGET + ".toml"), "w") as f:
        f.write('[unit]\nwants = ["loopback", "network", "redis-server", "nginx"]\n')
    check = subprocess.run([fastinit_bin, "check", units, "--root", root, "--target", TARGET],
                           capture_output=True, text=True)
    assert check.returncode == 0 and " 0 broken: 0 errors" in check.stdout, \
        check.stdout + check.stderr

    ns = fastinit.new(runtime_dir=root + RUNTIME_DIR)
    ns.start(command=["unshare", "--pid", "--fork", "--mount", "--mount-proc", "--net",
                      f"--root={root}", manager, "--units", "/etc/fastinit/units",
                      "--target", TARGET, "--runtime-dir", RUNTIME_DIR])
    redis = ns.wait_state("redis-server", "active", timeout=30)
    nginx = ns.wait_state("nginx", "active", timeout=30)
    assert redis["Type"] == "notify" and nginx["Type"] == "forking", (redis, nginx)

    # Debian's binaries, children of the namespace's PID 1: redis-server as
    # the package's user, nginx's master the pid its pid file names.
    # (Both rename their process: redis to "PROGRAM ADDRESS:PORT".)
    assert ns.cmdline_of_ns_pid(redis["pid"])[0].startswith("/usr/bin/redis-server "), redis
    with open(f"/proc/{ns.host_pid(redis['pid'])}/status") as f:
        uid_line = next(line for line in f if line.startswith("Uid:"))
    assert int(uid_line.split()[1]) == passwd_uid(root, "redis"), uid_line
    assert ns.cmdline_of_ns_pid(nginx["pid"])[0].startswith("nginx: master process"), nginx
    # LimitNOFILE=65535, or (without CAP_SYS_RESOURCE, in a container)
    # the closest the kernel grants, and the log says so.
    with open(f"/proc/{ns.host_pid(redis['pid'])}/limits") as f:
        nofile = next(line for line in f if line.startswith("Max open files")).split()[3:5]
    if nofile != ["65535", "65535"]:
        with open(f"/proc/{ns.init_pid}/limits") as f:
            hard = next(line for line in f if line.startswith("Max open files")).split()[4]
        assert nofile == [hard, hard], nofile
        assert ("redis-server: limit_nofile 65535:65535 is above the hard limit this manager "
                f"may grant; /usr/bin/redis-server runs with {hard}:{hard} instead"
                in ns.read_log()), ns.read_log()
    run = f"/proc/{ns.init_pid}/root/run"
    with open(f"{run}/nginx.pid") as f:
        assert int(f.read()) == nginx["pid"]
    assert os.stat(f"{run}/redis").st_mode & 0o7777 == 0o2755

    # And they answer.
    assert ask(ns.init_pid, 6379, "PING\r\n") == repr(b"+PONG\r\n")
    answer = ask(ns.init_pid, 80, "GET / HTTP/1.0\r\nHost: localhost\r\n\r\n")
    assert answer.startswith(repr(b"HTTP/1.1 200 OK")[:-1]), answer

    # fastinit stop: nginx through its ExecStop (start-stop-daemon, QUIT),
    # redis through SIGTERM; both end cleanly, and nothing of theirs is left.
    ns.ctl_ok("stop", "nginx", "redis-server")
    for name in ("nginx", "redis-server"):
        info = ns.unit_status(name)
        assert (info["state"], info["result"]) == ("inactive", "success"), info
    left = [read_proc(pid, "cmdline") or "" for pid in ns.processes() if pid != ns.init_pid]
    assert not [c for c in left if "nginx" in c or "redis" in c], left
    ns.stop()
