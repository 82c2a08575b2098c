// systemd-boot's EFI variables, as Linux shows them in efivarfs: the entry
// it boots once (`LoaderEntryOneShot`, set by `bootctl set-oneshot`) and the
// default it was told (`LoaderEntryDefault`, `bootctl set-default`).
//
// Reading goes through EfiVariables, so that tests give a fixture directory
// instead of /sys/firmware/efi/efivars. A file there is NAME-GUID and holds
// 4 attribute bytes, then the value; these two values are UTF-16LE strings
// ending in a NUL. The bytes are hostile: anything decodes to a string or an
// Error saying why, never a crash.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace fastinit {

// The vendor GUID of the Boot Loader Interface variables.
inline constexpr char kLoaderVendorGuid[] = "4a67b082-0a4c-41cf-b6c7-440b29bb8c4f";
inline constexpr char kEfivarsDir[] = "/sys/firmware/efi/efivars";

class EfiVariables {
  public:
    virtual ~EfiVariables() = default;
    // The raw bytes of the Boot Loader Interface variable `name`
    // (attributes included); nullopt when it does not exist, an Error when
    // it exists and cannot be read.
    virtual Result<std::optional<std::string>> read_loader_variable(std::string_view name) = 0;
};

// Files NAME-<kLoaderVendorGuid> in `dir`; a missing directory (no EFI, or
// efivarfs not mounted) has no variables. Files over 4 KiB are refused.
class EfivarsDirectory : public EfiVariables {
  public:
    explicit EfivarsDirectory(std::filesystem::path dir = kEfivarsDir) : m_dir(std::move(dir)) {}
    Result<std::optional<std::string>> read_loader_variable(std::string_view name) override;

  private:
    std::filesystem::path m_dir;
};

// The UTF-8 text of a variable's bytes: attributes skipped, UTF-16LE up to
// the first NUL (or the end). An Error for fewer than 4 bytes, an odd
// number of value bytes before any NUL, or an unpaired surrogate.
Result<std::string> decode_efi_string(std::string_view bytes);

// Reads and decodes; nullopt when the variable does not exist or is empty.
Result<std::optional<std::string>> read_loader_string(EfiVariables& variables,
                                                      std::string_view name);

}  // namespace fastinit
