// Rule: `fastinit check` judges every unit of a set, not only those a target
// pulls in: a reference to a unit that does not exist and a program that is
// not there are found offline, before a boot trips on them.
//
// Severities follow what the boot would do. A `requires` on a unit that
// cannot start fails the unit: an error. `wants`, `after`, `before` and
// `wanted_by` on a missing unit are tolerated at boot: warnings. A missing or
// non-executable program, or a user or group that does not exist, fails the
// unit at start: an error, except for a unit
// with conditions (it may be skipped where the program is absent) and when
// checking an image for another root (it may still be incomplete): warnings.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "initd/graph/graph.h"
#include "initd/unit/diagnostic.h"
#include "initd/unit/unit_loader.h"

namespace fastinit {

// The 1-based line of `key` in `section` of a unit file's text ("unit",
// "requires"), or 0 when it cannot be found. A plain line scan, good enough
// to point a reader at the key; the parser has already judged the file.
int find_key_line(std::string_view text, std::string_view section, std::string_view key);

// Every reference of every loaded unit to a unit that is missing or broken.
// `read_text` gives a unit file's text (for line numbers); it may return an
// empty string.
std::vector<Diagnostic> reference_problems(
    const Graph& graph, std::string (*read_text)(const std::string& path) = nullptr);

// Seam: whether a program exists and can be run. Returns why not, or an
// empty string.
class ProgramProbe {
  public:
    virtual ~ProgramProbe() = default;
    virtual std::string problem(const std::string& program) = 0;
};

// Looks programs up under `root` ("" or "/" for this system), following
// symlinks inside the root in every component of the path (an absolute
// link target is taken from the root, not from this system).
class RootProgramProbe : public ProgramProbe {
  public:
    explicit RootProgramProbe(std::string root) : m_root(std::move(root)) {}
    std::string problem(const std::string& program) override;

  private:
    std::string m_root;
};

struct ProgramCheck {
    // Checking for another root: every missing program is a warning.
    bool other_root = false;
    std::string (*read_text)(const std::string& path) = nullptr;
};

// The program of `exec` and of every exec_* command of every loaded service.
std::vector<Diagnostic> program_problems(const UnitSet& units, ProgramProbe& probe,
                                         const ProgramCheck& how);

// Seam: whether a service's user and group exist (the client looks them up
// in the passwd and group files of the root it checks). Returns why not,
// or an empty string.
class UserProbe {
  public:
    virtual ~UserProbe() = default;
    virtual std::string problem(const std::string& user, const std::string& group) = 0;
};

// The `user` and `group` of every loaded service that names one, with the
// same severities as a missing program.
std::vector<Diagnostic> user_problems(const UnitSet& units, UserProbe& probe,
                                      const ProgramCheck& how);

}  // namespace fastinit
