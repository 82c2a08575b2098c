#include "boot/luks.h"

#include <string.h>

#include <algorithm>
#include <cerrno>

#include "base/log.h"
#include "base/text.h"
#include "boot/luks_tpm2.h"
#include "boot/stage1_system.h"

namespace fastinit {

namespace {

constexpr size_t kMaxLine = 4096;
constexpr size_t kMaxPath = 4096;
constexpr size_t kMaxCmdlineItems = 32;

// A device-mapper name: what dmsetup accepts, without the characters a
// shell or a path would trip on; DM_NAME_LEN is 128 with the NUL.
bool valid_name(const std::string& name) {
    if (name.empty() || name.size() > 127 || name == "." || name == "..")
        return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '_' || c == '-' || c == '+';
    });
}

// A LUKS UUID as blkid prints it (hex and dashes), lower case; "" when it
// is not one. "luks-UUID" is accepted too, as systemd does.
std::string normal_uuid(std::string text) {
    if (text.starts_with("luks-"))
        text = text.substr(5);
    if (text.empty() || text.size() > 64)
        return "";
    for (char& c : text) {
        if (c >= 'A' && c <= 'F')
            c = static_cast<char>(c - 'A' + 'a');
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == '-'))
            return "";
    }
    return text;
}

// Whether crypttab device `device` is the LUKS device of `uuid`.
bool is_uuid(const std::string& device, const std::string& uuid) {
    return device.starts_with("UUID=") && normal_uuid(device.substr(5)) == uuid;
}

bool valid_keyfile(const std::string& path) {
    return path.starts_with("/") && path.size() <= kMaxPath &&
           path.find("/../") == std::string::npos && !path.ends_with("/..");
}

bool has(const std::vector<std::string>& list, const std::string& item) {
    return std::find(list.begin(), list.end(), item) != list.end();
}

std::vector<std::string> split(const std::string& text, char by) {
    std::vector<std::string> parts;
    size_t start = 0;
    while (start <= text.size()) {
        size_t end = std::min(text.find(by, start), text.size());
        if (end > start)
            parts.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return parts;
}

}  // namespace

Secret::Secret() : m_bytes(new char[kMaxSize]) {}

Secret::~Secret() {
    if (m_bytes)
        ::explicit_bzero(m_bytes.get(), kMaxSize);
}

Secret& Secret::operator=(Secret&& other) noexcept {
    if (this != &other) {
        if (m_bytes)
            ::explicit_bzero(m_bytes.get(), kMaxSize);
        m_bytes = std::move(other.m_bytes);
        m_size = other.m_size;
        other.m_size = 0;
    }
    return *this;
}

bool Secret::push_back(char c) {
    if (m_size >= kMaxSize)
        return false;
    m_bytes[m_size++] = c;
    return true;
}

Crypttab parse_crypttab(const std::string& text) {
    Crypttab table;
    int number = 0;
    for (const std::string& raw : split(text, '\n')) {
        ++number;
        std::string where = "crypttab line " + std::to_string(number) + ": ";
        if (raw.size() > kMaxLine) {
            table.errors.push_back(where + "longer than 4 KiB; left out");
            continue;
        }
        std::string line = raw;
        for (char& c : line)
            if (c == '\t')
                c = ' ';
        std::vector<std::string> words = split(line, ' ');
        if (words.empty() || words[0].starts_with("#"))
            continue;
        if (table.entries.size() >= kMaxCrypttabEntries) {
            table.errors.push_back(where + "more than " + std::to_string(kMaxCrypttabEntries) +
                                   " entries; the rest left out");
            break;
        }
        if (words.size() < 2 || words.size() > 4) {
            table.errors.push_back(where + "not \"name device [keyfile [options]]\"; left out");
            continue;
        }
        CrypttabEntry entry;
        entry.name = words[0];
        entry.device = words[1];
        if (!valid_name(entry.name)) {
            table.errors.push_back(where + "\"" + to_valid_utf8(entry.name.substr(0, 64)) +
                                   "\" is not a device-mapper name; left out");
            continue;
        }
        std::string key = words.size() > 2 ? words[2] : "none";
        if (key != "none" && key != "-") {
            if (!valid_keyfile(key)) {
                table.errors.push_back(where + "keyfile \"" + to_valid_utf8(key.substr(0, 64)) +
                                       "\" is not an absolute path; left out");
                continue;
            }
            entry.keyfile = key;
        }
        if (words.size() > 3)
            entry.options = split(words[3], ',');
        table.entries.push_back(entry);
    }
    return table;
}

