#include "initd/unit/fstab_units.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "base/text.h"
#include "initd/unit/device_spec.h"
#include "initd/unit/unit_parser.h"

namespace fastinit {
namespace {

constexpr char kSh[] = "/bin/sh";
constexpr char kMount[] = "/bin/mount";
constexpr char kFsck[] = "/sbin/fsck";
constexpr char kSwapon[] = "/sbin/swapon";

// A mount point already mounted (by stage 1, or a second start) is done;
// one that does not exist yet is created, as systemd does. mount(8) reads
// the entry from fstab itself, so every option means what it says there;
// "$2" names the fstab only when it is not /etc/fstab (util-linux's
// --fstab), so busybox's mount does for /etc/fstab too.
constexpr char kMountScript[] =
    "mountpoint -q \"$1\" && exit 0; "
    "[ -d \"$1\" ] || mkdir -p \"$1\"; "
    "if [ -n \"$2\" ]; then exec mount --fstab \"$2\" \"$1\"; fi; "
    "exec mount \"$1\"";

// fsck(8)'s status is a bit mask: 1 errors corrected (fine), 2 corrected but
// the system should be rebooted (the root was changed under the running
// kernel), 4 and up errors left or no check possible (a failure: the mount
// that requires this unit does not happen).
// A type without its checker (fsck.vfat with no dosfstools) is not
// checked, as systemd-fsck does, instead of failing the mount.
constexpr char kFsckScript[] =
    "if [ \"$3\" != auto ] && ! command -v \"fsck.$3\" >/dev/null 2>&1; then "
    "echo \"no fsck.$3 installed: $1 is not checked\" >&2; exit 0; fi; "
    "fsck -a -T \"$1\"; rc=$?; "
    "if [ \"$rc\" -ge 4 ]; then "
    "echo \"fsck of $1 failed (status $rc): errors left uncorrected or no check possible\" >&2; "
    "exit \"$rc\"; fi; "
    "if [ $((rc & 2)) -ne 0 ]; then "
    "echo \"fsck repaired $1 and asks for a reboot\" >&2; \"$2\" reboot; exit 1; fi; "
    "exit 0";

const std::set<std::string, std::less<>> kNetworkTypes = {
    "nfs",   "nfs4",       "cifs",  "smb3",   "smbfs", "ncpfs", "ceph", "glusterfs",
    "davfs", "fuse.sshfs", "sshfs", "9p.net", "afs",   "gfs2",  "ocfs2"};

bool is_network(const FstabEntry& e) {
    return kNetworkTypes.contains(e.type) || e.has_option("_netdev");
}

std::string hex_byte(unsigned char c) {
    char buf[4];
    std::snprintf(buf, sizeof buf, "_%02x", c);
    return buf;
}

std::string origin(const FstabEntry& e, const FstabContext& c) {
    return c.fstab_path + ":" + std::to_string(e.line);
}

// The fstab to name to mount(8): none for /etc/fstab, which it reads anyway.
std::string fstab_argument(const FstabContext& c) {
    return c.fstab_path == kDefaultFstab ? "" : c.fstab_path;
}

Unit base_unit(std::string name, const FstabEntry& e, const FstabContext& c,
               std::string description) {
    Unit u;
    u.name = std::move(name);
    u.path = origin(e, c);
    u.description = std::move(description) + " (" + origin(e, c) + ")";
    return u;
}

Service oneshot(std::vector<std::string> exec) {
    Service s;
    s.type = ServiceType::oneshot;
    s.exec = std::move(exec);
    // A large filesystem's check can take many minutes; a hung NFS server
    // should not hold the boot forever either.
    s.start_timeout = std::chrono::minutes(30);
    return s;
}

// The device an entry's unit waits for (after_devices) instead of a global
// udev settle: a tag or a /dev path; nothing for "tmpfs", "proc", a bind
// mount's directory or a network source, which are no devices.
void wait_for_device(Unit& u, const FstabEntry& e) {
    auto spec = parse_device_spec(e.spec);
    if (!spec || (spec->kind == DeviceSpec::Kind::path && !e.spec.starts_with("/dev/")))
        return;
    if (spec->kind == DeviceSpec::Kind::net)
        return;
    u.after_devices = {e.spec};
    if (auto timeout = e.device_timeout())
        u.device_timeout = *timeout;
}

Unit mount_unit(const FstabEntry& e, const FstabContext& c) {
    Unit u = base_unit("mount-" + escape_unit_path(e.mount_point), e, c,
                       "Mount " + e.spec + " on " + e.mount_point);
    u.conditions.path_exists = {kSh, kMount};
    u.service = oneshot({kSh, "-c", kMountScript, "mount", e.mount_point, fstab_argument(c)});
    wait_for_device(u, e);  // an iSCSI disk with _netdev too
    return u;
}

Unit fsck_unit(const std::string& name, const FstabEntry& e, const FstabContext& c) {
    Unit u = base_unit(name, e, c, "Check " + e.spec + " for " + e.mount_point);
    u.conditions.path_exists = {kSh, kFsck};
    u.service = oneshot({kSh, "-c", kFsckScript, "fsck", e.spec, c.client_program, e.type});
    wait_for_device(u, e);
    return u;
}

Unit swap_unit(const FstabEntry& e, const FstabContext& c) {
    Unit u = base_unit("swap-" + escape_unit_path(e.spec), e, c, "Swap on " + e.spec);
    u.conditions.path_exists = {kSwapon};
    // swapon reads pri=, discard and nofail from -o and ignores the rest.
    u.service = oneshot({kSwapon, "-o", e.options, "--", e.spec});
    wait_for_device(u, e);
    return u;
}

// "remount" and fstab's options for "/", spelled out: util-linux's mount
// would merge them from fstab itself, but busybox's keeps the options the
// mount has now, and so a root stage 1 mounted read-only would stay so.
// fstab's default is rw; options only fstab and mount(8) read (nofail,
// x-systemd.*, ...) are left out, as the kernel would refuse them.
std::string remount_options(const std::string& fstab_options) {
    static const std::set<std::string> kNotForTheKernel = {"defaults", "auto", "noauto", "nofail",
                                                           "_netdev",  "user", "nouser", "users",
                                                           "owner",    "group"};
    std::string options = "remount";
    bool access_given = false;
    size_t start = 0;
    while (start <= fstab_options.size()) {
        size_t end = std::min(fstab_options.find(',', start), fstab_options.size());
        std::string option = fstab_options.substr(start, end - start);
        start = end + 1;
        if (option.empty() || kNotForTheKernel.contains(option) || option.starts_with("x-") ||
            option.starts_with("comment="))
            continue;
        access_given = access_given || option == "ro" || option == "rw";
        options += "," + option;
    }
    return access_given ? options : "remount,rw" + options.substr(7);
}

Unit remount_root_unit(const FstabEntry& e, const FstabContext& c) {
    Unit u = base_unit("remount-root", e, c, "Remount / with the options of fstab");
    u.conditions.path_exists = {kMount};
    std::vector<std::string> exec = {kMount, "-o", remount_options(e.options), "/"};
    if (!fstab_argument(c).empty())
        exec.insert(exec.begin() + 1, {"--fstab", c.fstab_path});
    u.service = oneshot(std::move(exec));
    return u;
}

void add_unique(std::vector<std::string>& list, const std::string& name) {
    if (std::find(list.begin(), list.end(), name) == list.end())
        list.push_back(name);
}

class Generator {
  public:
    Generator(UnitSet& units, const FstabContext& context) : m_units(units), m_context(context) {}

