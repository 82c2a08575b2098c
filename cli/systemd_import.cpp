// systemd `.service` → fastinit TOML; see systemd_import.h. Each systemd key
// has one small handler that adds TOML fields or a note; the TOML is then
// read back by fastinit's own parser, and any field it rejects is removed
// and reported, so what is written always loads.
#include "cli/systemd_import.h"

#include <chrono>
#include <cstdio>
#include <functional>
#include <map>

#include "cli/systemd_unit_file.h"
#include "cli/systemd_words.h"
#include "initd/unit/environment_name.h"
#include "initd/unit/unit_parser.h"

namespace fastinit {
namespace {

using std::chrono::microseconds;

// A TOML basic string.
std::string quote(std::string_view s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < 0x20 || c == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04X", c);
            out += buf;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out + "\"";
}

std::string quote_list(const std::vector<std::string>& items) {
    std::string out = "[";
    for (size_t i = 0; i < items.size(); ++i)
        out += (i ? ", " : "") + quote(items[i]);
    return out + "]";
}

// A duration in the largest unit that states it exactly ("90s", "365d").
std::string span_text(microseconds value) {
    struct UnitScale {
        const char* name;
        long long us;
    };
    static const UnitScale kUnits[] = {{"d", 86'400'000'000LL}, {"h", 3'600'000'000LL},
                                       {"min", 60'000'000LL},   {"s", 1'000'000LL},
                                       {"ms", 1'000LL},         {"us", 1LL}};
    long long us = value.count();
    for (const auto& u : kUnits)
        if (us % u.us == 0)
            return std::to_string(us / u.us) + u.name;
    return std::to_string(us) + "us";
}

// A field of the TOML to write, and the systemd line it came from.
struct Field {
    std::string section;  // "unit", "condition", "service"
    std::string key;
    std::string value;  // TOML text
    std::string origin;
};

class Converter {
  public:
    Converter(std::string_view path, std::string name, bool is_template,
              const SystemdUnitFile& file)
        : m_path(path), m_name(std::move(name)), m_template(is_template), m_file(file) {}

    ImportedUnit run();

  private:
    using Handler = std::function<void(const std::vector<const SystemdEntry*>&)>;

    static std::string origin(const SystemdEntry& e) {
        return e.section + "." + e.key + " (line " + std::to_string(e.line) + ")";
    }
    void note(const SystemdEntry& e, const std::string& why) {
        std::string line = origin(e) + ": " + why;
        if (m_notes.empty() || m_notes.back() != line)  // TimeoutSec= sets two keys
            m_notes.push_back(std::move(line));
    }
    void add(const SystemdEntry& e, std::string section, std::string key, std::string value) {
        for (auto& f : m_fields)
            if (f.section == section && f.key == key) {
                f.value = std::move(value);
                f.origin = origin(e);
                return;
            }
        m_fields.push_back({std::move(section), std::move(key), std::move(value), origin(e)});
    }
    // The value with specifiers translated, or nothing (and a note).
    bool specifiers(const SystemdEntry& e, std::string_view text, std::string& out) {
        auto done = translate_specifiers(text, m_name, m_template);
        if (!done) {
            note(e, done.error().message + "; not carried");
            return false;
        }
        out = std::move(*done);
        return true;
    }
    bool words(const SystemdEntry& e, std::vector<std::string>& out) {
        auto split = split_systemd_words(e.value);
        if (!split) {
            note(e, split.error().message + "; not carried");
            return false;
        }
        for (auto& w : *split) {
            std::string t;
            if (specifiers(e, w, t))
                out.push_back(std::move(t));
        }
        return true;
    }

    const SystemdEntry& last_entry(const std::string& section, const std::string& key) const {
        const SystemdEntry* found = nullptr;
        for (const auto& e : m_file.entries)
            if (e.section == section && e.key == key)
                found = &e;
        return *found;  // run() asks only for a key it has seen
    }

    void string_key(const char* section, const char* key,
                    const std::vector<const SystemdEntry*>& v);
    void names(const char* key, const std::vector<const SystemdEntry*>& v);
    void commands(const char* key, const std::vector<const SystemdEntry*>& v);
    void exec_start(const std::vector<const SystemdEntry*>& v);
    void duration(const char* key, const SystemdEntry& e, bool zero_is_infinite);
    void word_list(const char* key, const std::vector<const SystemdEntry*>& v);
    void scalar(const char* key, const SystemdEntry& e);
    void mode(const char* key, const SystemdEntry& e);
    void type(const SystemdEntry& e);
    void restart(const SystemdEntry& e);
    void environment(const std::vector<const SystemdEntry*>& v);
    void output(const char* key, const SystemdEntry& e);
    void conditions(const char* key, const std::vector<const SystemdEntry*>& v);
    std::map<std::string, Handler> handlers();
    std::string render() const;

    std::string m_path;
    std::string m_name;
    bool m_template;
    const SystemdUnitFile& m_file;
    std::vector<Field> m_fields;
    std::vector<std::string> m_notes;
    std::string m_type = "simple";
};

void Converter::string_key(const char* section, const char* key,
                           const std::vector<const SystemdEntry*>& v) {
    std::string value;
    if (specifiers(*v.back(), v.back()->value, value))
        add(*v.back(), section, key, quote(value));
}

void Converter::names(const char* key, const std::vector<const SystemdEntry*>& v) {
    std::vector<std::string> out;
    const SystemdEntry* last = v.back();
    for (const auto* e : v) {
        std::vector<std::string> ws;
        if (!words(*e, ws))
            continue;
        for (const auto& w : ws) {
            std::string why;
            std::string name = map_systemd_unit_name(w, why);
            if (name.empty()) {
                note(*e, "\"" + w + "\" left out: " + why);
                continue;
            }
            bool seen = false;
            for (const auto& o : out)
                seen = seen || o == name;
            if (!seen)
                out.push_back(name);
        }
    }
    if (!out.empty())
        add(*last, "unit", key, quote_list(out));
}

std::string command_toml(const SystemdCommand& c) {
    return quote_list(c.argv);
}

void Converter::commands(const char* key, const std::vector<const SystemdEntry*>& v) {
    std::vector<std::string> out;
    for (const auto* e : v) {
        std::string line;
        if (!specifiers(*e, e->value, line))
            continue;
        auto cmds = parse_systemd_exec(line);
        if (!cmds) {
            note(*e, cmds.error().message + "; not carried");
            continue;
        }
        for (const auto& c : *cmds) {
            for (const auto& n : c.notes)
                note(*e, n);
            out.push_back(command_toml(c));
        }
    }
    if (out.empty())
        return;
    std::string value = "[";
    for (size_t i = 0; i < out.size(); ++i)
        value += (i ? ", " : "") + out[i];
    add(*v.back(), "service", key, value + "]");
}

void Converter::exec_start(const std::vector<const SystemdEntry*>& v) {
    std::vector<SystemdCommand> all;
    for (const auto* e : v) {
        std::string line;
        if (!specifiers(*e, e->value, line))
            continue;
        auto cmds = parse_systemd_exec(line);
        if (!cmds) {
            note(*e, cmds.error().message + "; not carried");
            continue;
        }
        for (auto& c : *cmds) {
            for (const auto& n : c.notes)
                note(*e, n);
            all.push_back(std::move(c));
        }
    }
    if (all.empty())
        return;
    SystemdCommand first = all.front();
    if (!first.argv[0].empty() && first.argv[0][0] == '-') {
        // fastinit's exec has no "-": the main program's status counts.
        first.argv[0].erase(0, 1);
        note(*v.front(), "the \"-\" of the main program is not carried (its status counts)");
    }
    add(*v.front(), "service", "exec", command_toml(first));
    if (all.size() > 1) {
        // A oneshot's further ExecStart lines run after the first in systemd
        // too; exec_start_post is the nearest: after the first has exited.
        std::string value = "[";
        for (size_t i = 1; i < all.size(); ++i)
            value += (i > 1 ? ", " : "") + command_toml(all[i]);
        add(*v.front(), "service", "exec_start_post", value + "]");
        note(*v.front(), "the commands after the first run as exec_start_post");
    }
}

void Converter::duration(const char* key, const SystemdEntry& e, bool zero_is_infinite) {
    auto span = parse_systemd_timespan(e.value);
    if (!span) {
        note(e, span.error().message + "; not carried");
        return;
    }
    constexpr microseconds kMax = std::chrono::hours(24 * 365);
    microseconds value;
    if (!*span || (zero_is_infinite && (*span)->count() == 0)) {
        note(e, "fastinit has no unbounded timeout: written as 365d");
        value = kMax;
    } else {
        value = **span;
        if (value > kMax) {
            note(e, "longer than fastinit allows: written as 365d");
            value = kMax;
        }
    }
    add(e, "service", key, quote(span_text(value)));
}

void Converter::word_list(const char* key, const std::vector<const SystemdEntry*>& v) {
    std::vector<std::string> out;
    for (const auto* e : v)
        words(*e, out);
    if (!out.empty())
        add(*v.back(), "service", key, quote_list(out));
}

void Converter::scalar(const char* key, const SystemdEntry& e) {
    const std::string& s = e.value;
    bool integer = !s.empty() && s.size() < 12;
    for (size_t i = 0; i < s.size(); ++i)
        integer =
            integer && ((s[i] >= '0' && s[i] <= '9') || (i == 0 && s[i] == '-' && s.size() > 1));
    add(e, "service", key, integer ? s : quote(s));
}

void Converter::mode(const char* key, const SystemdEntry& e) {
    std::string m = e.value;
    while (m.size() < 4)
        m = "0" + m;
    add(e, "service", key, quote(m));
}

void Converter::type(const SystemdEntry& e) {
    const std::string& t = e.value;
    if (t == "simple" || t == "exec" || t == "forking" || t == "oneshot" || t == "notify") {
        m_type = t;
    } else if (t == "notify-reload") {
        m_type = "notify";
        if (!m_file.last("Service", "ReloadSignal"))
            add(e, "service", "reload_signal", quote("SIGHUP"));
    } else if (t == "idle" || t == "dbus") {
        m_type = "simple";
        note(e, "type \"" + t + "\" is run as \"simple\"" +
                    (t == "dbus" ? " (ready when started, not when its bus name is taken)" : ""));
    } else {
        note(e, "unknown type; \"simple\" is used");
        m_type = "simple";
    }
    add(e, "service", "type", quote(m_type));
}

void Converter::restart(const SystemdEntry& e) {
    std::string r = e.value;
    if (r == "on-abnormal" || r == "on-abort" || r == "on-watchdog") {
        note(e, "\"" + r + "\" is carried as \"on-failure\" (also restarts on a non-zero exit)");
        r = "on-failure";
    } else if (r == "on-success") {
        note(e, "\"on-success\" has no fastinit equivalent; not carried");
        return;
    }
    if (r == "always" && m_type == "oneshot") {
        note(e, "\"always\" is not allowed for a oneshot in fastinit: \"on-failure\"");
        r = "on-failure";
    }
    add(e, "service", "restart", quote(r));
}

void Converter::environment(const std::vector<const SystemdEntry*>& v) {
    std::map<std::string, std::string> vars;
    for (const auto* e : v) {
        std::vector<std::string> ws;
        if (!words(*e, ws))
            continue;
        for (const auto& w : ws) {
            size_t eq = w.find('=');
            std::string name = w.substr(0, eq);
            if (eq == std::string::npos || !check_environment_name(name).ok()) {
                note(*e, "\"" + escape_for_message(w) + "\" is no NAME=VALUE assignment; left out");
                continue;
            }
            vars[name] = w.substr(eq + 1);
        }
    }
    if (vars.empty())
        return;
    std::string value = "{ ";
    bool first = true;
    for (const auto& [name, val] : vars) {
        value += (first ? "" : ", ") + name + " = " + quote(val);
        first = false;
    }
    add(*v.back(), "service", "environment", value + " }");
}

void Converter::output(const char* key, const SystemdEntry& e) {
    const std::string& o = e.value;
    std::string mapped;
    if (o == "journal" || o == "syslog" || o == "journal+console" || o == "syslog+console")
        mapped = "journal";
    else if (o == "kmsg" || o == "kmsg+console")
        mapped = "kmsg";
    else if (o == "null" || o == "inherit")
        mapped = o;
    else if (o == "tty")
        mapped = "console";
    else if (o.rfind("file:", 0) == 0)
        mapped = o;
    else if (o.rfind("append:", 0) == 0)
        mapped = "file:" + o.substr(7);
    if (mapped.empty()) {
        note(e, "\"" + o + "\" has no fastinit output target; not carried");
        return;
    }
    if (o.ends_with("+console"))
        note(e, "\"" + o + "\" is carried as \"" + mapped + "\" (without the console)");
    add(e, "service", key, quote(mapped));
}

void Converter::conditions(const char* key, const std::vector<const SystemdEntry*>& v) {
    std::vector<std::string> out;
    for (const auto* e : v) {
        std::string value = e->value;
        if (!value.empty() && value[0] == '|') {
            note(*e, "a triggering condition (\"|\") is carried as an ordinary one");
            value.erase(0, 1);
        }
        std::string t;
        if (specifiers(*e, value, t))
            out.push_back(t);
    }
    if (!out.empty())
        add(*v.back(), "condition", key, quote_list(out));
}

std::map<std::string, Converter::Handler> Converter::handlers() {
    std::map<std::string, Handler> h;
    auto last = [](auto fn) {
        return [fn](const std::vector<const SystemdEntry*>& v) { fn(*v.back()); };
    };
    h["Unit.Description"] = [this](auto& v) { string_key("unit", "description", v); };
    h["Unit.Requires"] = [this](auto& v) { names("requires", v); };
    h["Unit.Wants"] = [this](auto& v) { names("wants", v); };
    h["Unit.After"] = [this](auto& v) { names("after", v); };
    h["Unit.Before"] = [this](auto& v) { names("before", v); };
    h["Unit.Conflicts"] = [this](auto& v) { names("conflicts", v); };
    h["Install.WantedBy"] = [this](auto& v) { names("wanted_by", v); };
    h["Unit.ConditionPathExists"] = [this](auto& v) { conditions("path_exists", v); };
    h["Unit.ConditionKernelCommandLine"] = [this](auto& v) { conditions("kernel_cmdline", v); };
    h["Unit.StartLimitBurst"] = last([this](auto& e) { scalar("start_limit_burst", e); });
    h["Unit.StartLimitIntervalSec"] =
        last([this](auto& e) { duration("start_limit_interval", e, false); });
    h["Unit.DefaultDependencies"] = last([this](auto& e) {
        if (e.value != "no" && e.value != "false" && e.value != "0")
            note(e, "fastinit adds no implicit dependencies; name them in After=/Requires=");
    });
    h["Unit.Documentation"] = last([this](auto& e) { note(e, "documentation only"); });
    h["Service.Type"] = last([this](auto& e) { type(e); });
    h["Service.ExecStart"] = [this](auto& v) { exec_start(v); };
    h["Service.ExecStartPre"] = [this](auto& v) { commands("exec_start_pre", v); };
    h["Service.ExecStartPost"] = [this](auto& v) { commands("exec_start_post", v); };
    h["Service.ExecStop"] = [this](auto& v) { commands("exec_stop", v); };
    h["Service.ExecStopPost"] = [this](auto& v) { commands("exec_stop_post", v); };
    h["Service.ExecReload"] = [this](auto& v) { commands("exec_reload", v); };
    h["Service.Environment"] = [this](auto& v) { environment(v); };
    h["Service.EnvironmentFile"] = [this](auto& v) { word_list("environment_file", v); };
    h["Service.User"] = [this](auto& v) { string_key("service", "user", v); };
    h["Service.Group"] = [this](auto& v) { string_key("service", "group", v); };
    h["Service.WorkingDirectory"] = last([this](auto& e) {
        std::string dir = e.value;
        if (!dir.empty() && dir[0] == '-') {
            note(e, "the \"-\" (missing is fine) is not carried");
            dir.erase(0, 1);
        }
        if (dir == "~") {
            note(e, "\"~\" (the user's home) has no fastinit equivalent; not carried");
            return;
        }
        std::string t;
        if (specifiers(e, dir, t))
            add(e, "service", "working_directory", quote(t));
    });
    h["Service.Restart"] = last([this](auto& e) { restart(e); });
    h["Service.RestartSec"] = last([this](auto& e) {
        // systemd waits the same time before each restart.
        duration("restart_delay", e, false);
        duration("restart_delay_max", e, false);
    });
    h["Service.TimeoutSec"] = last([this](auto& e) {
        duration("start_timeout", e, true);
        duration("stop_timeout", e, true);
    });
    h["Service.TimeoutStartSec"] = last([this](auto& e) { duration("start_timeout", e, true); });
    h["Service.TimeoutStopSec"] = last([this](auto& e) { duration("stop_timeout", e, true); });
    // 0 turns systemd's watchdog off, as "0s" does fastinit's.
    h["Service.WatchdogSec"] = last([this](auto& e) { duration("watchdog", e, false); });
    for (const char* d : {"Runtime", "State", "Logs"}) {
        std::string lower = d;
        lower[0] = static_cast<char>(lower[0] - 'A' + 'a');
        std::string key = lower + "_directory";
        h["Service." + std::string(d) + "Directory"] = [this, key](auto& v) {
            word_list(key.c_str(), v);
        };
        h["Service." + std::string(d) + "DirectoryMode"] =
            last([this, key](auto& e) { mode((key + "_mode").c_str(), e); });
    }
    for (const char* l :
         {"AS", "CORE", "CPU", "DATA", "FSIZE", "LOCKS", "MEMLOCK", "MSGQUEUE", "NICE", "NOFILE",
          "NPROC", "RSS", "RTPRIO", "RTTIME", "SIGPENDING", "STACK"}) {
        std::string key = "limit_";
        for (const char* c = l; *c; ++c)
            key += static_cast<char>(*c - 'A' + 'a');
        h["Service.Limit" + std::string(l)] =
            last([this, key](auto& e) { add(e, "service", key, quote(e.value)); });
    }
    h["Service.PIDFile"] = [this](auto& v) {
        if (m_type == "forking")
            string_key("service", "pid_file", v);
        else
            note(*v.back(), "fastinit reads a pid file for a forking service only; a " + m_type +
                                " service's main process is the one it started; not carried");
    };
    h["Service.KillMode"] = last([this](auto& e) {
        if (e.value == "none")
            note(e, "\"none\" has no fastinit equivalent; not carried");
        else
            add(e, "service", "kill_mode", quote(e.value));
    });
    h["Service.KillSignal"] =
        last([this](auto& e) { add(e, "service", "kill_signal", quote(e.value)); });
    h["Service.ReloadSignal"] =
        last([this](auto& e) { add(e, "service", "reload_signal", quote(e.value)); });
    h["Service.UMask"] = last([this](auto& e) { mode("umask", e); });
    h["Service.Nice"] = last([this](auto& e) { scalar("nice", e); });
    h["Service.OOMScoreAdjust"] = last([this](auto& e) { scalar("oom_score_adj", e); });
    h["Service.CPUWeight"] = last([this](auto& e) { scalar("cpu_weight", e); });
    h["Service.TasksMax"] = last([this](auto& e) {
        if (e.value == "infinity")
            add(e, "service", "tasks_max", quote("max"));
        else
            scalar("tasks_max", e);
    });
    h["Service.MemoryMax"] = last([this](auto& e) {
        add(e, "service", "memory_max", quote(e.value == "infinity" ? "max" : e.value));
    });
    h["Service.NoNewPrivileges"] = last([this](auto& e) {
        const std::string& b = e.value;
        if (b == "yes" || b == "true" || b == "on" || b == "1")
            add(e, "service", "no_new_privileges", "true");
        else if (b == "no" || b == "false" || b == "off" || b == "0")
            add(e, "service", "no_new_privileges", "false");
        else
            note(e, "not a boolean; not carried");
    });
    for (const char* c : {"AmbientCapabilities", "CapabilityBoundingSet"}) {
        std::string key = c[0] == 'A' ? "ambient_capabilities" : "capability_bounding_set";
        h["Service." + std::string(c)] = [this, key](auto& v) {
            for (const auto* e : v)
                if (!e->value.empty() && e->value[0] == '~') {
                    note(*e, "an inverted list (\"~\") is not carried");
                    return;
                }
            word_list(key.c_str(), v);
        };
    }
    h["Service.StandardOutput"] = last([this](auto& e) { output("stdout", e); });
    h["Service.StandardError"] = last([this](auto& e) { output("stderr", e); });
    h["Service.RemainAfterExit"] = last([this](auto& e) {
        bool yes = e.value == "yes" || e.value == "true" || e.value == "on" || e.value == "1";
        if (yes != (m_type == "oneshot"))
            note(e, yes ? "only a fastinit oneshot stays active after its program exits"
                        : "a fastinit oneshot always stays active after its program exits");
    });
    return h;
}

std::string Converter::render() const {
    std::string out;
    for (const char* section : {"unit", "condition", "service"}) {
        std::string body;
        for (const auto& f : m_fields)
            if (f.section == section)
                body += f.key + " = " + f.value + "\n";
        if (!body.empty())
            out += (out.empty() ? "" : "\n") + std::string("[") + section + "]\n" + body;
    }
    return out;
}

ImportedUnit Converter::run() {
    ImportedUnit result;
    result.name = m_name;
    for (const auto& p : m_file.problems)
        m_notes.push_back(p);
    auto table = handlers();
    // Type first: Restart= and RemainAfterExit= depend on it.
    if (auto* t = m_file.last("Service", "Type"))
        table["Service.Type"]({t});
    std::vector<std::string> done = {"Service.Type"};
    for (const auto& e : m_file.entries) {
        std::string id = e.section + "." + e.key;
        bool seen = false;
        for (const auto& d : done)
            seen = seen || d == id;
        if (seen)
            continue;
        done.push_back(id);
        auto values = m_file.values(e.section, e.key);
        auto h = table.find(id);
        if (h == table.end()) {
            auto all = m_file.values(e.section, e.key);
            note(all.empty() ? e : *all.front(), "no fastinit equivalent; not carried");
            continue;
        }
        if (!values.empty())
            h->second(values);
        else if (id == "Service.CapabilityBoundingSet")
            // "Key=" last means the default for every other key; for the
            // bounding set it is the empty set: no capability at all.
            add(last_entry(e.section, e.key), "service", "capability_bounding_set", "[]");
    }
    bool has_exec = false;
    for (const auto& f : m_fields)
        has_exec = has_exec || (f.section == "service" && f.key == "exec");
    if (!has_exec) {
        // Without a program fastinit would read it as a target: say so.
        m_notes.push_back(m_path +
                          ": no usable ExecStart; the unit does not load in fastinit "
                          "as a service");
        result.toml = render();
        result.not_carried = std::move(m_notes);
        return result;
    }
    // Read back by fastinit's parser: a field it rejects is removed and
    // reported. Each round removes one, so this ends.
    std::string sample = m_template ? m_name + "sample" : m_name;
    Specifiers spec{"sample", "sample"};
    while (true) {
        result.toml = render();
        ParsedUnit parsed = parse_unit(sample, m_path, result.toml, m_template ? &spec : nullptr);
        if (parsed.unit) {
            result.parses = true;
            break;
        }
        bool removed = false;
        for (const auto& d : parsed.diagnostics) {
            if (d.severity != Diagnostic::Severity::error)
                continue;
            for (size_t i = 0; i < m_fields.size() && !removed; ++i)
                if (d.key == m_fields[i].section + "." + m_fields[i].key) {
                    m_notes.push_back(m_fields[i].origin + ": fastinit rejects it (" + d.message +
                                      "); not carried");
                    m_fields.erase(m_fields.begin() + static_cast<long>(i));
                    removed = true;
                }
            if (removed)
                break;
        }
        if (!removed) {
            for (const auto& d : parsed.diagnostics)
                if (d.severity == Diagnostic::Severity::error)
                    m_notes.push_back("the unit does not load in fastinit: " +
                                      (d.key.empty() ? "" : d.key + ": ") + d.message);
            break;
        }
    }
    result.not_carried = std::move(m_notes);
    return result;
}

}  // namespace

std::string map_systemd_unit_name(std::string_view systemd_name, std::string& why) {
    static const std::map<std::string_view, std::string_view> kTargets = {
        {"network.target", "network"},       {"network-online.target", "network-online"},
        {"multi-user.target", "multi-user"}, {"local-fs.target", "local-fs"},
        {"sysinit.target", "sysinit"},       {"remote-fs.target", "remote-fs"},
        {"basic.target", "basic"},           {"swap.target", "swap"},
        {"rescue.target", "rescue"},         {"emergency.target", "emergency"},
        {"shutdown.target", "shutdown"},     {"default.target", "default"},
        {"graphical.target", "multi-user"},
    };
    std::string name(systemd_name);
    if (auto t = kTargets.find(name); t != kTargets.end())
        return std::string(t->second);
    size_t dot = name.rfind('.');
    std::string suffix = dot == std::string::npos ? "" : name.substr(dot);
    if (suffix == ".target") {
        why = "fastinit has no such target";
        return "";
    }
    if (!suffix.empty() && suffix != ".service") {
        why = "fastinit has no " + suffix.substr(1) + " units";
        return "";
    }
    std::string stem = name.substr(0, dot);
    if (stem.rfind("systemd-", 0) == 0) {
        why = "one of systemd's own units";
        return "";
    }
    if (stem.empty()) {
        why = "an empty name";
        return "";
    }
    return stem;
}

ImportedUnit import_systemd_unit(std::string_view file_name, std::string_view path,
                                 std::string_view text) {
    std::string stem(file_name);
    constexpr std::string_view kSuffix = ".service";
    if (stem.size() <= kSuffix.size() ||
        stem.compare(stem.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0) {
        ImportedUnit bad;
        bad.not_carried.push_back(std::string(path) + ": only .service files are imported");
        return bad;
    }
    stem.resize(stem.size() - kSuffix.size());
    SystemdUnitFile file = parse_systemd_unit(path, text);
    bool is_template = stem.back() == '@';
    return Converter(path, stem, is_template, file).run();
}

}  // namespace fastinit