LuksCmdline parse_luks_cmdline(const KernelCmdline& cmdline) {
    LuksCmdline luks;
    for (const std::string& word : cmdline.words()) {
        size_t equals = word.find('=');
        std::string key = word.substr(0, equals);
        if (!key.starts_with("rd.luks"))
            continue;
        std::string value = equals == std::string::npos ? "" : word.substr(equals + 1);
        std::string shown = to_valid_utf8(word.substr(0, 96));
        if (key == "rd.luks") {
            // systemd's boolean: 0, no, false, off turn it off.
            luks.disabled = value == "0" || value == "no" || value == "false" || value == "off";
        } else if (key == "rd.luks.uuid") {
            std::string uuid = normal_uuid(value);
            if (uuid.empty())
                luks.errors.push_back(shown + ": not a UUID; ignored");
            else if (luks.uuids.size() >= kMaxCmdlineItems)
                luks.errors.push_back(shown + ": more than 32 rd.luks.uuid=; ignored");
            else if (!has(luks.uuids, uuid))
                luks.uuids.push_back(uuid);
        } else if (key == "rd.luks.name") {
            size_t second = value.find('=');
            std::string uuid = normal_uuid(value.substr(0, second));
            std::string name = second == std::string::npos ? "" : value.substr(second + 1);
            if (uuid.empty() || !valid_name(name))
                luks.errors.push_back(shown + ": not UUID=NAME; ignored");
            else if (luks.names.size() >= kMaxCmdlineItems)
                luks.errors.push_back(shown + ": more than 32 rd.luks.name=; ignored");
            else
                luks.names.emplace_back(uuid, name);
        } else if (key == "rd.luks.key") {
            // systemd's PATH:DEVICE (the key on another disk) is not
            // supported: the key must be in the image.
            if (!valid_keyfile(value) || value.find(':') != std::string::npos)
                luks.errors.push_back(shown + ": not an absolute path in the image; ignored");
            else
                luks.key = value;
        } else {
            luks.errors.push_back(shown + ": not an option fastinit knows; ignored");
        }
    }
    return luks;
}

std::string default_luks_name(const std::string& uuid) {
    return "luks-" + uuid;
}

LuksPlan plan_luks(const Crypttab& crypttab, const LuksCmdline& cmdline,
                   const std::vector<std::string>& recorded) {
    LuksPlan plan;
    if (cmdline.disabled) {
        plan.why = "rd.luks=0";
        return plan;
    }
    auto keyed = [&](LuksUnlock unlock) {
        if (unlock.keyfile.empty())
            unlock.keyfile = cmdline.key;
        return unlock;
    };
    auto from_entry = [&](const CrypttabEntry& e) {
        return keyed({e.name, e.device, e.keyfile, e.options});
    };
    if (!recorded.empty()) {
        for (const std::string& name : recorded) {
            auto entry = std::find_if(crypttab.entries.begin(), crypttab.entries.end(),
                                      [&](const CrypttabEntry& e) { return e.name == name; });
            auto named = std::find_if(cmdline.names.begin(), cmdline.names.end(),
                                      [&](const auto& n) { return n.second == name; });
            if (entry != crypttab.entries.end())
                plan.unlocks.push_back(from_entry(*entry));
            else if (named != cmdline.names.end())
                plan.unlocks.push_back(keyed({name, "UUID=" + named->first, "", {}}));
            else if (name.starts_with("luks-") && !normal_uuid(name).empty())
                plan.unlocks.push_back(keyed({name, "UUID=" + normal_uuid(name), "", {}}));
        }
        if (!plan.unlocks.empty()) {
            plan.why = "the device cache's root record";
            return plan;
        }
    }
    std::vector<std::string> selected = cmdline.uuids;
    for (const auto& [uuid, name] : cmdline.names)
        if (!has(selected, uuid))
            selected.push_back(uuid);
    if (crypttab.entries.empty() && selected.empty()) {
        plan.scan = true;
        plan.key = cmdline.key;
        plan.why = "every LUKS device (no crypttab, no rd.luks.uuid=)";
        return plan;
    }
    for (const CrypttabEntry& entry : crypttab.entries) {
        if (has(entry.options, "noauto"))
            continue;
        bool chosen = selected.empty() ||
                      std::any_of(selected.begin(), selected.end(), [&](const std::string& u) {
                          return is_uuid(entry.device, u) || entry.name == default_luks_name(u);
                      });
        if (chosen)
            plan.unlocks.push_back(from_entry(entry));
    }
    for (const std::string& uuid : selected) {
        bool covered = std::any_of(
            crypttab.entries.begin(), crypttab.entries.end(), [&](const CrypttabEntry& e) {
                return is_uuid(e.device, uuid) || e.name == default_luks_name(uuid);
            });
        if (covered)
            continue;
        std::string name = default_luks_name(uuid);
        for (const auto& [u, n] : cmdline.names)
            if (u == uuid)
                name = n;
        plan.unlocks.push_back(keyed({name, "UUID=" + uuid, "", {}}));
    }
    plan.why = selected.empty() ? "the image's crypttab" : "rd.luks.uuid=/rd.luks.name=";
    return plan;
}

