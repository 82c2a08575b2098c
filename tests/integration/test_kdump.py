"""`fastinit kdump` as a program, over fixture trees: a /boot, a sysfs with
or without reserved memory, the recording loader instead of the kernel's
(nothing is ever loaded into the host), and a dump target."""

import json
import os
import subprocess


def kdump(fastinit_bin, tmp_path, *args):
    return subprocess.run([fastinit_bin, "kdump", *args], capture_output=True, text=True,
                          timeout=30)


def fixture(tmp_path, reserved="268435456", config="", loaded="0"):
    boot = tmp_path / "boot"
    boot.mkdir()
    (boot / "vmlinuz").write_bytes(b"kernel")
    (boot / "initrd-kdump.img").write_bytes(b"initrd")
    sysfs = tmp_path / "sys"
    sysfs.mkdir()
    if reserved is not None:
        (sysfs / "kexec_crash_size").write_text(reserved + "\n")
    (sysfs / "kexec_crash_loaded").write_text(loaded + "\n")
    cmdline = tmp_path / "cmdline"
    cmdline.write_text("BOOT_IMAGE=/vmlinuz root=UUID=abc ro quiet crashkernel=256M\n")
    conf = tmp_path / "kdump.toml"
    conf.write_text(config or 'kernel = "%s"\ninitrd = "%s"\ntarget = "%s"\ntimeout = "2min"\n' % (
        boot / "vmlinuz", boot / "initrd-kdump.img", tmp_path / "crash"))
    return ["--config", str(conf), "--boot-dir", str(boot), "--proc-cmdline", str(cmdline),
            "--sysfs", str(sysfs), "--device-cache", str(tmp_path / "none.db")]


def test_load_arms_the_crash_slot_with_the_capture_command_line(fastinit_bin, tmp_path):
    args = fixture(tmp_path)
    state = tmp_path / "loaded"
    r = kdump(fastinit_bin, tmp_path, "load", *args, "--test-loader", str(state))
    assert r.returncode == 0, r.stderr
    assert "crash kernel armed" in r.stdout
    assert state.read_text() == "1\n"
    image = dict(line.split("=", 1) for line in
                 (tmp_path / "loaded.image").read_text().splitlines())
    assert image["slot"] == "crash"
    assert image["kernel_bytes"] == "6" and image["initrd_bytes"] == "6"
    words = image["cmdline"].split()
    assert words == ["root=UUID=abc", "ro", "quiet", "irqpoll", "nr_cpus=1", "reset_devices",
                     "fastinit.kdump_timeout=120s", "fastinit.kdump"], words


def test_load_without_reserved_memory_says_what_to_add_and_loads_nothing(fastinit_bin, tmp_path):
    args = fixture(tmp_path, reserved="0")
    state = tmp_path / "loaded"
    r = kdump(fastinit_bin, tmp_path, "load", *args, "--test-loader", str(state))
    assert r.returncode == 1
    assert "crashkernel=" in r.stderr and "could not reserve" in r.stderr, r.stderr
    assert not state.exists()


def test_status_exit_codes_and_advice(fastinit_bin, tmp_path):
    args = fixture(tmp_path, loaded="1")
    r = kdump(fastinit_bin, tmp_path, "status", *args)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "256 MiB reserved" in r.stdout and "a crash kernel is loaded" in r.stdout
    (tmp_path / "sys" / "kexec_crash_loaded").write_text("0\n")
    r = kdump(fastinit_bin, tmp_path, "status", *args)
    assert r.returncode == 3 and "run `fastinit kdump load`" in r.stdout


def test_a_broken_config_names_file_line_and_key(fastinit_bin, tmp_path):
    args = fixture(tmp_path, config='action = "explode"\n')
    r = kdump(fastinit_bin, tmp_path, "status", *args)
    assert r.returncode == 1
    assert "kdump.toml:1:10: action: \"explode\" is not one of" in r.stderr, r.stderr


def test_list_shows_saved_and_unfinished_dumps(fastinit_bin, tmp_path):
    args = fixture(tmp_path)
    r = kdump(fastinit_bin, tmp_path, "list", *args)
    assert r.returncode == 0 and "no crash dumps in" in r.stdout
    done = tmp_path / "crash" / "20261206-101010"
    done.mkdir(parents=True)
    (done / "fastinit-dump.json").write_text(json.dumps({
        "captured_at": 1796552410, "kernel": "6.1.0-57-amd64", "method": "makedumpfile -l -d 31",
        "vmcore": "vmcore", "vmcore_bytes": 52428800, "dmesg": "dmesg.txt", "seconds": 21.5,
        "problems": []}))
    (tmp_path / "crash" / "20261206-111111").mkdir()
    r = kdump(fastinit_bin, tmp_path, "list", *args)
    assert r.returncode == 0, r.stderr
    assert "captured 2026-12-06 10:20:10 UTC by 6.1.0-57-amd64 in 21.5 s" in r.stdout, r.stdout
    assert "vmcore (50.0 MiB, makedumpfile -l -d 31)" in r.stdout
    assert "did not finish" in r.stdout
    assert r.stdout.index("101010") < r.stdout.index("111111")


def test_unload_empties_the_crash_slot(fastinit_bin, tmp_path):
    args = fixture(tmp_path)
    state = tmp_path / "loaded"
    assert kdump(fastinit_bin, tmp_path, "load", *args, "--test-loader", str(state)).returncode == 0
    r = kdump(fastinit_bin, tmp_path, "unload", *args, "--test-loader", str(state))
    assert r.returncode == 0, r.stderr
    assert state.read_text() == "0\n"
