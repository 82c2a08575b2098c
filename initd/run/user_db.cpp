#include "initd/run/user_db.h"

#include <charconv>
#include <optional>
#include <string_view>

#include "base/text.h"

namespace fastinit {
namespace {

std::vector<std::string_view> split(std::string_view line, char separator) {
    std::vector<std::string_view> fields;
    for (;;) {
        size_t at = line.find(separator);
        fields.push_back(line.substr(0, at));
        if (at == std::string_view::npos)
            return fields;
        line.remove_prefix(at + 1);
    }
}

template <typename Id>
std::optional<Id> parse_id(std::string_view text) {
    unsigned long value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty() ||
        value >= 4294967295UL)
        return std::nullopt;
    return static_cast<Id>(value);
}

// Calls `visit(fields)` for each well-formed line with at least `min_fields`.
template <typename Visit>
void for_each_entry(const std::string& text, size_t min_fields, Visit visit) {
    std::string_view rest = text;
    while (!rest.empty()) {
        size_t end = rest.find('\n');
        std::string_view line = rest.substr(0, end);
        rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
        if (line.empty() || line[0] == '#')
            continue;
        auto fields = split(line, ':');
        if (fields.size() >= min_fields && visit(fields))
            return;
    }
}

// name:password:uid:gid:gecos:home:shell
void fill_passwd_fields(Credentials& creds, const std::vector<std::string_view>& f) {
    creds.has_passwd_entry = true;
    creds.name = std::string(f[0]);
    creds.home = f.size() > 5 ? std::string(f[5]) : "";
    creds.shell = f.size() > 6 ? std::string(f[6]) : "";
}

}  // namespace

Result<Credentials> resolve_credentials(const std::string& user, const std::string& group,
                                        const std::string& etc) {
    Credentials creds;
    std::string user_name;
    if (!user.empty()) {
        if (auto id = parse_id<uid_t>(user)) {
            creds.uid = *id;
            creds.gid = *id;
            // Its entry, if any, only names it (HOME and the like); the
            // group stays the number's, as before.
            if (auto passwd = read_file(etc + "/passwd"))
                for_each_entry(*passwd, 4, [&](const auto& f) {
                    if (parse_id<uid_t>(f[2]) != creds.uid)
                        return false;
                    fill_passwd_fields(creds, f);
                    return true;
                });
        } else {
            auto passwd = read_file(etc + "/passwd");
            if (!passwd)
                return Error{"cannot resolve user " + user + ": " + passwd.error().message};
            bool found = false;
            for_each_entry(*passwd, 4, [&](const auto& f) {
                if (f[0] != user)
                    return false;
                auto uid = parse_id<uid_t>(f[2]);
                auto gid = parse_id<gid_t>(f[3]);
                if (!uid || !gid)
                    return false;  // malformed: skip it like any other bad line
                creds.uid = *uid;
                creds.gid = *gid;
                fill_passwd_fields(creds, f);
                found = true;
                return true;
            });
            if (!found)
                return Error{"no user named " + user + " in " + etc + "/passwd"};
            user_name = user;
        }
    }

    bool need_group_file = (!group.empty() && !parse_id<gid_t>(group)) || !user_name.empty();
    std::string groups_text;
    if (need_group_file) {
        auto text = read_file(etc + "/group");
        if (text)
            groups_text = std::move(*text);
        else if (!group.empty() && !parse_id<gid_t>(group))
            return Error{"cannot resolve group " + group + ": " + text.error().message};
    }
    if (!group.empty()) {
        if (auto id = parse_id<gid_t>(group)) {
            creds.gid = *id;
        } else {
            bool found = false;
            for_each_entry(groups_text, 3, [&](const auto& f) {
                if (f[0] != group)
                    return false;
                auto gid = parse_id<gid_t>(f[2]);
                if (!gid)
                    return false;  // malformed: skip it like any other bad line
                creds.gid = *gid;
                found = true;
                return true;
            });
            if (!found)
                return Error{"no group named " + group + " in " + etc + "/group"};
        }
    }
    if (!user_name.empty()) {
        for_each_entry(groups_text, 4, [&](const auto& f) {
            for (auto member : split(f[3], ','))
                if (member == user_name)
                    if (auto gid = parse_id<gid_t>(f[2]))
                        creds.groups.push_back(*gid);
            return false;
        });
    }
    return creds;
}

}  // namespace fastinit
