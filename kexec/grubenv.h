// GRUB's environment block (/boot/grub/grubenv), read for the entry GRUB
// would boot next: `next_entry` (one boot only, set by grub-reboot) and
// `saved_entry` (set by grub-set-default, used when GRUB_DEFAULT=saved).
//
// The file is a "# GRUB Environment Block" line, then `name=value` lines,
// padded with '#' to 1024 bytes. In a value a backslash escapes the next
// character (GRUB writes "\\" and "\<newline>"). The text is hostile: any
// bytes give either variables or an Error saying why, never a crash; lines
// without '=' and comment lines are skipped.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace fastinit {

inline constexpr char kGrubenvSignature[] = "# GRUB Environment Block\n";

struct GrubEnv {
    std::map<std::string, std::string> variables;
};

// An Error when the text does not start with the signature.
Result<GrubEnv> parse_grubenv(std::string_view text);

// What saved_entry/next_entry name, read as GRUB menu entries. GRUB accepts
// an index ("0"), a title or an id, and "A>B" for the entry B in submenu A;
// only the last part names the entry. Debian's grub.cfg gives each kernel
// the id "gnulinux-RELEASE-advanced-UUID" (or -recovery-) and the title
// "..., with Linux RELEASE", so the release can often be read off it.
struct GrubEntryName {
    std::string last;     // after the last '>'
    std::string release;  // "" when neither form is recognised
    bool index = false;   // all digits: a position in grub.cfg, not read here
};

GrubEntryName parse_grub_entry_name(std::string_view value);

}  // namespace fastinit
