"""The journal: every service's output reaches PID 1 through a pipe and is
kept in a bounded journal or counted as dropped, never lost silently;
`fastinit logs` and `status UNIT` show it; a flood, an endless line or
binary bytes cost PID 1 no more than its bound."""

import os
import re
import select
import socket
import subprocess
import time

from conftest import read_proc, wait_until

LINES = 100000


def oneshot(command, wanted=True):
    return f"""
        [service]
        type = "oneshot"
        exec = ["/bin/sh", "-c", '''{command}''']
    """


def logs(ns, *args):
    r = ns.ctl("logs", *args, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout.splitlines()


def texts(lines, unit):
    """The text of each line of `unit` ("... unit[pid]: text")."""
    out = []
    for line in lines:
        m = re.match(r"^\S+ \S+ " + re.escape(unit) + r"\[\d+\]( \w+)?: (.*)$", line)
        if m:
            out.append(m.group(2))
    return out


def dropped(lines):
    """The count of the journal's "-- N lines dropped --" line, or 0."""
    for line in lines:
        m = re.match(r"^-- (\d+) lines? dropped --$", line)
        if m:
            return int(m.group(1))
    return 0


def rss_kib(pid):
    for line in (read_proc(pid, "status") or "").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS for {pid}")


def test_two_floods_every_line_kept_or_counted_and_memory_bounded(fastinit, tmp_path,
                                                                   monkeypatch):
    # Under ASan freed memory waits in a quarantine (256 MiB by default) and
    # counts as resident: keep it small so that RSS measures what is kept.
    asan = os.environ.get("ASAN_OPTIONS", "")
    monkeypatch.setenv("ASAN_OPTIONS", f"{asan}:quarantine_size_mb=1".lstrip(":"))
    flood = "awk 'BEGIN { for (i = 0; i < %d; i++) print \"%s \" i }'"
    cmdline = tmp_path / "cmdline"
    cmdline.write_text("fastinit.journal_size=1M\n")
    ns = fastinit.new({
        "default": '[unit]\nwants = ["idle"]\n',
        "idle": oneshot("true"),
        "flood-a": oneshot(flood % (LINES, "a")),
        "flood-b": oneshot(flood % (LINES, "b")),
    })
    ns.start(extra_args=["--proc-cmdline", str(cmdline)])
    ns.wait_state("idle", "active")
    baseline = rss_kib(ns.init_pid)

    ns.ctl_ok("start", "--no-block", "flood-a", "flood-b")
    for unit, word in (("flood-a", "a"), ("flood-b", "b")):
        ns.wait_state(unit, "active", timeout=60)
        # The pipe is read to its end after the process exits. Its last
        # line may itself be gone: when one flood ran before the other, the
        # other pushed all of it out (counted).
        def all_accounted(unit=unit):
            lines = logs(ns, unit)
            return dropped(lines) + len(texts(lines, unit)) == LINES
        wait_until(all_accounted, 30, f"every line of {unit} kept or counted")
    for unit, word in (("flood-a", "a"), ("flood-b", "b")):
        lines = logs(ns, unit)
        kept = texts(lines, unit)
        gone = dropped(lines)
        assert gone > 0, "1 MiB cannot hold 200,000 lines: some must have been dropped"
        assert gone + len(kept) == LINES, (gone, len(kept))
        # The newest lines, whole and in order, right after the dropped ones.
        assert kept == [f"{word} {i}" for i in range(gone, LINES)]
    everything = logs(ns)
    assert dropped(everything) > 0

    grown = rss_kib(ns.init_pid) - baseline
    print(f"dropped {dropped(everything)}, PID 1 grew by {grown} KiB")
    # The 1 MiB journal (which counts its entries' heap), the read buffer,
    # the bus replies: 7 MiB more is generous.
    assert grown < 1024 + 7 * 1024, f"PID 1 grew by {grown} KiB"
    assert ns.alive()


def test_logs_follow_shows_new_lines(fastinit):
    ns = fastinit.boot({
        "default": '[unit]\nwants = ["idle"]\n',
        "idle": oneshot("true"),
        "later": oneshot("echo first; sleep 0.3; echo second"),
    })
    ns.wait_state("idle", "active")
    follower = subprocess.Popen([ns.bin, "--runtime-dir", ns.runtime_dir, "logs", "-f", "later"],
                                stdout=subprocess.PIPE, bufsize=0)
    try:
        time.sleep(0.5)
        ns.ctl_ok("start", "later")
        got = []
        pending = b""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and len(texts(got, "later")) < 2:
            # Never block past the deadline on a follower that prints nothing;
            # read the pipe itself (a buffered readline could hold the second
            # line where select cannot see it).
            ready, _, _ = select.select([follower.stdout], [], [], 0.2)
            if ready:
                pending += os.read(follower.stdout.fileno(), 65536)
                *lines, pending = pending.split(b"\n")
                got += [line.decode() + "\n" for line in lines]
        assert texts(got, "later") == ["first", "second"], got
        assert follower.poll() is None, "a follower keeps following"
    finally:
        follower.kill()
        follower.wait()


def test_split_lines_last_line_and_priorities(fastinit):
    ns = fastinit.boot({
        "default": '[unit]\nwants = ["talk"]\n',
        "talk": oneshot("printf 'split-'; sleep 0.3; printf 'line\\n'; "
                        "echo '<3>something failed' >&2; echo plain; printf 'no newline at exit'"),
    })
    ns.wait_state("talk", "active")
    wait_until(lambda: "no newline at exit" in texts(logs(ns, "talk"), "talk"), 10,
               "the last line")
    lines = logs(ns, "talk")
    assert texts(lines, "talk") == ["split-line", "something failed", "plain",
                                    "no newline at exit"], lines
    assert re.search(r" talk\[\d+\] err: something failed$", "\n".join(lines), re.M), lines
    # `status UNIT` ends with its last lines.
    status = ns.ctl("status", "talk").stdout
    assert status.rstrip().endswith("no newline at exit"), status
    assert "split-line" in status


def test_a_ten_megabyte_line_and_binary_bytes(fastinit):
    ns = fastinit.boot({
        "default": '[unit]\nwants = ["huge", "binary"]\n',
        "huge": oneshot("head -c 10000000 /dev/zero | tr '\\0' x; echo; echo after-huge"),
        "binary": oneshot("head -c 65536 /dev/urandom; printf '\\0\\0\\n'; "
                          "echo after-binary"),
    })
    ns.wait_state("huge", "active", timeout=30)
    ns.wait_state("binary", "active", timeout=30)
    wait_until(lambda: "after-huge" in texts(logs(ns, "huge"), "huge"), 20, "after-huge")
    wait_until(lambda: "after-binary" in texts(logs(ns, "binary"), "binary"), 20,
               "after-binary")
    huge = texts(logs(ns, "huge"), "huge")
    assert huge == ["x" * 4096, "after-huge"], [len(t) for t in huge]
    assert "huge: 1 lines longer than 4096 bytes were cut (9995904 bytes left out)" \
        in ns.read_log()

    r = subprocess.run([ns.bin, "--runtime-dir", ns.runtime_dir, "logs", "binary"],
                       capture_output=True, timeout=30)
    assert r.returncode == 0, r.stderr
    text = r.stdout.decode("utf-8")  # strict: the journal holds only valid UTF-8
    assert "\\x00\\x00" in text
    assert "\0" not in text
    assert ns.alive()


def test_kmsg_output_is_in_the_journal_too(fastinit):
    """stdout = "kmsg" goes through the journal's pipe: in the journal, and
    (in a PID namespace, where the host's kernel log is not ours) on the
    manager's standard error with its unit's name."""
    ns = fastinit.boot({
        "default": '[unit]\nwants = ["tokmsg"]\n',
        "tokmsg": oneshot("echo to-the-kernel-log; echo '<4>careful' >&2") + 'stdout = "kmsg"\n',
    })
    ns.wait_state("tokmsg", "active")
    wait_until(lambda: "careful" in texts(logs(ns, "tokmsg"), "tokmsg"), 10, "its lines")
    assert texts(logs(ns, "tokmsg"), "tokmsg") == ["to-the-kernel-log", "careful"]
    assert re.search(r"^tokmsg\[\d+\]: to-the-kernel-log$", ns.read_log(), re.M), ns.read_log()


def boot_then_syslog_daemon(fastinit, path, units, wait_for, timeout):
    """A namespace whose syslog socket is `path`, booted until `wait_for`
    is active, and then the daemon's socket, bound there."""
    ns = fastinit.new(units)
    ns.start(extra_args=["--syslog-socket", path])
    ns.wait_state(wait_for, "active")
    daemon = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    daemon.bind(path)
    daemon.settimeout(timeout)
    return ns, daemon


def test_lines_go_to_the_syslog_socket_once_a_daemon_listens(fastinit, tmp_path):
    """A syslog daemon that comes up after the boot gets the lines, tagged
    with unit and pid (rsyslog files them under the unit's name); a socket
    that goes away does not stop anything."""
    path = str(tmp_path / "log")
    ns, daemon = boot_then_syslog_daemon(fastinit, path, {
        "default": '[unit]\nwants = ["idle"]\n',
        "idle": oneshot("true"),
        "talker": oneshot("echo hello syslog; echo '<3>an error' >&2"),
    }, "idle", 0.5)
    try:
        got = []

        def received():
            try:
                got.append(daemon.recv(65536).decode())
            except socket.timeout:
                pass
            return len([g for g in got if "talker[" in g]) >= 2

        # PID 1 tries the socket at most once a second, after an event: make
        # some (bus calls) until it sends.
        ns.ctl_ok("start", "talker")
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not received():
            ns.ctl_ok("status")
        lines = [g for g in got if "talker[" in g]
        assert len(lines) >= 2, got
        assert re.match(r"^<30>\w{3} [ \d]\d \d\d:\d\d:\d\d talker\[\d+\]: hello syslog$",
                        lines[0]), lines
        assert re.match(r"^<27>.* talker\[\d+\]: an error$", lines[1]), lines
    finally:
        daemon.close()
        os.unlink(path)
    # Gone: the next lines are only in the journal, and nothing waits.
    ns.ctl_ok("restart", "talker")
    assert ns.alive()
    wait_until(lambda: len(texts(logs(ns, "talker"), "talker")) >= 4, 10, "talker's lines")


def test_syslog_gets_what_came_before_it_once_and_the_managers_messages(fastinit, tmp_path):
    """Lines journaled before the syslog daemon was up (a service's, the
    manager's own) are replayed to it once, when it comes up."""
    path = str(tmp_path / "log")
    ns, daemon = boot_then_syslog_daemon(fastinit, path, {
        "default": '[unit]\nwants = ["early"]\n',
        "early": oneshot("echo before the daemon"),
        "idle": oneshot("true"),
    }, "early", 0.2)
    got = []

    def drain():
        while True:
            try:
                got.append(daemon.recv(65536).decode())
            except socket.timeout:
                return

    try:
        # PID 1 tries the socket at most once a second, on its next event.
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not any("before the daemon" in g for g in got):
            ns.ctl_ok("status")
            drain()
        for _ in range(3):  # more rounds: nothing is sent twice
            ns.ctl_ok("restart", "idle")
            drain()
    finally:
        daemon.close()
        os.unlink(path)
    early = [g for g in got if re.search(r" early\[\d+\]: before the daemon$", g)]
    assert len(early) == 1, got
    assert any(re.search(r" fastinit\[1\]: startup finished in ", g) for g in got), got
    starts = [g for g in got if re.search(r" fastinit\[1\]: loaded \d+ units", g)]
    assert len(starts) == 1, got
    assert ns.alive()