    void run(const std::vector<FstabEntry>& entries) {
        const FstabEntry* root = nullptr;
        for (const auto& e : entries)
            if (!e.is_swap() && e.mount_point == "/" && !root)
                root = &e;
        if (root)
            add_root(*root);
        // Fsck units of one pass wait for every unit of lower passes.
        std::vector<std::pair<int, std::string>> fscks;
        if (m_units.units.contains("fsck--"))
            fscks.emplace_back(1, "fsck--");
        for (const auto& e : entries) {
            if (&e == root)
                continue;
            if (e.mount_point == "/" && !e.is_swap()) {
                warn(e, "a second line for / is ignored");
                continue;
            }
            if (e.is_swap())
                add_swap(e);
            else
                add_mount(e, fscks);
        }
        for (auto& [pass, name] : fscks)
            for (const auto& [other_pass, other] : fscks)
                if (other_pass < pass && m_generated.contains(name))
                    add_unique(m_units.units[name].after, other);
    }

  private:
    void warn(const FstabEntry& e, std::string message) {
        m_units.diagnostics.push_back(Diagnostic{.severity = Diagnostic::Severity::warning,
                                                 .file = m_context.fstab_path,
                                                 .line = e.line,
                                                 .column = 1,
                                                 .key = "",
                                                 .message = std::move(message)});
    }