std::string passphrase_prompt(const LuksUnlock& unlock) {
    return "Please enter passphrase for disk " + unlock.name + " (" + unlock.device + "): ";
}

LuksOutcome unlock_luks(Stage1System& system, const LuksPlan& plan, Duration wait) {
    LuksOutcome outcome;
    std::vector<LuksUnlock> unlocks = plan.unlocks;
    if (plan.scan)
        for (const LuksDevice& device : system.luks_devices())
            unlocks.push_back({default_luks_name(device.uuid), device.node, plan.key, {}});
    if (unlocks.empty())
        log::warning("LUKS: no device to open (", plan.why, ")");
    // The passphrase that opened the last device: tried first on the next.
    std::optional<Secret> good;
    for (const LuksUnlock& unlock : unlocks) {
        auto fail = [&](const std::string& why) {
            outcome.failed.push_back(unlock.name + ": " + why);
            log::error("LUKS ", unlock.name, ": ", why);
        };
        RootSpec spec;
        spec.source = unlock.device;
        spec.timeout = wait;
        auto found = system.wait_for_root(spec, {});
        if (!found) {
            fail(found.error().message);
            continue;
        }
        LuksUnlock at = unlock;
        at.device = found->node;
        bool opened = false;
        if (wants_tpm2(unlock.options)) {
            auto result = system.open_luks_tpm2(at);
            if (result) {
                opened = true;
                log::info("LUKS ", unlock.name, ": the TPM2 opened it");
            } else if (result.error().errno_value == ENOENT) {
                log::warning("LUKS ", unlock.name, ": its crypttab entry asks for the TPM2, but ",
                             result.error().message,
                             " (mkinitramfs adds it for a tpm2-device= entry); "
                             "asking for the passphrase");
            } else {
                log::warning("LUKS ", unlock.name, ": the TPM2 did not open it (",
                             result.error().message, "); asking for the passphrase");
            }
        }
        if (!opened && !unlock.keyfile.empty()) {
            auto result = system.open_luks(at, nullptr);
            if (result) {
                opened = true;
            } else {
                log::warning("LUKS ", unlock.name, ": keyfile ", unlock.keyfile,
                             " did not open it (", result.error().message,
                             "); asking for the passphrase");
            }
        }
        if (!opened && good) {
            auto result = system.open_luks(at, &*good);
            if (result)
                opened = true;
            else if (result.error().errno_value != EPERM) {
                fail(result.error().message);
                continue;
            }
        }
        for (int attempt = 1; !opened && attempt <= kLuksTries; ++attempt) {
            std::optional<Secret> typed = system.ask_passphrase(passphrase_prompt(unlock));
            if (!typed) {
                fail("no passphrase could be read on the console");
                break;
            }
            auto result = system.open_luks(at, &*typed);
            if (result) {
                opened = true;
                good = std::move(typed);
            } else if (result.error().errno_value != EPERM) {
                fail(result.error().message);
                break;
            } else if (attempt < kLuksTries) {
                log::warning("LUKS ", unlock.name, ": wrong passphrase (try ", attempt, " of ",
                             kLuksTries, ")");
            } else {
                fail("wrong passphrase, " + std::to_string(kLuksTries) + " times");
            }
        }
        if (opened) {
            outcome.opened.push_back(unlock.name);
            log::info("LUKS: opened ", found->node, " as /dev/mapper/", unlock.name);
        }
    }
    return outcome;
}

}  // namespace fastinit
