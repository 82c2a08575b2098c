// Root on LUKS: which encrypted devices stage 1 opens, under which names,
// with a keyfile or a passphrase — decided here from the image's
// /etc/crypttab, the kernel command line (rd.luks.*, as systemd and dracut
// spell them) and the device cache's root record; done through
// Stage1System (crypttab, luks_devices, ask_passphrase, open_luks).
//
// The rule:
//   1. rd.luks=0: nothing.
//   2. A cache hit whose record has luks layers: exactly the mappings it
//      names (each found by its crypttab entry, rd.luks.name=, or for
//      "luks-UUID" by that UUID), no scan of the disks.
//   3. Otherwise the image's crypttab entries (without noauto); with
//      rd.luks.uuid= only those on the UUIDs named, plus those UUIDs not in
//      the crypttab as luks-UUID.
//   4. Neither a crypttab nor rd.luks.uuid=/rd.luks.name=: every LUKS
//      device present, as luks-UUID (dracut's behaviour).
// An entry with tpm2-device= is first given to the TPM2
// (boot/luks_tpm2.h, systemd-cryptsetup); when that fails, or the image
// has no systemd-cryptsetup, it goes on as any other. A keyfile (the
// crypttab's, else rd.luks.key=) opens a device without a question; without one, or when it does
// not fit, the passphrase is asked on the console, kLuksTries times. The passphrase that opened one
// device is tried first on the next (one passphrase for several disks is common) and wiped from
// memory at the end.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/duration.h"
#include "base/kernel_cmdline.h"
#include "base/result.h"

namespace fastinit {

class Stage1System;

// A passphrase: a fixed buffer, never copied, wiped when destroyed
// (explicit_bzero); moving it moves the buffer, not the bytes.
class Secret {
  public:
    static constexpr size_t kMaxSize = 512;
    Secret();
    ~Secret();
    Secret(Secret&&) noexcept = default;
    // Wipes the buffer it had before taking the other's.
    Secret& operator=(Secret&& other) noexcept;
    Secret(const Secret&) = delete;
    Secret& operator=(const Secret&) = delete;

    // False when full (the byte is dropped).
    bool push_back(char c);
    const char* data() const { return m_bytes.get(); }
    size_t size() const { return m_size; }
    bool empty() const { return m_size == 0; }

  private:
    std::unique_ptr<char[]> m_bytes;
    size_t m_size = 0;
};

// One line of /etc/crypttab: "name device keyfile options".
struct CrypttabEntry {
    std::string name;     // the mapping: /dev/mapper/NAME
    std::string device;   // "UUID=...", "PARTUUID=...", "LABEL=...", "/dev/..."
    std::string keyfile;  // an absolute path in the image; "" asks a passphrase
    std::vector<std::string> options;

    bool operator==(const CrypttabEntry&) const = default;
};

struct Crypttab {
    std::vector<CrypttabEntry> entries;
    std::vector<std::string> errors;  // lines left out, and why
};

// Bounded: at most kMaxCrypttabEntries entries, lines longer than 4 KiB
// and bad names or keyfiles left out with an error each.
inline constexpr size_t kMaxCrypttabEntries = 64;
Crypttab parse_crypttab(const std::string& text);

// rd.luks.* from the kernel command line.
struct LuksCmdline {
    bool disabled = false;           // rd.luks=0
    std::vector<std::string> uuids;  // rd.luks.uuid=, lower case, as given (dashes kept)
    std::vector<std::pair<std::string, std::string>> names;  // rd.luks.name=UUID=NAME
    std::string key;                                         // rd.luks.key=PATH
    std::vector<std::string> errors;                         // words ignored, and why
};

LuksCmdline parse_luks_cmdline(const KernelCmdline& cmdline);

// A LUKS device present: its node and its LUKS header's UUID.
struct LuksDevice {
    std::string node;  // "/dev/vdb"
    std::string uuid;  // "0b6d...-..."
};

// One device to open.
struct LuksUnlock {
    std::string name;     // the mapping's name
    std::string device;   // "UUID=..." or a node: where to find it
    std::string keyfile;  // "" asks a passphrase
    std::vector<std::string> options;

    bool operator==(const LuksUnlock&) const = default;
};

struct LuksPlan {
    std::vector<LuksUnlock> unlocks;
    // Rule 4: every LUKS device present (Stage1System::luks_devices) is
    // opened as luks-UUID, with `key` when given.
    bool scan = false;
    std::string key;  // rd.luks.key= for the scan
    std::string why;  // for the log
};

// The plan (rules 1-3; rule 4 as scan = true). `recorded`: the luks
// mappings the cache's root record names (empty without a record).
LuksPlan plan_luks(const Crypttab& crypttab, const LuksCmdline& cmdline,
                   const std::vector<std::string>& recorded);

// "luks-" + the UUID: the name a device gets without a crypttab entry.
std::string default_luks_name(const std::string& uuid);

// How long a device to open is waited for when root= has no timeout.
inline constexpr Duration kLuksDeviceWait = std::chrono::seconds(30);

// How many times a passphrase is asked for one device.
inline constexpr int kLuksTries = 3;

// "Please enter passphrase for disk NAME (DEVICE): ".
std::string passphrase_prompt(const LuksUnlock& unlock);

struct LuksOutcome {
    std::vector<std::string> opened;  // mapping names
    std::vector<std::string> failed;  // "NAME: why"
};

// Does `plan`: each device found (waiting for it at most `wait`), opened
// with the TPM2 when its options say so, else its keyfile, else the last
// good passphrase, else asked. The errors of open_luks with errno EPERM
// are a wrong key; any other error ends that device's tries.
LuksOutcome unlock_luks(Stage1System& system, const LuksPlan& plan, Duration wait);

}  // namespace fastinit