    // False (with a warning) when the unit cannot be added: its name is
    // too long, or a file or an earlier line already has it.
    bool add(const FstabEntry& e, Unit unit) {
        if (!is_valid_unit_name(unit.name)) {
            warn(e, "no unit for this line: the name " + unit.name.substr(0, 40) +
                        "... is longer than a unit name may be");
            return false;
        }
        if (m_generated.contains(unit.name)) {
            warn(e, "no unit for this line: an earlier line already made " + unit.name);
            return false;
        }
        if (m_units.units.contains(unit.name) || m_units.broken.contains(unit.name)) {
            warn(e, "the unit file " + unit.name + " replaces the unit this line would make");
            return false;
        }
        m_generated.insert(unit.name);
        m_units.units.emplace(unit.name, std::move(unit));
        return true;
    }

    // The target `name`, made (empty, as a file-less target) when no unit
    // file provides it, so the units attached to it still have an anchor.
    Unit* target(const std::string& name, const FstabEntry& e) {
        auto it = m_units.units.find(name);
        if (it != m_units.units.end())
            return &it->second;
        if (m_units.broken.contains(name))
            return nullptr;
        Unit t;
        t.name = name;
        t.path = origin(e, m_context);
        t.description = "Target " + name + " (made for " + m_context.fstab_path + ")";
        m_generated.insert(name);
        return &m_units.units.emplace(name, std::move(t)).first->second;
    }

    // The target pulls the unit in: requires, or wants with nofail; with
    // noauto nothing does. The unit comes before the target, except with
    // nofail: a device that may never come must not hold local-fs (and the
    // boot) for its device_timeout, as in systemd.
    void attach(const FstabEntry& e, Unit& unit, const std::string& target_name) {
        if (!e.has_option("nofail"))
            add_unique(unit.before, target_name);
        if (e.has_option("noauto"))
            return;
        Unit* t = target(target_name, e);
        if (!t)
            return;
        add_unique(e.has_option("nofail") ? t->wants : t->requires_, unit.name);
    }

    void add_root(const FstabEntry& e) {
        bool checked = m_context.root_read_only && e.pass > 0;
        if (checked) {
            Unit fsck = fsck_unit("fsck--", e, m_context);
            fsck.after_devices.clear();  // mounted by stage 1: it is there
            // Checked already, before stage 1 mounted it: a skip, shown as
            // the condition that did not hold.
            if (!m_context.root_checked.empty())
                fsck.conditions.path_exists.push_back("!" + m_context.root_checked);
            add_unique(fsck.before, "remount-root");
            add(e, std::move(fsck));
        }
        Unit remount = remount_root_unit(e, m_context);
        if (checked && m_generated.contains("fsck--"))
            add_unique(remount.requires_, "fsck--");
        add_unique(remount.before, "local-fs");
        std::string name = remount.name;
        if (add(e, std::move(remount))) {
            if (Unit* t = target("local-fs", e))
                add_unique(t->requires_, name);
            m_remount_root = true;
        }
    }

    void add_swap(const FstabEntry& e) {
        Unit u = swap_unit(e, m_context);
        std::string name = u.name;
        if (add(e, std::move(u)))
            attach(e, m_units.units[name], "swap");
    }

