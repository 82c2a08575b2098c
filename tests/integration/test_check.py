"""`fastinit check DIR` on every unit, without a target: a missing program
and a reference to a missing unit are reported with file, line and key, at
the severity the boot gives them, and the exit status says whether there
was an error. --root resolves programs in another root, where a missing one
is only a warning."""

import os
import subprocess


def check(fastinit_bin, *args):
    return subprocess.run([fastinit_bin, "check", *map(str, args)], capture_output=True,
                          text=True)


def write_units(dir, units):
    dir.mkdir(exist_ok=True)
    for name, text in units.items():
        (dir / f"{name}.toml").write_text(text)


def test_missing_program_and_missing_requires_without_a_target(fastinit_bin, tmp_path):
    units = tmp_path / "units"
    write_units(units, {
        "web": '[unit]\nrequires = ["database"]\nwants = ["cache"]\nafter = ["network"]\n'
               '\n[service]\nexec = ["/usr/bin/no-such-webserver", "-d"]\n',
        "fine": '[service]\nexec = ["/bin/sleep", "1"]\n',
    })
    r = check(fastinit_bin, units)
    assert r.returncode == 1, r.stdout + r.stderr
    out = r.stdout
    web = units / "web.toml"
    assert (f"{web}:2:1: error: unit.requires: web requires database, which cannot start "
            "(no unit file named database.toml") in out, out
    assert f"{web}:3:1: warning: unit.wants: web wants cache" in out, out
    assert f"{web}:4:1: warning: unit.after: web names network in after" in out, out
    assert (f"{web}:7:1: error: service.exec: program /usr/bin/no-such-webserver cannot be run: "
            "No such file or directory") in out, out
    assert "2 units loaded, 0 broken: 2 errors, 2 warnings" in out, out
    assert "fine.toml" not in out, out


def test_a_program_that_is_not_executable_is_an_error(fastinit_bin, tmp_path):
    script = tmp_path / "script"
    script.write_text("#!/bin/sh\n")
    os.chmod(script, 0o644)
    units = tmp_path / "units"
    write_units(units, {"s": f'[service]\nexec = ["{script}"]\n'})
    r = check(fastinit_bin, units)
    assert r.returncode == 1, r.stdout
    assert f"error: service.exec: program {script} cannot be run: not executable" in r.stdout
    os.chmod(script, 0o755)
    r = check(fastinit_bin, units)
    assert r.returncode == 0 and "0 errors, 0 warnings" in r.stdout, r.stdout


def test_conditions_and_tolerated_commands_only_warn(fastinit_bin, tmp_path):
    units = tmp_path / "units"
    write_units(units, {
        "maybe": '[service]\nexec = ["/opt/vendor/tool"]\n[condition]\n'
                 'path_exists = ["/opt/vendor"]\n',
        "cleanup": '[service]\nexec = ["/bin/true"]\nexec_stop_post = [["-/opt/gone"]]\n',
    })
    r = check(fastinit_bin, units)
    assert r.returncode == 0, r.stdout
    assert "warning: service.exec: program /opt/vendor/tool" in r.stdout, r.stdout
    assert "warning: service.exec_stop_post: program /opt/gone" in r.stdout, r.stdout
    assert "0 errors, 2 warnings" in r.stdout, r.stdout


def test_root_resolves_programs_in_the_image(fastinit_bin, tmp_path):
    root = tmp_path / "image"
    (root / "usr/sbin").mkdir(parents=True)
    daemon = root / "usr/sbin/imaged"
    daemon.write_text("#!/bin/sh\n")
    os.chmod(daemon, 0o755)
    # An absolute link in the image points into the image, not the host.
    (root / "sbin").symlink_to("usr/sbin")
    units = tmp_path / "units"
    write_units(units, {"imaged": '[service]\nexec = ["/sbin/imaged"]\n',
                        "absent": '[service]\nexec = ["/usr/sbin/not-installed-yet"]\n'})
    r = check(fastinit_bin, units, "--root", root)
    assert r.returncode == 0, r.stdout
    assert "imaged.toml" not in r.stdout, r.stdout
    assert "warning: service.exec: program /usr/sbin/not-installed-yet" in r.stdout, r.stdout
    # Checked against this system instead, both programs are missing.
    r = check(fastinit_bin, units)
    assert r.returncode == 1 and "2 errors" in r.stdout, r.stdout


def test_a_user_that_does_not_exist(fastinit_bin, tmp_path):
    units = tmp_path / "units"
    write_units(units, {"svc": '[service]\nexec = ["/bin/true"]\nuser = "no-such-user-fi"\n'})
    r = check(fastinit_bin, units)
    assert r.returncode == 1, r.stdout
    assert (f"{units}/svc.toml:3:1: error: service.user: no user named no-such-user-fi "
            "in /etc/passwd") in r.stdout, r.stdout
    # The image has the user (and the program): nothing to say.
    root = tmp_path / "image"
    (root / "etc").mkdir(parents=True)
    (root / "etc/passwd").write_text("no-such-user-fi:x:990:990::/nonexistent:/bin/false\n")
    (root / "etc/group").write_text("no-such-user-fi:x:990:\n")
    (root / "bin").mkdir()
    (root / "bin/true").write_text("#!/bin/sh\n")
    os.chmod(root / "bin/true", 0o755)
    r = check(fastinit_bin, units, "--root", root)
    assert r.returncode == 0 and "0 errors, 0 warnings" in r.stdout, r.stdout
