// Root writing files where others might lurk: the atomic write refuses
// directories others can change and never follows a planted symlink; the
// runtime directory is created ours or refused.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/atomic_file.h"
#include "base/text.h"
#include "initd/run/runtime_dir.h"
#include "tests/unit/temp_tree.h"

namespace fastinit {
namespace {

constexpr uid_t kNobody = 65534;

std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

mode_t mode_of(const std::filesystem::path& p) {
    struct stat st {};
    EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
    return st.st_mode & 07777;
}

TEST(AtomicFile, WritesAndReplacesWithTheModeAsked) {
    TempTree t;
    auto path = t.path("boot.json").string();
    ASSERT_TRUE(write_file_atomically(path, "one", 0600).ok());
    ASSERT_TRUE(write_file_atomically(path, "two", 0644).ok());
    EXPECT_EQ(slurp(path), "two");
    EXPECT_EQ(mode_of(path), 0644u);
    // Nothing left behind under a temporary name.
    size_t entries = 0;
    for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(t.root()))
        ++entries;
    EXPECT_EQ(entries, 1u);
}

TEST(AtomicFile, APlantedSymlinkIsReplacedNeverFollowed) {
    TempTree t;
    auto victim = t.write("victim", "precious");
    // The old temporary name and the file itself both point at the victim.
    t.link("dir/boot.json.tmp", victim.string());
    t.link("dir/boot.json", victim.string());
    ::chmod(t.path("dir").c_str(), 0755);
    ASSERT_TRUE(write_file_atomically(t.path("dir/boot.json").string(), "new").ok());
    EXPECT_EQ(slurp(victim), "precious");
    EXPECT_FALSE(std::filesystem::is_symlink(t.path("dir/boot.json")));
    EXPECT_EQ(slurp(t.path("dir/boot.json")), "new");
}

TEST(AtomicFile, RefusesADirectoryOfAnotherUser) {
    if (::geteuid() != 0)
        GTEST_SKIP() << "needs root to give a directory away";
    TempTree t;
    auto victim = t.write("victim", "precious");
    t.link("theirs/boot.json.tmp", victim.string());
    ASSERT_EQ(::chown(t.path("theirs").c_str(), kNobody, kNobody), 0);
    auto written = write_file_atomically(t.path("theirs/boot.json").string(), "new");
    ASSERT_FALSE(written.ok());
    EXPECT_NE(written.error().message.find("belongs to uid 65534"), std::string::npos)
        << written.error().message;
    EXPECT_EQ(slurp(victim), "precious");
    EXPECT_FALSE(std::filesystem::exists(t.path("theirs/boot.json")));
}

TEST(AtomicFile, RefusesAGroupOrWorldWritableDirectory) {
    TempTree t;
    for (mode_t mode : {0775, 0757, 01777}) {
        std::filesystem::create_directories(t.path("open"));
        ASSERT_EQ(::chmod(t.path("open").c_str(), mode), 0);
        auto written = write_file_atomically(t.path("open/f").string(), "x");
        ASSERT_FALSE(written.ok()) << std::oct << mode;
        EXPECT_NE(written.error().message.find("lets others write"), std::string::npos)
            << written.error().message;
    }
}

TEST(AtomicFile, RefusesNamesThatAreNotOneComponent) {
    TempTree t;
    auto dir = open_private_directory(t.root().string());
    ASSERT_TRUE(dir.ok()) << dir.error().message;
    for (const char* name : {"", ".", "..", "a/b", "../escape"})
        EXPECT_FALSE(write_file_atomically_at(dir->get(), name, "x", 0600, name).ok()) << name;
}

TEST(RuntimeDir, CreatedOursWithMode0755) {
    TempTree t;
    ::umask(077);
    auto made = prepare_runtime_dir(t.path("run").string());
    ::umask(022);
    ASSERT_TRUE(made.ok()) << made.error().message;
    EXPECT_EQ(mode_of(t.path("run")), 0755u);
    EXPECT_TRUE(prepare_runtime_dir(t.path("run").string()).ok()) << "an existing one of ours";
}

TEST(RuntimeDir, RefusesASymlinkAndAForeignOrOpenDirectory) {
    TempTree t;
    std::filesystem::create_directories(t.path("real"));
    t.link("link", t.path("real").string());
    auto linked = prepare_runtime_dir(t.path("link").string());
    ASSERT_FALSE(linked.ok());
    EXPECT_NE(linked.error().message.find("symlink"), std::string::npos) << linked.error().message;

    std::filesystem::create_directories(t.path("open"));
    ::chmod(t.path("open").c_str(), 01777);
    EXPECT_FALSE(prepare_runtime_dir(t.path("open").string()).ok());

    if (::geteuid() == 0) {
        std::filesystem::create_directories(t.path("theirs"));
        ASSERT_EQ(::chown(t.path("theirs").c_str(), kNobody, kNobody), 0);
        auto theirs = prepare_runtime_dir(t.path("theirs").string());
        ASSERT_FALSE(theirs.ok());
        EXPECT_NE(theirs.error().message.find("runtime directory"), std::string::npos);
    }
}

TEST(RuntimeDir, APrivateOneIsFreshAndOurs) {
    auto a = make_private_runtime_dir();
    auto b = make_private_runtime_dir();
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_NE(*a, *b);
    EXPECT_EQ(mode_of(*a), 0755u);
    EXPECT_TRUE(prepare_runtime_dir(*a).ok());
    std::filesystem::remove(*a);
    std::filesystem::remove(*b);
}

}  // namespace
}  // namespace fastinit
