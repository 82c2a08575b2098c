// Stage 1: reading root= and friends from the kernel command line, and
// recognising the root's filesystem on a real ext4 image (libblkid reads
// regular files as it reads devices).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "initd/stage1/root_mount.h"
#include "initd/stage1/root_spec.h"
#include "initd/stage1/switch_root.h"
#include "tests/unit/temp_tree.h"

namespace fastinit {
namespace {

using ::testing::HasSubstr;

RootSpec spec_of(const std::string& cmdline) {
    auto spec = root_spec_from_cmdline(KernelCmdline::parse(cmdline));
    EXPECT_TRUE(spec.ok()) << cmdline << ": " << spec.error().message;
    return spec ? *spec : RootSpec{};
}

TEST(RootSpec, TakesRootFstypeFlagsAndTheLastOfRoRw) {
    RootSpec spec = spec_of(
        "quiet root=LABEL=fastinit-root rootfstype=ext4 "
        "rootflags=data=journal ro rw");
    EXPECT_EQ(spec.source, "LABEL=fastinit-root");
    EXPECT_EQ(spec.fstype, "ext4");
    EXPECT_EQ(spec.options, "data=journal");
    EXPECT_FALSE(spec.read_only);
    EXPECT_TRUE(spec_of("root=/dev/vda rw ro").read_only);
    EXPECT_TRUE(spec_of("root=/dev/vda").read_only) << "the kernel's default";
}

TEST(RootSpec, WaitsThirtySecondsUnlessToldOtherwise) {
    EXPECT_EQ(spec_of("root=/dev/vda").timeout, std::chrono::seconds(30));
    EXPECT_FALSE(spec_of("root=/dev/vda rootwait").timeout.has_value());
    EXPECT_EQ(spec_of("root=/dev/vda fastinit.root_timeout=2s").timeout, std::chrono::seconds(2));
}

TEST(RootSpec, EveryTagKind) {
    for (const char* source : {"UUID=0a1b", "LABEL=root", "PARTUUID=1234-01", "PARTLABEL=sys"})
        EXPECT_EQ(spec_of(std::string("root=") + source).source, source);
}

TEST(RootSpec, BadInputIsAClearError) {
    auto missing = root_spec_from_cmdline(KernelCmdline::parse("quiet"));
    ASSERT_FALSE(missing.ok());
    EXPECT_THAT(missing.error().message, HasSubstr("no root="));
    auto odd = root_spec_from_cmdline(KernelCmdline::parse("root=vda1"));
    ASSERT_FALSE(odd.ok());
    EXPECT_THAT(odd.error().message, HasSubstr("root=vda1 is not understood"));
    EXPECT_FALSE(root_spec_from_cmdline(KernelCmdline::parse("root=LABEL=")).ok());
    auto timeout =
        root_spec_from_cmdline(KernelCmdline::parse("root=/dev/vda "
                                                    "fastinit.root_timeout=soon"));
    ASSERT_FALSE(timeout.ok());
    EXPECT_THAT(timeout.error().message, HasSubstr("fastinit.root_timeout"));
}

// A 2 MiB ext4 image with a known label and UUID (mkfs.ext4 from e2fsprogs,
// which scripts/install-deps installs).
class Ext4Image : public ::testing::Test {
  protected:
    void SetUp() override {
        image = tree.path("root.img").string();
        std::string command = "mkfs.ext4 -q -F -L fastinit-root -U " + std::string(kUuid) + " " +
                              image + " 2M >/dev/null 2>&1";
        ASSERT_EQ(std::system(command.c_str()), 0) << "mkfs.ext4 failed: " << command;
    }