    void add_mount(const FstabEntry& e, std::vector<std::pair<int, std::string>>& fscks) {
        Unit mount = mount_unit(e, m_context);
        bool network = is_network(e);
        if (m_remount_root)
            add_unique(mount.after, "remount-root");
        // A mount below another waits for it: /var/log after /var.
        for (const auto& [name, point] : m_mounts)
            if (e.mount_point.starts_with(point + "/"))
                add_unique(mount.after, name);
        if (network) {
            add_unique(mount.after, "network-online");
            add_unique(mount.wants, "network-online");
        }
        if (e.pass > 0 && !network) {
            std::string fsck_name = "fsck-" + escape_unit_path(e.mount_point);
            Unit fsck = fsck_unit(fsck_name, e, m_context);
            if (m_units.units.contains("fsck--"))
                add_unique(fsck.after, "fsck--");
            if (add(e, std::move(fsck))) {
                fscks.emplace_back(std::max(e.pass, 2), fsck_name);
                add_unique(mount.requires_, fsck_name);
            }
        }
        std::string name = mount.name;
        if (!add(e, std::move(mount)))
            return;
        m_mounts.emplace_back(name, e.mount_point);
        attach(e, m_units.units[name], network ? "remote-fs" : "local-fs");
    }

    UnitSet& m_units;
    const FstabContext& m_context;
    std::set<std::string> m_generated;
    std::vector<std::pair<std::string, std::string>> m_mounts;  // unit, mount point
    bool m_remount_root = false;
};

}  // namespace

std::string escape_unit_path(std::string_view path) {
    while (!path.empty() && path.front() == '/')
        path.remove_prefix(1);
    while (!path.empty() && path.back() == '/')
        path.remove_suffix(1);
    if (path.empty())
        return "-";
    std::string out;
    bool after_slash = false;
    for (unsigned char c : path) {
        if (c == '/') {
            after_slash = true;
            continue;
        }
        if (after_slash)
            out += '-';
        after_slash = false;
        bool plain =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.';
        out += plain ? std::string(1, static_cast<char>(c)) : hex_byte(c);
    }
    return out;
}

bool root_is_read_only(std::string_view mountinfo) {
    bool read_only = false;
    size_t pos = 0;
    while (pos < mountinfo.size()) {
        size_t end = mountinfo.find('\n', pos);
        if (end == std::string_view::npos)
            end = mountinfo.size();
        std::string_view line = mountinfo.substr(pos, end - pos);
        pos = end + 1;
        // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS ...: the last mount on
        // "/" is the one on top.
        std::vector<std::string_view> fields;
        size_t i = 0;
        while (i < line.size() && fields.size() < 6) {
            size_t next = line.find(' ', i);
            if (next == std::string_view::npos)
                next = line.size();
            fields.push_back(line.substr(i, next - i));
            i = next + 1;
        }
        if (fields.size() < 6 || fields[4] != "/")
            continue;
        std::string_view options = fields[5];
        read_only = options == "ro" || options.starts_with("ro,") || options.ends_with(",ro") ||
                    options.find(",ro,") != std::string_view::npos;
    }
    return read_only;
}

void add_fstab_units(UnitSet& units, const std::vector<FstabEntry>& entries,
                     const FstabContext& context) {
    Generator(units, context).run(entries);
}

size_t load_fstab_units(UnitSet& units, const FstabContext& context) {
    auto text = read_file_at_most(context.fstab_path, kMaxFstabSize);
    if (!text) {
        if (text.error().errno_value != ENOENT)
            units.diagnostics.push_back(
                Diagnostic{.severity = Diagnostic::Severity::error,
                           .file = context.fstab_path,
                           .line = 0,
                           .column = 0,
                           .key = "",
                           .message = text.error().message + "; no units from fstab"});
        return 0;
    }
    FstabParse parsed = parse_fstab(*text, context.fstab_path);
    units.diagnostics.insert(units.diagnostics.end(), parsed.diagnostics.begin(),
                             parsed.diagnostics.end());
    size_t before = units.units.size();
    add_fstab_units(units, parsed.entries, context);
    return units.units.size() - before;
}

}  // namespace fastinit
