"""The persistent journal: with [journal] persistent = true PID 1 also writes
its journal to files (here --journal-dir, /var/log/fastinit on a real boot),
one boot after another in the same directory, within a bounded number of
files of bounded size; `fastinit logs --boot PREV` reads the boot before,
`--since T` picks lines by time; damaged or hostile files are errors, never
crashes."""

import os
import re
import time

from conftest import wait_until
from test_journal import logs, oneshot, texts

CONFIG = """[journal]
persistent = true
file_size = "64K"
files = 3
"""


def boot(fastinit, tmp_path, units, log_dir):
    config = tmp_path / "system.toml"
    config.write_text(CONFIG)
    ns = fastinit.new(units)
    ns.start(extra_args=["--system-config", str(config), "--journal-dir", str(log_dir)])
    return ns


def journal_files(log_dir):
    return sorted(n for n in os.listdir(log_dir) if re.match(r"^\d+-\d+\.log$", n))


def logs_of_boot_before(ns, log_dir, *args, runtime_dir=None):
    return ns.ctl("logs", "--journal-dir", str(log_dir), *args, timeout=60,
                  runtime_dir=runtime_dir)


def test_the_boot_before_is_read_after_the_next_boot(fastinit, tmp_path):
    log_dir = tmp_path / "log"
    units = {"default": '[unit]\nwants = ["marker"]\n',
             "marker": oneshot("echo marker of boot $BOOT_NAME")}
    first = boot(fastinit, tmp_path, {**units, "marker": oneshot("echo first boot line")},
                 log_dir)
    first.wait_state("marker", "active")
    first.stop()

    second = boot(fastinit, tmp_path, {**units, "marker": oneshot("echo second boot line")},
                  log_dir)
    second.wait_state("marker", "active")
    wait_until(lambda: "second boot line" in texts(logs(second, "marker"), "marker"), 10,
               "the second boot's line")
    assert journal_files(log_dir) == ["1-1.log", "2-1.log"], journal_files(log_dir)

    for spelling in ("PREV", "-1"):
        r = logs_of_boot_before(second, log_dir, "--boot", spelling)
        assert r.returncode == 0, r.stderr
        lines = r.stdout.splitlines()
        assert texts(lines, "marker") == ["first boot line"], lines
        # Written to the end: the shutdown's own lines were flushed before
        # the namespace ended.
        assert any("shutting down" in line for line in texts(lines, "fastinit")), lines
    # Unit filter and -n apply to the boot before as to this one.
    r = logs_of_boot_before(second, log_dir, "--boot", "PREV", "-n", "1", "marker")
    assert r.stdout.splitlines() == [line for line in r.stdout.splitlines()
                                     if "first boot line" in line] and r.stdout, r
    # The running boot's own journal is not the one before.
    assert texts(logs(second, "marker"), "marker") == ["second boot line"]
    # Two boots before: none.
    r = logs_of_boot_before(second, log_dir, "--boot", "-2")
    assert r.returncode == 1 and "no journal of 2 boots before" in r.stderr, r
    r = logs_of_boot_before(second, log_dir, "--boot", "yesterday")
    assert r.returncode == 2 and "PREV" in r.stderr, r
    assert second.alive()
    # Ended here: the first boot's PID namespace may be recycled for the
    # second one, and the teardown would take the second's processes for
    # leftovers of the first.
    second.stop()


def test_rotation_keeps_files_and_sizes_within_the_cap(fastinit, tmp_path):
    log_dir = tmp_path / "log"
    count = 20000  # about 600 KB of records: many times 3 files of 64 KiB
    ns = boot(fastinit, tmp_path, {
        "default": '[unit]\nwants = ["flood"]\n',
        "flood": oneshot("awk 'BEGIN { for (i = 0; i < %d; i++) print \"flood line \" i }'"
                         % count),
    }, log_dir)
    ns.wait_state("flood", "active", timeout=60)
    wait_until(lambda: f"flood line {count - 1}" in texts(logs(ns, "-n", "1", "flood"), "flood"),
               30, "the flood's last line")
    ns.stop()
    files = journal_files(log_dir)
    assert len(files) == 3, files
    assert files[-1] != "1-1.log", "the boot made more files than it kept"
    for name in files:
        assert (log_dir / name).stat().st_size <= 64 * 1024, name
    # No manager runs now: the newest boot in the directory is the one
    # before (an empty runtime directory says no boot writes).
    empty = tmp_path / "empty-run"
    empty.mkdir()
    r = logs_of_boot_before(ns, log_dir, "--boot", "PREV", "flood", runtime_dir=str(empty))
    assert r.returncode == 0, r.stderr
    kept = texts(r.stdout.splitlines(), "flood")
    assert kept and kept[-1] == f"flood line {count - 1}", kept[-3:]
    first = int(kept[0].split()[-1])
    assert kept == [f"flood line {i}" for i in range(first, count)]


