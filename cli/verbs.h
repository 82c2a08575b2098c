// The client verbs of `fastinit <verb>`. Each returns the process exit code.
#pragma once

#include <string>
#include <vector>

#include "base/paths.h"

namespace fastinit {

struct ClientContext {
    std::string runtime_dir = paths::kRuntimeDir;
    // Set by --runtime-dir or FASTINIT_RUNTIME_DIR: the caller named one
    // manager, and nothing else (systemd, in companion mode) may stand in
    // for it when it is not there.
    bool runtime_dir_given = false;
    std::string socket_path() const { return runtime_dir + "/" + paths::kControlSocketName; }
    std::string timeline_path() const { return runtime_dir + "/" + paths::kBootReportName; }
    // What `fastinit kexec load` staged (kexec/staged_record.h).
    std::string staged_record_path() const { return runtime_dir + "/" + paths::kKexecStagedName; }
};

using Args = std::vector<std::string>;

int verb_check(const ClientContext& context, const Args& args);
int verb_enablement(bool enable, const Args& args);
int verb_status(const ClientContext& context, const Args& args);
int verb_logs(const ClientContext& context, const Args& args);
int verb_unit_request(const ClientContext& context, const std::string& verb, const Args& args);
int verb_daemon_reload(const ClientContext& context, const Args& args);
int verb_analyze(const ClientContext& context, const Args& args);
int verb_power(const ClientContext& context, const std::string& mode);
int verb_notify(const Args& args);
int verb_devices(const Args& args);
int verb_modules_load(const Args& args);
int verb_utmp(const Args& args);
int verb_reboot(const ClientContext& context, const Args& args);
int verb_kexec(const ClientContext& context, const Args& args);
int verb_kdump(const ClientContext& context, const Args& args);
int verb_coldreboot(const ClientContext& context, const Args& args);
int verb_bless(const ClientContext& context, const Args& args);
int verb_import_systemd(const Args& args);

}  // namespace fastinit
