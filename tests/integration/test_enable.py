"""`fastinit enable|disable --root DIR` with real managers: the manager reads
DIR/etc/fastinit/units before DIR/usr/lib/fastinit/units, as at boot.
Disabling a shipped unit keeps it from starting at the next manager start;
enabling it again brings it back; enabling an instance of a template makes
it start. The files written are the ones printed."""

import os
import subprocess


def make_root(tmp_path, out):
    root = tmp_path / "root"
    lib = root / "usr/lib/fastinit/units"
    lib.mkdir(parents=True)
    (lib / "default.toml").write_text('[unit]\nwants = ["multi-user"]\n')
    (lib / "multi-user.toml").write_text("[unit]\n")
    (lib / "stamp.toml").write_text(
        '[unit]\nwanted_by = ["multi-user"]\n[service]\ntype = "oneshot"\n'
        f'exec = ["/bin/sh", "-c", "echo started >> {out}/stamp"]\n')
    (lib / "echo@.toml").write_text(
        '[service]\ntype = "oneshot"\n'
        f'exec = ["/bin/sh", "-c", "echo %i >> {out}/echo"]\n')
    return root


def ctl(fastinit_bin, *args):
    r = subprocess.run([fastinit_bin, *map(str, args)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def boot(fastinit, root):
    ns = fastinit.new()
    ns.start(unit_dir=str(root / "etc/fastinit/units"),
             extra_args=("--units", str(root / "usr/lib/fastinit/units")))
    return ns


def test_disable_then_enable_across_manager_starts(fastinit, fastinit_bin, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    os.chmod(out, 0o777)
    root = make_root(tmp_path, out)
    printed = ctl(fastinit_bin, "disable", "stamp", "--root", root)
    dropin = root / "etc/fastinit/units/stamp.toml.d/zz-disabled.toml"
    assert printed == f"Created {dropin}.\n"
    assert dropin.read_text().endswith("wanted_by = []\n")

    ns = boot(fastinit, root)
    ns.wait_state("multi-user", "active")
    # Loaded, but nothing pulled it in.
    assert ns.unit_status("stamp")["state"] == "inactive"
    ns.stop()
    assert not (out / "stamp").exists()

    assert ctl(fastinit_bin, "enable", "stamp", "--root", root) == f"Removed {dropin}.\n"
    assert ctl(fastinit_bin, "enable", "echo@one", "--root", root) == (
        f"Created {root}/etc/fastinit/units/echo@one.toml.d/zz-enabled.toml.\n")
    ns = boot(fastinit, root)
    ns.wait_state("stamp", "active")
    ns.wait_state("echo@one", "active")
    ns.stop()
    assert (out / "stamp").read_text() == "started\n"
    assert (out / "echo").read_text() == "one\n"
