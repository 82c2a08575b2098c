// The in-memory cpio writer, checked against the real cpio(1) reader.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "base/text.h"
#include "kexec/cpio_archive.h"
#include "tests/unit/temp_tree.h"

namespace fastinit {
namespace {

TEST(CpioArchive, HeaderFieldsAndAlignment) {
    std::string archive = make_cpio_archive({{"a", "xyz", 0600, false}});
    ASSERT_EQ(archive.substr(0, 6), "070701");
    // mode field (2nd) holds S_IFREG|0600 = 0x8180; filesize (7th) is 3.
    EXPECT_EQ(archive.substr(14, 8), "00008180");
    EXPECT_EQ(archive.substr(54, 8), "00000003");
    EXPECT_EQ(archive.size() % 4, 0u);
    EXPECT_NE(archive.find("TRAILER!!!"), std::string::npos);
}

TEST(CpioArchive, RealCpioExtractsTheFileWithItsDirectories) {
    TempTree tree;
    std::string dir = tree.root().string();
    std::string payload(10001, 'q');
    payload[0] = '\0';  // binary content survives
    {
        std::ofstream out(dir + "/a.cpio", std::ios::binary);
        out << cpio_with_file("var/lib/fastinit/devices.db", payload);
    }
    std::string command = "cd " + dir + " && cpio -id --quiet < a.cpio";
    ASSERT_EQ(std::system(command.c_str()), 0);
    auto extracted = read_file(dir + "/var/lib/fastinit/devices.db");
    ASSERT_TRUE(extracted.ok()) << extracted.error().message;
    EXPECT_EQ(*extracted, payload);
}

}  // namespace
}  // namespace fastinit