def test_since_picks_lines_by_time(fastinit, tmp_path):
    log_dir = tmp_path / "log"
    ns = boot(fastinit, tmp_path, {
        "default": '[unit]\nwants = ["early"]\n',
        "early": oneshot("echo early line"),
        "late": oneshot("echo late line"),
    }, log_dir)
    ns.wait_state("early", "active")
    wait_until(lambda: texts(logs(ns, "early"), "early"), 10, "the early line")
    # --since takes whole seconds: a boundary after the early line's second
    # (it is over a second old) and before the late line.
    time.sleep(1.1)
    boundary = int(time.time())
    ns.ctl_ok("start", "late")
    wait_until(lambda: texts(logs(ns, "late"), "late"), 10, "the late line")

    for since in (f"@{boundary}", time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(boundary)),
                  time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(boundary))):
        lines = logs(ns, "--since", since)
        assert texts(lines, "late") == ["late line"], (since, lines)
        assert texts(lines, "early") == [], (since, lines)
    lines = logs(ns, "--since", "-1h")
    assert texts(lines, "early") == ["early line"] and texts(lines, "late") == ["late line"]
    assert texts(logs(ns, "--since", time.strftime("%Y-%m-%d")), "early") == ["early line"]
    r = ns.ctl("logs", "--since", "last tuesday")
    assert r.returncode == 2 and "-DURATION" in r.stderr, r

    # The same on the boot before's files.
    ns.stop()
    empty = tmp_path / "empty-run"
    empty.mkdir()
    r = logs_of_boot_before(ns, log_dir, "--boot", "PREV", "--since", f"@{boundary}",
                            runtime_dir=str(empty))
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert texts(lines, "late") == ["late line"] and texts(lines, "early") == [], lines


def test_hostile_files_are_clear_errors_and_pid1_goes_on(fastinit, tmp_path):
    log_dir = tmp_path / "log"
    log_dir.mkdir()
    (log_dir / "7-1.log").write_bytes(b"\x7fELF not a journal\n" + os.urandom(4096))
    (log_dir / "7-2.log").write_bytes(
        b"fastinit journal 1\n1 2 6 3 web kept line\n1 2 99 3 web bad priority\n"
        b"1 2 6 3 web \x1b[2J escape\n" + os.urandom(2000).replace(b"\n", b" ") + b"\n")
    (log_dir / "notes.txt").write_text("the admin's own file\n")
    # A symlink with the name the next boot's first file would have: never
    # followed, never removed.
    target = tmp_path / "elsewhere"
    target.write_text("not to be touched\n")
    os.symlink(target, log_dir / "8-1.log")
    ns = boot(fastinit, tmp_path, {
        "default": '[unit]\nwants = ["marker"]\n',
        "marker": oneshot("echo after the hostile files"),
    }, log_dir)
    ns.wait_state("marker", "active")
    wait_until(lambda: texts(logs(ns, "marker"), "marker"), 10, "the marker")
    r = logs_of_boot_before(ns, log_dir, "--boot", "PREV")
    assert r.returncode == 1, r
    assert "7-1.log: not a fastinit journal file" in r.stderr, r.stderr
    assert "7-2.log:3: 2 damaged records skipped" in r.stderr, r.stderr
    lines = r.stdout.splitlines()
    assert texts(lines, "web") == ["kept line", "\\x1b[2J escape"], lines
    assert "\x1b" not in r.stdout
    ns.stop()
    # PID 1 wrote as boot 8 beside them, around the symlink, and removed none.
    assert target.read_text() == "not to be touched\n"
    assert os.path.islink(log_dir / "8-1.log")
    assert (log_dir / "notes.txt").exists()
    assert (log_dir / "7-1.log").exists()
    assert "8-2.log" in journal_files(log_dir), journal_files(log_dir)
    r = logs_of_boot_before(ns, log_dir, "--boot", "PREV", "marker",
                            runtime_dir=str(tmp_path / "no-such-run"))
    assert texts(r.stdout.splitlines(), "marker") == ["after the hostile files"], r


def test_stage1_messages_are_taken_into_the_journal_once(fastinit):
    """Stage 1 runs before there is a journal: it leaves its messages as
    records in the runtime directory, which the manager takes in at start
    (with their own times) and removes; a damaged record is counted."""
    ns = fastinit.new({"default": '[unit]\ndescription = "nothing"\n'})
    with open(os.path.join(ns.runtime_dir, "initrd-journal.log"), "w") as f:
        f.write("fastinit journal 1\n"
                "1796558400000000 1500000 6 1 initrd found the root on /dev/vda1\n"
                "garbage record\n"
                "1796558401000000 2500000 4 1 initrd warning: switched root slowly\n")
    ns.start()
    lines = logs(ns, "initrd")
    assert texts(lines, "initrd") == ["found the root on /dev/vda1",
                                      "warning: switched root slowly"], lines
    assert not os.path.exists(os.path.join(ns.runtime_dir, "initrd-journal.log"))
    assert any("1 damaged records" in t for t in texts(logs(ns, "fastinit"), "fastinit"))
    ns.stop()


def test_a_hostile_stage1_file_is_a_warning(fastinit):
    ns = fastinit.new({"default": '[unit]\ndescription = "nothing"\n'})
    with open(os.path.join(ns.runtime_dir, "initrd-journal.log"), "wb") as f:
        f.write(os.urandom(100000))
    ns.start()
    assert texts(logs(ns, "initrd"), "initrd") == []
    assert any("not a fastinit journal file" in t
               for t in texts(logs(ns, "fastinit"), "fastinit")), logs(ns)
    assert ns.alive()
    ns.stop()
