// networking's interface waits (initd/unit/ifupdown_interfaces.h): which
// auto interfaces /etc/network/interfaces and what it sources name, when
// that is known for sure, and what the networking unit gets from it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "initd/graph/graph.h"
#include "initd/unit/ifupdown_interfaces.h"
#include "initd/unit/unit_parser.h"

namespace fastinit {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// A file system in a map: globs and directories answered from it.
struct FakeFiles {
    std::map<std::string, std::string> files;
    std::map<std::string, std::vector<std::string>> globs;
    std::map<std::string, std::vector<std::string>> dirs;

    InterfacesFiles seam() {
        InterfacesFiles f;
        f.read = [this](const std::string& path) -> Result<std::string> {
            auto found = files.find(path);
            if (found == files.end())
                return Error{"cannot read " + path + ": No such file or directory", ENOENT};
            if (found->second.size() > kInterfacesMaxFileSize)
                return Error{path + " is larger than 64 KiB", EFBIG};
            return found->second;
        };
        f.glob = [this](const std::string& pattern) -> Result<std::vector<std::string>> {
            if (pattern == "/broken/*")
                return Error{"cannot expand /broken/*"};
            return globs[pattern];
        };
        f.directory = [this](const std::string& dir) -> Result<std::vector<std::string>> {
            return dirs[dir];
        };
        return f;
    }
};

const char kTop[] = "/etc/network/interfaces";

TEST(AutoInterfaces, DebiansLayoutWithSourcedFiles) {
    FakeFiles fs;
    fs.files[kTop] =
        "# The loopback network interface\n"
        "source /etc/network/interfaces.d/*\n"
        "auto lo\niface lo inet loopback\n\n"
        "auto eth0\niface eth0 inet static\n    address 10.0.2.15/24\n"
        "allow-hotplug usb0\niface usb0 inet dhcp\n";
    fs.globs["/etc/network/interfaces.d/*"] = {"/etc/network/interfaces.d/bond",
                                               "/etc/network/interfaces.d/wifi"};
    fs.files["/etc/network/interfaces.d/bond"] = "auto bond0 eth1 \\\n  eth0\n";
    fs.files["/etc/network/interfaces.d/wifi"] = "allow-auto wlan0\nsource-directory extra\n";
    fs.dirs["/etc/network/interfaces.d/extra"] = {"/etc/network/interfaces.d/extra/vlan"};
    fs.files["/etc/network/interfaces.d/extra/vlan"] = "auto eth0.10\n";
    AutoInterfaces got = read_auto_interfaces(kTop, fs.seam());
    ASSERT_TRUE(got.complete) << got.why_not;
    // Sourced files first where the source line is; lo and repeats left
    // out; hotplug interfaces are udev's to raise, not waited for.
    EXPECT_THAT(got.names, ElementsAre("bond0", "eth1", "eth0", "wlan0", "eth0.10"));
}

TEST(AutoInterfaces, NoConfigurationIsCompleteAndEmpty) {
    FakeFiles fs;
    AutoInterfaces got = read_auto_interfaces(kTop, fs.seam());
    EXPECT_TRUE(got.complete);
    EXPECT_THAT(got.names, IsEmpty());
}

TEST(AutoInterfaces, AnythingNotKnownForSureKeepsTheSettle) {
    auto not_sure = [](FakeFiles fs) {
        AutoInterfaces got = read_auto_interfaces(kTop, fs.seam());
        EXPECT_FALSE(got.complete);
        EXPECT_THAT(got.names, IsEmpty()) << "no partial list";
        return got.why_not;
    };
    FakeFiles bad_name;
    bad_name.files[kTop] = "auto eth0 a/b\n";
    EXPECT_THAT(not_sure(bad_name), HasSubstr("\"a/b\" is no interface name"));

    FakeFiles long_name;
    long_name.files[kTop] = "auto abcdefghijklmnop\n";
    EXPECT_THAT(not_sure(long_name), HasSubstr("no interface name"));

    FakeFiles control;
    control.files[kTop] = std::string("auto et\x01h0\n");
    EXPECT_THAT(not_sure(control), HasSubstr("\"et?h0\""));

    FakeFiles unreadable_source;
    unreadable_source.files[kTop] = "source /etc/network/x\n";
    unreadable_source.globs["/etc/network/x"] = {"/etc/network/x"};
    EXPECT_THAT(not_sure(unreadable_source), HasSubstr("cannot read /etc/network/x"));

    FakeFiles broken_glob;
    broken_glob.files[kTop] = "source /broken/*\nauto eth0\n";
    EXPECT_THAT(not_sure(broken_glob), HasSubstr("cannot expand"));

    FakeFiles oversized;
    oversized.files[kTop] = "auto eth0\n" + std::string(kInterfacesMaxFileSize, '#');
    EXPECT_THAT(not_sure(oversized), HasSubstr("larger than"));

    FakeFiles walk;
    walk.files[kTop] = "auto eth0\nsource /*/*/x\n";
    EXPECT_THAT(not_sure(walk), HasSubstr("wildcard in a directory"));

    // A file that sources itself: bounded by depth and file count.
    FakeFiles loop;
    loop.files[kTop] = "auto eth0\nsource interfaces\n";
    loop.globs["/etc/network/interfaces"] = {kTop};
    EXPECT_THAT(not_sure(loop), HasSubstr("levels deep"));

    FakeFiles many;
    many.files[kTop] = "";
    for (size_t i = 0; i <= kInterfacesMaxAuto; ++i)
        many.files[kTop] += "auto eth" + std::to_string(i) + "\n";
    EXPECT_THAT(not_sure(many), HasSubstr("more than 64 auto interfaces"));
}

UnitSet debian_units() {
    UnitSet set;
    set.units.emplace(
        "networking",
        *parse_unit("networking", "networking.toml",
                    "[service]\ntype = \"oneshot\"\nexec = [\"/sbin/ifup\", \"-a\"]\n")
             .unit);
    set.units.emplace("udev-settle",
                      *parse_unit("udev-settle", "udev-settle.toml",
                                  "[unit]\nwanted_by = [\"networking\"]\n[service]\n"
                                  "type = \"oneshot\"\nexec = [\"/bin/udevadm\", \"settle\"]\n")
                           .unit);
    return set;
}

TEST(WaitForInterfaces, NetworkingWaitsForItsInterfacesInsteadOfTheSettle) {
    UnitSet set = debian_units();
    AutoInterfaces interfaces{{"eth0", "wlan0"}, true, ""};
    EXPECT_THAT(wait_for_interfaces(set, interfaces), ElementsAre("net:eth0", "net:wlan0"));
    EXPECT_THAT(set.units.at("networking").after_devices, ElementsAre("net:eth0", "net:wlan0"));
    EXPECT_THAT(set.units.at("udev-settle").wanted_by, IsEmpty());
    // The graph agrees: nothing wants the settle any more.
    Graph graph = build_graph(set);
    auto networking = graph.index.at("networking");
    auto settle = graph.index.at("udev-settle");
    for (size_t wanted : graph.nodes[networking].wants)
        EXPECT_NE(wanted, settle);
    EXPECT_THAT(wait_for_interfaces(set, interfaces), IsEmpty()) << "each once";
}

TEST(WaitForInterfaces, NotSureOrNothingNamedLeavesTheUnitsAsWritten) {
    UnitSet set = debian_units();
    EXPECT_THAT(wait_for_interfaces(set, {{"eth0"}, false, "cannot read x"}), IsEmpty());
    EXPECT_THAT(wait_for_interfaces(set, {{}, true, ""}), IsEmpty());
    EXPECT_THAT(set.units.at("networking").after_devices, IsEmpty());
    EXPECT_THAT(set.units.at("udev-settle").wanted_by, ElementsAre("networking"));
    UnitSet none;
    EXPECT_THAT(wait_for_interfaces(none, {{"eth0"}, true, ""}), IsEmpty());
}

}  // namespace
}  // namespace fastinit
