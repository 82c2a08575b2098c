#include "initd/unit/unit_parser.h"

#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <functional>
#include <map>
#include <memory>

#include "base/byte_size.h"
#include "base/signal_name.h"
#include "base/text.h"
#include "base/toml_guard.h"
#include "initd/unit/device_spec.h"
#include "initd/unit/environment_name.h"
#include "initd/unit/process_attributes.h"
#include "initd/unit/unit_template.h"

namespace fastinit {
namespace {

// Collects diagnostics for one file so handlers can report with one call.
class Reporter {
  public:
    explicit Reporter(std::string_view path) : m_path(path) {}

    void error(const toml::source_region& where, std::string key, std::string message) {
        add(Diagnostic::Severity::error, where, std::move(key), std::move(message));
    }
    void warning(const toml::source_region& where, std::string key, std::string message) {
        add(Diagnostic::Severity::warning, where, std::move(key), std::move(message));
    }
    bool has_errors() const {
        for (const auto& d : m_diagnostics)
            if (d.severity == Diagnostic::Severity::error)
                return true;
        return false;
    }
    std::vector<Diagnostic> take() { return std::move(m_diagnostics); }

  private:
    void add(Diagnostic::Severity severity, const toml::source_region& where, std::string key,
             std::string message) {
        Diagnostic d;
        d.severity = severity;
        // A merged key keeps the source of the drop-in it came from.
        d.file = where.path ? *where.path : m_path;
        d.line = static_cast<int>(where.begin.line);
        d.column = static_cast<int>(where.begin.column);
        d.key = std::move(key);
        d.message = std::move(message);
        m_diagnostics.push_back(std::move(d));
    }

    std::string m_path;
    std::vector<Diagnostic> m_diagnostics;
};

// Everything a key handler needs: the node, its full key for messages, and
// the reporter. Handlers return false after reporting an error.
struct Field {
    const toml::node& node;
    const toml::source_region& where;
    std::string key;
    Reporter& report;
    // Set when parsing an instance of a template: %i, %I and %% are
    // replaced in every string value.
    const Specifiers* specifiers = nullptr;

