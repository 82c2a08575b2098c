"""`fastinit reboot --dry-run` and `kexec load --dry-run` choosing the entry
the boot loader would start, over a fixture /boot with GRUB's grubenv,
systemd-boot's EFI variables (a fixture efivars directory), boot counting
and --entry. Nothing is loaded; no manager is needed for a dry run."""

import os
import subprocess

GUID = "4a67b082-0a4c-41cf-b6c7-440b29bb8c4f"


def efi_string(value):
    return b"\x07\x00\x00\x00" + (value + "\0").encode("utf-16-le")


def make_boot(tmp_path):
    boot = tmp_path / "boot"
    (boot / "loader" / "entries").mkdir(parents=True)
    for name in ("a", "b", "c"):
        (boot / f"vmlinuz-{name}").write_text("kernel")
    (boot / "loader/entries/a.conf").write_text("title A\nlinux /vmlinuz-a\noptions root=/dev/a\n")
    (boot / "loader/entries/b+1-2.conf").write_text("linux /vmlinuz-b\noptions root=/dev/b\n")
    (boot / "loader/entries/c+0-3.conf").write_text("linux /vmlinuz-c\noptions root=/dev/c\n")
    efivars = tmp_path / "efivars"
    efivars.mkdir()
    (tmp_path / "cmdline").write_text("root=/dev/running\n")
    return boot, efivars


def dry_run(fastinit_bin, tmp_path, boot, efivars, *extra, verb=("reboot",)):
    return subprocess.run(
        [fastinit_bin, "--runtime-dir", str(tmp_path / "rt"), *verb, "--dry-run",
         "--boot-dir", str(boot), "--efivars-dir", str(efivars),
         "--proc-cmdline", str(tmp_path / "cmdline"), "--config", str(tmp_path / "none.toml"),
         "--device-cache", str(tmp_path / "none.db"), *extra],
        capture_output=True, text=True)


def chosen_kernel(result):
    assert result.returncode == 0, result.stdout + result.stderr
    line = next(l for l in result.stdout.splitlines() if l.startswith("kernel:"))
    return os.path.basename(line.split()[1])


def test_each_source_of_the_choice_in_its_order(fastinit_bin, tmp_path):
    boot, efivars = make_boot(tmp_path)
    run = lambda *extra: dry_run(fastinit_bin, tmp_path, boot, efivars, *extra)  # noqa: E731
    # c has no tries left: b is the last usable entry by version order.
    r = run()
    assert chosen_kernel(r) == "vmlinuz-b"
    assert "skipped loader/entries/c+0-3.conf: no tries left" in r.stdout, r.stdout
    assert "1 tries left" in r.stdout and "cmdline:      root=/dev/b" in r.stdout, r.stdout
    # GRUB's saved_entry, by title.
    (boot / "grub").mkdir()
    (boot / "grub/grubenv").write_text(
        ("# GRUB Environment Block\nsaved_entry=A\n").ljust(1024, "#"))
    assert chosen_kernel(run()) == "vmlinuz-a"
    # systemd-boot's LoaderEntryDefault comes before saved_entry, OneShot first.
    (efivars / f"LoaderEntryDefault-{GUID}").write_bytes(efi_string("b.conf"))
    assert chosen_kernel(run()) == "vmlinuz-b"
    (efivars / f"LoaderEntryOneShot-{GUID}").write_bytes(efi_string("a"))
    r = run()
    assert chosen_kernel(r) == "vmlinuz-a"
    assert "EFI variable LoaderEntryOneShot" in r.stdout, r.stdout
    # The administrator's --entry wins over all of them; kexec load takes it too.
    assert chosen_kernel(run("--entry", "b")) == "vmlinuz-b"
    load = dry_run(fastinit_bin, tmp_path, boot, efivars, "--entry", "b", verb=("kexec", "load"))
    assert chosen_kernel(load) == "vmlinuz-b"


def test_an_entry_that_is_not_usable_is_an_error_that_lists_the_usable_ones(
        fastinit_bin, tmp_path):
    boot, efivars = make_boot(tmp_path)
    r = dry_run(fastinit_bin, tmp_path, boot, efivars, "--entry", "c")
    assert r.returncode == 1, r.stdout + r.stderr
    assert '--entry "c": no such usable entry' in r.stderr, r.stderr
    assert "usable: a, b" in r.stderr and "no tries left" in r.stderr, r.stderr
    r = dry_run(fastinit_bin, tmp_path, boot, efivars, "--entry", "a", "--kernel",
                str(boot / "vmlinuz-a"))
    assert r.returncode == 1 and "give one" in r.stderr, r.stdout + r.stderr


def test_a_trial_dry_run_shows_the_trial_words(fastinit_bin, tmp_path):
    boot, efivars = make_boot(tmp_path)
    r = dry_run(fastinit_bin, tmp_path, boot, efivars, "--entry", "a", "--try", "--panic", "4",
                "--try-timeout", "90s")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "cmdline:      root=/dev/a panic=4 fastinit.try=90s" in r.stdout, r.stdout