    static constexpr const char* kUuid = "8c1f0e52-3b7a-4d6e-9a01-5f2c4b7d9e13";
    TempTree tree;
    std::string image;
};

TEST_F(Ext4Image, RecognisesItsTypeLabelAndUuid) {
    EXPECT_EQ(detect_fstype(image), "ext4");
    EXPECT_TRUE(filesystem_has_tag(image, "ext4", "LABEL", "fastinit-root"));
    EXPECT_TRUE(filesystem_has_tag(image, "ext4", "UUID", kUuid));
}

TEST_F(Ext4Image, AnotherLabelTypeOrFileDoesNotMatch) {
    EXPECT_FALSE(filesystem_has_tag(image, "ext4", "LABEL", "other-root"));
    EXPECT_FALSE(filesystem_has_tag(image, "xfs", "LABEL", "fastinit-root"))
        << "only the hinted type is looked for";
    EXPECT_FALSE(
        filesystem_has_tag(tree.path("missing.img").string(), "ext4", "LABEL", "fastinit-root"));
    EXPECT_EQ(detect_fstype(tree.write("zeros.img", std::string(65536, '\0')).string()), "");
}

TEST(FindRootDevice, AHintThatIsNotABlockDeviceIsIgnored) {
    RootSpec spec = spec_of("root=LABEL=no-such-label-anywhere-3f9c");
    RootDevice found = find_root_device(spec, {"/dev/null", "ext4"});
    EXPECT_EQ(found.node, "");
}

TEST(FindRootDevice, ADevPathMustBeABlockDevice) {
    EXPECT_EQ(find_root_device(spec_of("root=/dev/null")).node, "");
    EXPECT_EQ(find_root_device(spec_of("root=/dev/no-such-disk")).node, "");
}

// ---- the next init, looked up inside the new root ---------------------------

// A root as stage 1 sees it before switch_root: mounted at a directory, with
// links that are absolute in the root's own terms, next to files of the
// initramfs that must never be taken for the root's.
class NewRoot : public ::testing::Test {
  protected:
    NewRoot() {
        auto executable = [&](const std::string& relative) {
            std::filesystem::permissions(tree.write(relative, "#!/bin/sh\n"),
                                         std::filesystem::perms::owner_all);
        };
        executable("root/usr/sbin/fastinit");
        executable("root/lib/systemd/systemd");
        executable("decoy");  // outside the root: the initramfs's
        tree.write("root/etc/not-executable", "");
        tree.link("root/sbin/init", "/lib/systemd/systemd");  // absolute, as on Debian
        tree.link("root/sbin/fastinit", "../usr/sbin/fastinit");
        tree.link("root/sbin/chain", "/sbin/fastinit");
        tree.link("root/sbin/dangling", "/nowhere");
        tree.link("root/sbin/deep", "../../../../../lib/systemd/systemd");
        tree.link("root/sbin/escape", "../../decoy");
        tree.link("root/altsbin", "/usr/sbin");  // an absolute directory link
        root = tree.path("root").string();
    }
    std::string path_of(const std::string& path) {
        auto found = look_up_in(root, path);
        return found ? found->path : "(none)";
    }
    TempTree tree;
    std::string root;
};

TEST_F(NewRoot, LinksResolveInsideTheRoot) {
    EXPECT_EQ(path_of("/sbin/init"), "/lib/systemd/systemd");
    EXPECT_EQ(path_of("/sbin/fastinit"), "/usr/sbin/fastinit");
    EXPECT_EQ(path_of("/sbin/chain"), "/usr/sbin/fastinit");
    EXPECT_EQ(path_of("/altsbin/fastinit"), "/usr/sbin/fastinit");
    EXPECT_EQ(path_of("/sbin/deep"), "/lib/systemd/systemd") << ".. stops at the root";
    EXPECT_EQ(path_of("/usr/sbin/fastinit"), "/usr/sbin/fastinit");
    EXPECT_EQ(path_of("/sbin/dangling"), "(none)");
    EXPECT_EQ(path_of("/sbin/escape"), "(none)") << "the initramfs's file is not the root's";
}

TEST_F(NewRoot, TheFirstExecutableCandidateIsTheNextInit) {
    EXPECT_EQ(first_executable_in(root, {"/sbin/dangling", "/etc/not-executable", "/sbin/init"}),
              "/sbin/init")
        << "a link into the root counts even though the initramfs has no such file";
    EXPECT_EQ(first_executable_in(root, {"/missing", "/sbin", "/sbin/escape"}), "")
        << "neither a directory nor a file outside the root is an init";
    ASSERT_TRUE(look_up_in(root, "/sbin/init").has_value());
    EXPECT_TRUE(look_up_in(root, "/sbin/init")->executable);
    EXPECT_FALSE(look_up_in(root, "/etc/not-executable")->executable);
}

}  // namespace
}  // namespace fastinit