    bool fail(std::string message) const {
        report.error(where, key, std::move(message));
        return false;
    }
};

// Substitutes the instance's specifiers into one string value, in place.
bool expand(const Field& f, std::string& value) {
    if (!f.specifiers)
        return true;
    auto expanded = expand_specifiers(value, *f.specifiers);
    if (!expanded)
        return f.fail(expanded.error().message);
    value = std::move(*expanded);
    return true;
}

bool read_string(const Field& f, std::string& out) {
    auto value = f.node.value<std::string>();
    if (!f.node.is_string() || !value)
        return f.fail("expected a string");
    out = *value;
    return expand(f, out);
}

bool read_name_list(const Field& f, std::vector<std::string>& out) {
    auto check = [&](std::string name) {
        if (!expand(f, name))
            return false;
        if (!is_valid_unit_name(name))
            return f.fail("\"" + name + "\" is not a valid unit name");
        out.push_back(name);
        return true;
    };
    if (f.node.is_string())
        return check(*f.node.value<std::string>());
    const auto* array = f.node.as_array();
    if (!array)
        return f.fail("expected a list of unit names, e.g. [\"network\"]");
    for (const auto& element : *array) {
        if (!element.is_string())
            return f.fail("expected a list of unit names, e.g. [\"network\"]");
        if (!check(*element.value<std::string>()))
            return false;
    }
    return true;
}

// memory_max: bytes as an integer, or a string: "max", or a number with a
// K, M, G or T suffix (powers of 1024). Stored as memory.max takes it.
bool read_memory_max(const Field& f, std::optional<std::string>& out) {
    constexpr const char* kExpected =
        "expected bytes as an integer, or a string like \"512M\", \"2G\" or \"max\"";
    if (f.node.is_integer()) {
        int64_t bytes = *f.node.value<int64_t>();
        if (bytes < 4096)
            return f.fail("expected at least 4096 bytes");
        out = std::to_string(bytes);
        return true;
    }
    auto text = f.node.value<std::string>();
    if (!f.node.is_string() || !text || text->empty())
        return f.fail(kExpected);
    if (*text == "max") {
        out = "max";
        return true;
    }
    ByteSize size = parse_byte_size(*text);
    if (size.status == ByteSizeStatus::too_large)
        return f.fail("too large");
    if (size.status != ByteSizeStatus::ok)
        return f.fail(kExpected);
    uint64_t number = size.bytes;
    if (number < 4096)
        return f.fail("expected at least 4096 bytes");
    out = std::to_string(number);
    return true;
}

// tasks_max: a count of processes and threads, or "max".
bool read_tasks_max(const Field& f, std::optional<std::string>& out) {
    if (f.node.is_string() && *f.node.value<std::string>() == "max") {
        out = "max";
        return true;
    }
    auto value = f.node.value<int64_t>();
    if (!f.node.is_integer() || !value || *value < 1 || *value > 4194304)
        return f.fail("expected an integer from 1 to 4194304, or \"max\"");
    out = std::to_string(*value);
    return true;
}

bool read_string_list(const Field& f, std::vector<std::string>& out) {
    if (f.node.is_string()) {
        out.push_back(*f.node.value<std::string>());
        return expand(f, out.back());
    }
    const auto* array = f.node.as_array();
    if (!array)
        return f.fail("expected a string or a list of strings");
    for (const auto& element : *array) {
        if (!element.is_string())
            return f.fail("expected a string or a list of strings");
        out.push_back(*element.value<std::string>());
        if (!expand(f, out.back()))
            return false;
    }
    return true;
}

bool read_duration(const Field& f, Duration& out) {
    std::string text;
    if (!f.node.is_string())
        return f.fail("expected a duration string such as \"500ms\" or \"10s\"");
    read_string(f, text);
    auto parsed = parse_duration(text);
    if (!parsed)
        return f.fail(parsed.error().message);
    out = *parsed;
    return true;
}

bool read_output(const Field& f, OutputTarget& out) {
    std::string text;
    if (!read_string(f, text))
        return false;
    using Kind = OutputTarget::Kind;
    if (text == "journal")
        out = {Kind::journal, ""};
    else if (text == "kmsg")
        out = {Kind::kmsg, ""};
    else if (text == "console")
        out = {Kind::console, ""};
    else if (text == "null")
        out = {Kind::null, ""};
    else if (text == "inherit")
        out = {Kind::inherit, ""};
    else if (text.rfind("file:", 0) == 0 && text.size() > 5 && text[5] == '/')
        out = {Kind::file, text.substr(5)};
    else
        return f.fail(
            "expected journal, kmsg, console, null, inherit or file:/absolute/path, got \"" + text +
            "\"");
    return true;
}

// exec_start_pre and friends: a list of commands, each a list of strings
// whose first is an absolute program, optionally with a leading '-' that
// marks a failure as tolerated (as in systemd). A single command may be
// written without the outer list: ["/bin/true"].
bool read_commands(const Field& f, std::vector<Command>& out) {
    constexpr const char* kExpected =
        "expected a list of commands, each a list of strings, e.g. "
        "[[\"/bin/mkdir\", \"-p\", \"/run/x\"], [\"-/bin/rm\", \"/run/x/old\"]]";
    const auto* array = f.node.as_array();
    if (!array || array->empty())
        return f.fail(kExpected);
    auto read_one = [&](const toml::array& words) {
        Command command;
        if (words.empty())
            return f.fail("a command must not be empty");
        for (const auto& word : words) {
            if (!word.is_string())
                return f.fail(kExpected);
            command.argv.push_back(*word.value<std::string>());
            if (!expand(f, command.argv.back()))
                return false;
        }
        std::string& program = command.argv[0];
        if (program.starts_with("-")) {
            command.tolerate_failure = true;
            program.erase(0, 1);
        }
        if (program.empty() || program[0] != '/')
            return f.fail("the program \"" + program +
                          "\" must be an absolute path (a leading '-' tolerates its failure)");
        out.push_back(std::move(command));
        return true;
    };
    if (array->front().is_string())
        return read_one(*array);
    if (array->size() > 64)
        return f.fail("at most 64 commands");
    for (const auto& element : *array) {
        const auto* words = element.as_array();
        if (!words)
            return f.fail(kExpected);
        if (!read_one(*words))
            return false;
    }
    return true;
}

// kill_signal, reload_signal: a signal's name. SIGKILL and SIGSTOP are never
// a polite request; `allow_none` lets reload_signal = "none" say that the
// service cannot be reloaded by a signal.
bool read_signal(const Field& f, int& out, bool allow_none) {
    std::string text;
    if (!read_string(f, text))
        return false;
    if (allow_none && text == "none") {
        out = 0;
        return true;
    }
    auto signal = parse_signal_name(text);
    if (!signal)
        return f.fail("\"" + text + "\": " + signal.error().message +
                      (allow_none ? ", or \"none\"" : ""));
    if (*signal == SIGKILL || *signal == SIGSTOP)
        return f.fail("\"" + text + "\" cannot be caught; a service must be able to act on it");
    out = *signal;
    return true;
}

template <typename Enum>
bool read_enum(const Field& f, std::initializer_list<std::pair<const char*, Enum>> choices,
               Enum& out) {
    std::string text;
    if (!read_string(f, text))
        return false;
    std::string names;
    std::vector<std::string_view> candidates;
    for (const auto& [name, value] : choices) {
        if (text == name) {
            out = value;
            return true;
        }
        names += names.empty() ? "" : ", ";
        names += name;
        candidates.push_back(name);
    }
    std::string message = "\"" + text + "\" is not one of " + names;
    auto suggestion = closest_match(text, candidates);
    if (!suggestion.empty())
        message += " (did you mean \"" + suggestion + "\"?)";
    return f.fail(message);
}

// after_devices: each entry a device_spec.h spelling, checked here so that a
// typo is an error at load time rather than a unit that waits 90 s.
bool read_after_devices(const Field& f, Unit& u) {
    std::vector<std::string> specs;
    if (!read_string_list(f, specs))
        return false;
    if (specs.size() > kMaxDeviceSpecs)
        return f.fail("at most " + std::to_string(kMaxDeviceSpecs) + " devices");
    for (const auto& text : specs) {
        auto spec = parse_device_spec(text);
        if (!spec)
            return f.fail(spec.error().message);
        if (std::find(u.after_devices.begin(), u.after_devices.end(), text) ==
            u.after_devices.end())
            u.after_devices.push_back(text);
    }
    return true;
}

using Handler = std::function<bool(const Field&, Unit&)>;
using KeyTable = std::map<std::string, Handler, std::less<>>;

// A value that a process_attributes.h parser checks, given as a string.
template <typename Parse>
bool read_checked(const Field& f, Parse parse) {
    std::string text;
    if (!read_string(f, text))
        return false;
    auto parsed = parse(text);
    if (!parsed)
        return f.fail(parsed.error().message);
    return true;
}

bool read_int_in(const Field& f, int64_t low, int64_t high, std::optional<int>& out) {
    auto value = f.node.value<int64_t>();
    if (!f.node.is_integer() || !value || *value < low || *value > high)
        return f.fail("expected an integer from " + std::to_string(low) + " to " +
                      std::to_string(high));
    out = static_cast<int>(*value);
    return true;
}

bool read_capabilities(const Field& f, std::optional<uint64_t>& out) {
    std::vector<std::string> names;
    if (f.node.is_array() && f.node.as_array()->empty()) {
        out = 0;
        return true;
    }
    if (!read_string_list(f, names))
        return false;
    uint64_t mask = 0;
    for (const auto& name : names) {
        auto cap = parse_capability(name);
        if (!cap)
            return f.fail(cap.error().message);
        mask |= uint64_t{1} << *cap;
    }
    out = mask;
    return true;
}

bool read_directories(const Field& f, std::vector<std::string>& out) {
    if (!read_string_list(f, out))
        return false;
    for (const auto& name : out)
        if (auto checked = check_directory_name(name); !checked)
            return f.fail(checked.error().message);
    return true;
}

bool read_mode(const Field& f, mode_t& out, mode_t max = 0777) {
    return read_checked(f, [&](const std::string& text) -> Result<void> {
        auto mode = parse_octal_mode(text, max);
        if (!mode)
            return mode.error();
        out = *mode;
        return {};
    });
}

Service& service_of(Unit& u);

// Environment files, service directories and process attributes.
KeyTable with_process_keys(KeyTable table) {
    for (const LimitKind& kind : limit_kinds()) {
        table.emplace(std::string("limit_") + kind.name, [&kind](const Field& f, Unit& u) {
            std::string text;
            if (f.node.is_integer()) {
                int64_t n = *f.node.value<int64_t>();
                if (n < 0)
                    return f.fail("expected \"infinity\" or a number of at least 0");
                text = std::to_string(n);
            } else if (!read_string(f, text)) {
                return false;
            }
            auto limit = parse_resource_limit(kind, text);
            if (!limit)
                return f.fail(limit.error().message);
            service_of(u).attributes.limits.push_back(*limit);
            return true;
        });
    }
    table.emplace("umask", [](const Field& f, Unit& u) {
        mode_t mode = 0;
        if (!read_mode(f, mode))
            return false;
        service_of(u).attributes.umask = mode;
        return true;
    });
    table.emplace("nice", [](const Field& f, Unit& u) {
        return read_int_in(f, -20, 19, service_of(u).attributes.nice);
    });
    table.emplace("io_class", [](const Field& f, Unit& u) {
        IoClass io = IoClass::best_effort;
        if (!read_enum<IoClass>(f,
                                {{"realtime", IoClass::realtime},
                                 {"best-effort", IoClass::best_effort},
                                 {"idle", IoClass::idle}},
                                io))
            return false;
        service_of(u).attributes.io_class = io;
        return true;
    });
    table.emplace("io_priority", [](const Field& f, Unit& u) {
        return read_int_in(f, 0, 7, service_of(u).attributes.io_priority);
    });
    table.emplace("cpu_affinity", [](const Field& f, Unit& u) {
        auto& cpus = service_of(u).attributes.cpu_affinity;
        auto add = [&](const toml::node& element) {
            if (element.is_integer()) {
                return parse_cpu_list(std::to_string(*element.value<int64_t>()), cpus);
            }
            if (element.is_string())
                return parse_cpu_list(*element.value<std::string>(), cpus);
            return Result<void>(Error{"expected CPU numbers or ranges, e.g. [0, \"2-3\"]"});
        };
        if (const auto* array = f.node.as_array()) {
            if (array->empty())
                return f.fail("expected at least one CPU");
            for (const auto& element : *array)
                if (auto added = add(element); !added)
                    return f.fail(added.error().message);
            return true;
        }
        if (auto added = add(f.node); !added)
            return f.fail(added.error().message);
        return true;
    });
    table.emplace("oom_score_adj", [](const Field& f, Unit& u) {
        return read_int_in(f, -1000, 1000, service_of(u).attributes.oom_score_adj);
    });
    table.emplace("no_new_privileges", [](const Field& f, Unit& u) {
        if (!f.node.is_boolean())
            return f.fail("expected true or false");
        service_of(u).attributes.no_new_privileges = *f.node.value<bool>();
        return true;
    });
    table.emplace("ambient_capabilities", [](const Field& f, Unit& u) {
        return read_capabilities(f, service_of(u).attributes.ambient_capabilities);
    });
    table.emplace("capability_bounding_set", [](const Field& f, Unit& u) {
        return read_capabilities(f, service_of(u).attributes.capability_bounding_set);
    });
    table.emplace("environment_file", [](const Field& f, Unit& u) {
        std::vector<std::string> entries;
        if (!read_string_list(f, entries))
            return false;
        for (const auto& entry : entries) {
            auto ref = parse_environment_file_ref(entry);
            if (!ref)
                return f.fail(ref.error().message);
            service_of(u).environment_files.push_back(std::move(*ref));
        }
        return true;
    });
    table.emplace("runtime_directory", [](const Field& f, Unit& u) {
        return read_directories(f, service_of(u).directories.runtime);
    });
    table.emplace("state_directory", [](const Field& f, Unit& u) {
        return read_directories(f, service_of(u).directories.state);
    });
    table.emplace("logs_directory", [](const Field& f, Unit& u) {
        return read_directories(f, service_of(u).directories.logs);
    });
    table.emplace("runtime_directory_mode", [](const Field& f, Unit& u) {
        return read_mode(f, service_of(u).directories.runtime_mode, 07777);
    });
    table.emplace("state_directory_mode", [](const Field& f, Unit& u) {
        return read_mode(f, service_of(u).directories.state_mode, 07777);
    });
    table.emplace("logs_directory_mode", [](const Field& f, Unit& u) {
        return read_mode(f, service_of(u).directories.logs_mode, 07777);
    });
    return table;
}

const KeyTable& unit_keys() {
    static const KeyTable table = {
        {"description", [](const Field& f, Unit& u) { return read_string(f, u.description); }},
        {"requires", [](const Field& f, Unit& u) { return read_name_list(f, u.requires_); }},
        {"wants", [](const Field& f, Unit& u) { return read_name_list(f, u.wants); }},
        {"after", [](const Field& f, Unit& u) { return read_name_list(f, u.after); }},
        {"before", [](const Field& f, Unit& u) { return read_name_list(f, u.before); }},
        {"conflicts", [](const Field& f, Unit& u) { return read_name_list(f, u.conflicts); }},
        {"wanted_by", [](const Field& f, Unit& u) { return read_name_list(f, u.wanted_by); }},
        {"after_devices", read_after_devices},
        {"device_timeout",
         [](const Field& f, Unit& u) { return read_duration(f, u.device_timeout); }},
    };
    return table;
}

const KeyTable& condition_keys() {
    static const KeyTable table = {
        {"path_exists",
         [](const Field& f, Unit& u) {
             if (!read_string_list(f, u.conditions.path_exists))
                 return false;
             for (const auto& p : u.conditions.path_exists) {
                 std::string_view path = p;
                 if (!path.empty() && path[0] == '!')
                     path.remove_prefix(1);
                 if (path.empty() || path[0] != '/')
                     return f.fail("\"" + p + "\" is not an absolute path");
             }
             return true;
         }},
        {"kernel_cmdline",
         [](const Field& f, Unit& u) { return read_string_list(f, u.conditions.kernel_cmdline); }},
    };
    return table;
}

Service& service_of(Unit& u) {
    if (!u.service)
        u.service.emplace();
    return *u.service;
}

// exec_start_pre and friends, kill_signal, reload_signal, kill_mode.
KeyTable with_command_keys(KeyTable table) {
    using Commands = std::vector<Command> Service::*;
    // A plain loop variable: clang 14 cannot capture a structured binding.
    for (const auto& entry : std::initializer_list<std::pair<const char*, Commands>>{
             {"exec_start_pre", &Service::exec_start_pre},
             {"exec_start_post", &Service::exec_start_post},
             {"exec_stop", &Service::exec_stop},
             {"exec_stop_post", &Service::exec_stop_post},
             {"exec_reload", &Service::exec_reload}}) {
        Commands member = entry.second;
        table.emplace(entry.first, [member](const Field& f, Unit& u) {
            return read_commands(f, service_of(u).*member);
        });
    }
    table.emplace("kill_signal", [](const Field& f, Unit& u) {
        return read_signal(f, service_of(u).kill_signal, false);
    });
    table.emplace("reload_signal", [](const Field& f, Unit& u) {
        return read_signal(f, service_of(u).reload_signal, true);
    });
    table.emplace("kill_mode", [](const Field& f, Unit& u) {
        return read_enum<KillMode>(f,
                                   {{"control-group", KillMode::control_group},
                                    {"mixed", KillMode::mixed},
                                    {"process", KillMode::process}},
                                   service_of(u).kill_mode);
    });
    return table;
}

const KeyTable& service_keys() {
    static const KeyTable table = with_command_keys(with_process_keys({
        {"type",
         [](const Field& f, Unit& u) {
             return read_enum<ServiceType>(f,
                                           {{"simple", ServiceType::simple},
                                            {"exec", ServiceType::exec},
                                            {"oneshot", ServiceType::oneshot},
                                            {"notify", ServiceType::notify},
                                            {"forking", ServiceType::forking}},
                                           service_of(u).type);
         }},
        {"exec",
         [](const Field& f, Unit& u) {
             const auto* array = f.node.as_array();
             auto& exec = service_of(u).exec;
             if (!array || array->empty())
                 return f.fail(
                     "expected a non-empty list of strings, e.g. [\"/usr/sbin/sshd\", \"-D\"]");
             for (const auto& element : *array) {
                 if (!element.is_string())
                     return f.fail("every element must be a string");
                 exec.push_back(*element.value<std::string>());
                 if (!expand(f, exec.back()))
                     return false;
             }
             if (exec[0].empty() || exec[0][0] != '/')
                 return f.fail("the program \"" + exec[0] + "\" must be an absolute path");
             return true;
         }},
        {"environment",
         [](const Field& f, Unit& u) {
             const auto* table = f.node.as_table();
             if (!table)
                 return f.fail("expected a table, e.g. { LANG = \"C\" }");
             // Each variable is reported where its name is, under its own key.
             bool ok = true;
             for (const auto& [key, value] : *table) {
                 std::string full_key = f.key + "." + escape_for_message(key.str());
                 auto name = check_environment_name(key.str());
                 if (!name) {
                     f.report.error(key.source(), full_key, name.error().message);
                     ok = false;
                     continue;
                 }
                 if (!value.is_string()) {
                     f.report.error(key.source(), full_key, "the value must be a string");
                     ok = false;
                     continue;
                 }
                 std::string text = *value.value<std::string>();
                 if (f.specifiers) {
                     auto expanded = expand_specifiers(text, *f.specifiers);
                     if (!expanded) {
                         f.report.error(key.source(), full_key, expanded.error().message);
                         ok = false;
                         continue;
                     }
                     text = std::move(*expanded);
                 }
                 if (text.find('\0') != std::string::npos) {
                     f.report.error(key.source(), full_key,
                                    "the value contains a NUL byte, which would cut it short");
                     ok = false;
                     continue;
                 }
                 service_of(u).environment.emplace_back(std::string(key.str()), std::move(text));
             }
             return ok;
         }},
        {"pid_file",
         [](const Field& f, Unit& u) {
             auto& path = service_of(u).pid_file;
             if (!read_string(f, path))
                 return false;
             if (path.empty() || path[0] != '/')
                 return f.fail("must be an absolute path");
             return true;
         }},
        {"user", [](const Field& f, Unit& u) { return read_string(f, service_of(u).user); }},
        {"group", [](const Field& f, Unit& u) { return read_string(f, service_of(u).group); }},
        {"working_directory",
         [](const Field& f, Unit& u) {
             auto& dir = service_of(u).working_directory;
             if (!read_string(f, dir))
                 return false;
             if (dir.empty() || dir[0] != '/')
                 return f.fail("must be an absolute path");
             return true;
         }},
        {"restart",
         [](const Field& f, Unit& u) {
             return read_enum<RestartPolicy>(f,
                                             {{"no", RestartPolicy::no},
                                              {"on-failure", RestartPolicy::on_failure},
                                              {"always", RestartPolicy::always}},
                                             service_of(u).restart);
         }},
        {"restart_delay",
         [](const Field& f, Unit& u) { return read_duration(f, service_of(u).restart_delay); }},
        {"restart_delay_max",
         [](const Field& f, Unit& u) { return read_duration(f, service_of(u).restart_delay_max); }},
        {"start_timeout",
         [](const Field& f, Unit& u) { return read_duration(f, service_of(u).start_timeout); }},
        {"stop_timeout",
         [](const Field& f, Unit& u) { return read_duration(f, service_of(u).stop_timeout); }},
        {"watchdog",
         [](const Field& f, Unit& u) { return read_duration(f, service_of(u).watchdog); }},
        {"memory_max",
         [](const Field& f, Unit& u) { return read_memory_max(f, service_of(u).memory_max); }},
        {"tasks_max",
         [](const Field& f, Unit& u) { return read_tasks_max(f, service_of(u).tasks_max); }},
        {"cpu_weight",
         [](const Field& f, Unit& u) {
             auto value = f.node.value<int64_t>();
             if (!f.node.is_integer() || !value || *value < 1 || *value > 10000)
                 return f.fail("expected an integer from 1 to 10000 (100 is the default share)");
             service_of(u).cpu_weight = std::to_string(*value);
             return true;
         }},
        {"start_limit_burst",
         [](const Field& f, Unit& u) {
             auto value = f.node.value<int64_t>();
             if (!f.node.is_integer() || !value || *value < 1 || *value > 1000)
                 return f.fail("expected an integer from 1 to 1000");
             service_of(u).start_limit_burst = static_cast<int>(*value);
             return true;
         }},
        {"start_limit_interval",
         [](const Field& f, Unit& u) {
             return read_duration(f, service_of(u).start_limit_interval);
         }},
        {"stdout",
         [](const Field& f, Unit& u) { return read_output(f, service_of(u).stdout_target); }},
        {"stderr",
         [](const Field& f, Unit& u) {
             service_of(u).stderr_set = true;
             return read_output(f, service_of(u).stderr_target);
         }},
    }));
    return table;
}

const std::map<std::string, const KeyTable*, std::less<>>& sections() {
    static const std::map<std::string, const KeyTable*, std::less<>> table = {
        {"unit", &unit_keys()},
        {"condition", &condition_keys()},
        {"service", &service_keys()},
    };
    return table;
}

template <typename Map>
std::vector<std::string_view> keys_of(const Map& map) {
    std::vector<std::string_view> keys;
    for (const auto& [key, value] : map)
        keys.push_back(key);
    return keys;
}

std::string unknown_message(std::string_view what, std::string_view key,
                            const std::vector<std::string_view>& known) {
    std::string message = "unknown " + std::string(what) + " \"" + std::string(key) + "\"";
    auto suggestion = closest_match(key, known);
    if (!suggestion.empty())
        message += " (did you mean \"" + suggestion + "\"?)";
    return message;
}

// Checks that span several keys, once every key has been read.
void validate(Unit& unit, const toml::table& root, Reporter& report) {
    if (!unit.service)
        return;
    Service& s = *unit.service;
    const toml::node* section = root.get("service");
    const toml::source_region where = section ? section->source() : toml::source_region{};
    // A present but invalid exec has been reported already.
    auto has_key = [&](std::string_view key) {
        return section && section->is_table() && section->as_table()->contains(key);
    };
    if (s.exec.empty() && !has_key("exec"))
        report.error(where, "service.exec", "a [service] needs exec = [\"/path/to/program\", ...]");
    if (s.type == ServiceType::oneshot && s.restart == RestartPolicy::always)
        report.error(where, "service.restart",
                     "restart = \"always\" is not allowed for oneshot services (use on-failure)");
    if (s.type == ServiceType::forking && s.pid_file.empty() && !has_key("pid_file"))
        report.error(where, "service.pid_file",
                     "type = \"forking\" needs pid_file = \"/run/NAME.pid\": the pid file names "
                     "the daemon once the started process has exited");
    if (s.type != ServiceType::forking && !s.pid_file.empty())
        report.error(where, "service.pid_file",
                     "pid_file is only for type = \"forking\" (this service is " +
                         std::string(to_string(s.type)) + ")");
    const auto& caps = s.attributes;
    if (caps.ambient_capabilities && caps.capability_bounding_set &&
        (*caps.ambient_capabilities & ~*caps.capability_bounding_set) != 0)
        report.error(where, "service.ambient_capabilities",
                     "every ambient capability must also be in capability_bounding_set (the "
                     "kernel refuses to raise one that is not)");
    if (s.restart_delay_max < s.restart_delay)
        s.restart_delay_max = s.restart_delay;
    if (!s.stderr_set)
        s.stderr_target = s.stdout_target;
}

}  // namespace

bool is_valid_unit_name(std::string_view name) {
    if (name.empty() || name.size() > 128)
        return false;
    bool instance = false;  // after the first '@', an instance's ':' and '\\' too
    for (char c : name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '@' || c == '.' || c == '_' || c == '-' ||
                  (instance && (c == ':' || c == '\\'));
        if (!ok)
            return false;
        instance = instance || c == '@';
    }
    return true;
}

ParsedUnit parse_unit(std::string_view name, std::string_view path, std::string_view text) {
    return parse_unit(name, path, text, nullptr);
}

ParsedUnit parse_unit(std::string_view name, std::string_view path, std::string_view text,
                      const Specifiers* specifiers) {
    return parse_unit(name, path, text, specifiers, {});
}

namespace {

// The guard, then toml++; false after reporting why the text is unusable.
bool parse_toml(std::string_view path, std::string_view text, Reporter& report, toml::table& out) {
    if (auto unsafe = find_unsafe_toml(text)) {
        toml::source_region where;
        where.begin = {static_cast<toml::source_index>(unsafe->line),
                       static_cast<toml::source_index>(unsafe->column)};
        where.path = std::make_shared<const std::string>(path);
        report.error(where, "", std::move(unsafe->message));
        return false;
    }
    try {
        out = toml::parse(text, path);
    } catch (const toml::parse_error& e) {
        report.error(e.source(), "", std::string(e.description()));
        return false;
    }
    return true;
}

// Moves every key of `dropin` into `root`: a section ([unit], [service],
// [condition]) merges key by key; a key's value, whatever it is (a list, an
// inline table like environment), replaces the file's whole. Nodes are
// moved, not copied, since toml++ keeps a node's source (file, line) only
// across a move.
void put(toml::table& into, const toml::key& key, toml::node& node) {
    // Erased first: insert_or_assign would keep the file's key, and so its
    // place, for the drop-in's value.
    into.erase(key.str());
    node.visit([&](auto& concrete) { into.insert(key, std::move(concrete)); });
}

void merge_over(toml::table& root, toml::table& dropin) {
    for (auto& [section_key, section] : dropin) {
        auto* into = root.get_as<toml::table>(section_key.str());
        if (!into || !section.is_table()) {
            put(root, section_key, section);
            continue;
        }
        for (auto& [key, node] : *section.as_table())
            put(*into, key, node);
    }
}

}  // namespace

ParsedUnit parse_unit(std::string_view name, std::string_view path, std::string_view text,
                      const Specifiers* specifiers, const std::vector<DropIn>& dropins) {
    ParsedUnit result;
    Reporter report(path);
    toml::table root;
    bool usable = parse_toml(path, text, report, root);
    for (const auto& dropin : dropins) {
        toml::table over;
        if (parse_toml(dropin.path, dropin.text, report, over) && usable)
            merge_over(root, over);
        else
            usable = false;
    }
    if (!usable) {
        result.diagnostics = report.take();
        return result;
    }

    Unit unit;
    unit.name = std::string(name);
    unit.path = std::string(path);
    for (const auto& dropin : dropins)
        unit.dropins.emplace_back(dropin.path);
    if (!is_valid_unit_name(name))
        report.error({}, "", "\"" + std::string(name) + "\" is not a valid unit name");

    const auto known_sections = keys_of(sections());
    for (const auto& [section_key, section_node] : root) {
        std::string section_name(section_key.str());
        auto section = sections().find(section_name);
        if (section == sections().end()) {
            report.error(section_key.source(), section_name,
                         unknown_message("section", section_name, known_sections));
            continue;
        }
        const auto* table = section_node.as_table();
        if (!table) {
            report.error(section_key.source(), section_name,
                         "expected a table: write [" + section_name + "]");
            continue;
        }
        if (section_name == "service")
            service_of(unit);
        const KeyTable& keys = *section->second;
        const auto known_keys = keys_of(keys);
        for (const auto& [key, node] : *table) {
            std::string full_key = section_name + "." + std::string(key.str());
            auto handler = keys.find(key.str());
            if (handler == keys.end()) {
                report.error(key.source(), full_key, unknown_message("key", key.str(), known_keys));
                continue;
            }
            handler->second(Field{node, key.source(), full_key, report, specifiers}, unit);
        }
    }
    validate(unit, root, report);

    if (!report.has_errors())
        result.unit = std::move(unit);
    result.diagnostics = report.take();
    return result;
}

}  // namespace fastinit
