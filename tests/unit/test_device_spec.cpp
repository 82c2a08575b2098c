// after_devices spellings: what parses, what is refused and why, the udev
// link a tag is looked for at, and how the unit parser reports a bad entry.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "initd/unit/device_spec.h"
#include "initd/unit/unit_parser.h"

namespace fastinit {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(DeviceSpec, ParsesEachSpelling) {
    auto label = parse_device_spec("LABEL=data");
    ASSERT_TRUE(label.ok());
    EXPECT_EQ(label->kind, DeviceSpec::Kind::tag);
    EXPECT_EQ(label->tag, "LABEL");
    EXPECT_EQ(label->value, "data");
    for (const char* text : {"UUID=0a1b-2c3d", "PARTUUID=1234-01", "PARTLABEL=root"})
        EXPECT_EQ(parse_device_spec(text)->kind, DeviceSpec::Kind::tag) << text;
    auto path = parse_device_spec("/dev/disk/by-id/ata-QEMU_HARDDISK");
    ASSERT_TRUE(path.ok());
    EXPECT_EQ(path->kind, DeviceSpec::Kind::path);
    EXPECT_EQ(path->value, "/dev/disk/by-id/ata-QEMU_HARDDISK");
    auto net = parse_device_spec("net:eth0");
    ASSERT_TRUE(net.ok());
    EXPECT_EQ(net->kind, DeviceSpec::Kind::net);
    EXPECT_EQ(net->value, "eth0");
}

TEST(DeviceSpec, RefusesBadSpellingsWithAReason) {
    auto expect_error = [](std::string_view text, const char* why) {
        auto spec = parse_device_spec(text);
        ASSERT_FALSE(spec.ok()) << text;
        EXPECT_THAT(spec.error().message, HasSubstr(why)) << text;
    };
    expect_error("", "empty");
    expect_error("label=data", "is not a device");
    expect_error("LABLE=data", "is not a device");
    expect_error("vdb", "is not a device");
    expect_error("LABEL=", "needs a value");
    expect_error("LABEL=" + std::string(256, 'x'), "needs a value");
    expect_error(std::string("LABEL=a\0b", 9), "NUL or control");
    expect_error("/dev/vdb\n", "NUL or control");
    expect_error("/dev/../etc/passwd", "\"..\"");
    expect_error("/dev/./vdb", "\".\"");
    expect_error("/dev/", "directory");
    expect_error("/", "directory");
    expect_error("/" + std::string(1100, 'a'), "longer than 1024");
    expect_error("net:", "1 to 15 bytes");
    expect_error("net:abcdefghijklmnop", "1 to 15 bytes");
    expect_error("net:a/b", "cannot contain");
    expect_error("net:..", "not an interface name");
}

TEST(DeviceSpec, UdevLinkEscapesAsUdevDoes) {
    EXPECT_EQ(udev_link_of(*parse_device_spec("LABEL=data")), "/dev/disk/by-label/data");
    EXPECT_EQ(udev_link_of(*parse_device_spec("LABEL=my disk/x")),
              "/dev/disk/by-label/my\\x20disk\\x2fx");
    EXPECT_EQ(udev_link_of(*parse_device_spec("UUID=0a1b-2c3d")), "/dev/disk/by-uuid/0a1b-2c3d");
    EXPECT_EQ(udev_link_of(*parse_device_spec("PARTUUID=ab-01")), "/dev/disk/by-partuuid/ab-01");
    EXPECT_EQ(udev_link_of(*parse_device_spec("PARTLABEL=EFI_sys")),
              "/dev/disk/by-partlabel/EFI_sys");
}

TEST(DeviceSpec, UnitParserReadsAfterDevicesAndDeviceTimeout) {
    auto parsed =
        parse_unit("m", "/u/m.toml",
                   "[unit]\nafter_devices = [\"LABEL=data\", \"net:lo\", \"LABEL=data\"]\n"
                   "device_timeout = \"5s\"\n");
    ASSERT_TRUE(parsed.unit) << parsed.diagnostics.at(0).to_string();
    EXPECT_THAT(parsed.unit->after_devices, ElementsAre("LABEL=data", "net:lo"));
    EXPECT_EQ(parsed.unit->device_timeout, std::chrono::seconds(5));

    auto defaults = parse_unit("d", "/u/d.toml", "[unit]\n");
    ASSERT_TRUE(defaults.unit);
    EXPECT_TRUE(defaults.unit->after_devices.empty());
    EXPECT_EQ(defaults.unit->device_timeout, std::chrono::seconds(90));
}

TEST(DeviceSpec, UnitParserNamesFileLineAndKeyOfABadDevice) {
    auto parsed = parse_unit("m", "/u/m.toml",
                             "[unit]\ndescription = \"x\"\n"
                             "after_devices = [\"/dev/vdb\", \"LABLE=data\"]\n");
    EXPECT_FALSE(parsed.unit);
    ASSERT_EQ(parsed.diagnostics.size(), 1u);
    const Diagnostic& d = parsed.diagnostics[0];
    EXPECT_EQ(d.file, "/u/m.toml");
    EXPECT_EQ(d.line, 3);
    EXPECT_EQ(d.key, "unit.after_devices");
    EXPECT_THAT(d.message, HasSubstr("\"LABLE=data\" is not a device"));

    auto typo = parse_unit("m", "/u/m.toml", "[unit]\nafter_device = [\"/dev/vdb\"]\n");
    ASSERT_EQ(typo.diagnostics.size(), 1u);
    EXPECT_THAT(typo.diagnostics[0].message, HasSubstr("did you mean \"after_devices\""));

    std::string many = "[unit]\nafter_devices = [";
    for (int i = 0; i < 65; ++i)
        many += "\"/dev/d" + std::to_string(i) + "\",";
    many += "]\n";
    auto too_many = parse_unit("m", "/u/m.toml", many);
    ASSERT_EQ(too_many.diagnostics.size(), 1u);
    EXPECT_THAT(too_many.diagnostics[0].message, HasSubstr("at most 64"));

    auto not_list = parse_unit("m", "/u/m.toml", "[unit]\nafter_devices = 3\n");
    ASSERT_EQ(not_list.diagnostics.size(), 1u);
    EXPECT_THAT(not_list.diagnostics[0].message, HasSubstr("list of strings"));
}

}  // namespace
}  // namespace fastinit
