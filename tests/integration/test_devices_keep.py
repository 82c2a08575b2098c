"""`fastinit devices keep` and the shipped unit that runs it after local-fs:
the device cache stage 1 handed over in /run reaches the root once the root
is writable, and says so (path and errno) while it is not."""

import os
import subprocess

from conftest import REPO

SHIPPED_UNIT = os.path.join(REPO, "units", "fastinit-devices-keep.toml.in")


def keep(fastinit_bin, source, target, wrap=()):
    return subprocess.run([*wrap, fastinit_bin, "devices", "keep", "--from", source,
                           "--cache", target], capture_output=True, text=True, timeout=20)


def test_keep_copies_once_and_leaves_a_newer_cache_alone(fastinit_bin, tmp_path):
    source, target = tmp_path / "run" / "devices.db", tmp_path / "lib" / "devices.db"
    source.parent.mkdir()
    source.write_bytes(b"cache of this boot")
    r = keep(fastinit_bin, source, target)
    assert r.returncode == 0 and f"kept in {target}" in r.stdout, r
    assert target.read_bytes() == b"cache of this boot"
    r = keep(fastinit_bin, source, target)
    assert r.returncode == 0 and "already holds" in r.stdout, r

    # A probe after the boot wrote its own cache: the older one from the
    # initramfs must not replace it.
    target.write_bytes(b"a later probe")
    os.utime(source, (1, 1))
    r = keep(fastinit_bin, source, target)
    assert r.returncode == 0 and "changed after this boot's handover" in r.stdout, r
    assert target.read_bytes() == b"a later probe"

    # Not booted through fastinit's initramfs: nothing to do, not a failure.
    r = keep(fastinit_bin, tmp_path / "none.db", target)
    assert r.returncode == 0 and "nothing to keep" in r.stdout, r


def test_keep_keeps_stage_2s_cache_beside_the_handed_over_one(fastinit_bin, tmp_path):
    run, lib = tmp_path / "run", tmp_path / "lib"
    run.mkdir()
    # Stage 2's cache of the root's own module tree, without a handed-over
    # cache (a root booted without fastinit's initramfs): still kept.
    (run / "devices-root.db").write_bytes(b"root tree cache")
    r = keep(fastinit_bin, run / "devices.db", lib / "devices.db")
    assert r.returncode == 0, r
    assert "nothing to keep" in r.stdout and f"kept in {lib / 'devices-root.db'}" in r.stdout, r
    assert (lib / "devices-root.db").read_bytes() == b"root tree cache"
    assert not (lib / "devices.db").exists()
    # Both, and one that cannot be written does not stop the other.
    (run / "devices.db").write_bytes(b"stage 1 cache")
    (run / "devices-root.db").write_bytes(b"root tree cache, renewed")
    (lib / "devices-root.db").unlink()
    (lib / "devices-root.db").mkdir()  # a directory where the file goes
    r = keep(fastinit_bin, run / "devices.db", lib / "devices.db")
    assert r.returncode == 1, r
    assert (lib / "devices.db").read_bytes() == b"stage 1 cache"
    assert str(lib / "devices-root.db") in r.stderr, r


def test_keep_on_a_read_only_filesystem_names_path_and_errno(fastinit_bin, tmp_path):
    source = tmp_path / "devices.db"
    source.write_bytes(b"cache of this boot")
    ro = tmp_path / "ro"
    ro.mkdir()
    target = ro / "devices.db"
    # A read-only tmpfs in a mount namespace of its own, as the root is under
    # Debian's `ro` until its remount.
    r = subprocess.run(
        ["unshare", "--mount", "sh", "-c",
         f'mount -t tmpfs -o ro,mode=755 tmpfs "{ro}" && exec "$@"', "sh",
         fastinit_bin, "devices", "keep", "--from", str(source), "--cache", str(target)],
        capture_output=True, text=True, timeout=20)
    assert r.returncode == 1, r
    assert str(target) in r.stderr and "Read-only file system" in r.stderr, r
    assert "(errno 30)" in r.stderr, r
    assert not target.exists()


def test_the_shipped_unit_runs_after_a_missing_local_fs(fastinit, fastinit_bin):
    ns = fastinit.new()
    source, target = ns.work("handed-over.db"), ns.work("lib", "devices.db")
    with open(source, "wb") as f:
        f.write(b"cache of this boot")
    with open(SHIPPED_UNIT) as f:
        text = f.read()
    # The shipped unit, pointed at this test's files instead of /run and /var.
    assert 'after = ["local-fs"]' in text
    assert 'path_exists = ["/run/fastinit"]' in text
    text = text.replace('"/run/fastinit"', f'"{os.path.dirname(source)}"')
    text = text.replace('"@SBINDIR@/fastinit", "devices", "keep"',
                        f'"{fastinit_bin}", "devices", "keep", "--from", "{source}", '
                        f'"--cache", "{target}"')
    # No local-fs unit here (not every unit directory has one): ordering
    # after a unit that does not exist must not keep it from running.
    ns.write_units({"fastinit-devices-keep": text})
    ns.start(target="fastinit-devices-keep")
    assert ns.timeline_units()["fastinit-devices-keep"]["state"] == "active", ns.timeline()
    with open(target, "rb") as f:
        assert f.read() == b"cache of this boot"
