#include "cli/log_files.h"

#include <charconv>

#include "base/paths.h"
#include "base/text.h"
#include "initd/run/journal_files.h"

namespace fastinit {

uint64_t running_journal_boot(const std::string& runtime_dir) {
    auto text = read_file_at_most(runtime_dir + "/" + paths::kJournalBootName, 64);
    if (!text)
        return 0;
    std::string_view number(*text);
    if (number.ends_with('\n'))
        number.remove_suffix(1);
    uint64_t boot = 0;
    auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), boot);
    return error == std::errc() && end == number.data() + number.size() ? boot : 0;
}

Result<BootLog> read_boot_log(const std::string& dir, uint64_t current, uint64_t back) {
    auto files = list_journal_files(dir);
    if (!files)
        return files.error();
    auto boot = select_journal_boot(*files, current, back);
    if (!boot)
        return Error{"no journal of " +
                         (back == 1 ? std::string("the boot before")
                                    : std::to_string(back) + " boots before") +
                         " in " + dir,
                     0};
    BootLog log;
    log.boot = *boot;
    uint64_t seq = 0;
    for (const auto& file : *files) {
        if (file.boot != *boot)
            continue;
        std::string path = dir + "/" + format_journal_file_name(file);
        auto text = read_file_at_most(path, kMaxJournalFileRead);
        if (!text) {
            log.problems.push_back(text.error().message);
            continue;
        }
        auto content = parse_journal_file(*text);
        if (!content) {
            log.problems.push_back(path + ": " + content.error().message);
            continue;
        }
        if (content->damaged > 0)
            log.problems.push_back(path + ":" + std::to_string(content->first_damaged) + ": " +
                                   std::to_string(content->damaged) +
                                   " damaged records skipped (from this line on)");
        for (JournalLine& line : content->lines) {
            // The journal's own lines ("N lines dropped") have no pid.
            bool own = line.unit == "journal" && line.pid == 0;
            log.lines.push_back({own ? 0 : ++seq, std::move(line.unit),
                                 static_cast<uint32_t>(line.pid), line.realtime_us,
                                 line.boottime_us, line.priority, std::move(line.text)});
        }
    }
    return log;
}

}  // namespace fastinit
