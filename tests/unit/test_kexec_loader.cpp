// kexec/: the combined initrd in a real memfd, and SyscallKexecLoader with the
// system call replaced (no test ever loads a kernel into the host).
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <linux/kexec.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "base/text.h"
#include "base/unique_fd.h"
#include "kexec/initrd_image.h"
#include "kexec/loader.h"
#include "tests/unit/temp_tree.h"

namespace fastinit {
namespace {

using ::testing::HasSubstr;
using namespace std::string_literals;

UniqueFd open_read(const std::filesystem::path& path) {
    return UniqueFd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
}

std::string contents(int fd) {
    std::string data;
    char buffer[4096];
    off_t offset = 0;
    for (;;) {
        ssize_t n = ::pread(fd, buffer, sizeof buffer, offset);
        if (n <= 0)
            return data;
        data.append(buffer, static_cast<size_t>(n));
        offset += n;
    }
}

// ---- concatenate_initrd --------------------------------------------------------

TEST(ConcatenateInitrd, InitrdThenExtraInOrder) {
    TempTree tree;
    std::string initrd = "07070100000000" + std::string(4096 - 14, 'i');  // 4-byte aligned
    auto fd = open_read(tree.write("initrd.img", initrd));
    ASSERT_TRUE(fd);
    ::lseek(fd.get(), 100, SEEK_SET);  // the position must not matter
    auto combined = concatenate_initrd({fd.get()}, "EXTRA-CPIO");
    ASSERT_TRUE(combined) << combined.error().message;
    EXPECT_EQ(contents(combined->get()), initrd + "EXTRA-CPIO");
}

TEST(ConcatenateInitrd, PiecesStartOnFourByteBoundaries) {
    TempTree tree;
    auto a = open_read(tree.write("a", "12345"));  // 5 bytes: 3 NULs follow
    auto b = open_read(tree.write("b", "abcdefgh"));
    auto combined = concatenate_initrd({a.get(), b.get()}, "xyz");
    ASSERT_TRUE(combined) << combined.error().message;
    EXPECT_EQ(contents(combined->get()), "12345\0\0\0abcdefghxyz"s);

    auto only_extra = concatenate_initrd({}, "xyz");
    ASSERT_TRUE(only_extra);
    EXPECT_EQ(contents(only_extra->get()), "xyz");

    auto empty_piece = open_read(tree.write("empty", ""));
    auto after_empty = concatenate_initrd({empty_piece.get(), a.get()}, "");
    ASSERT_TRUE(after_empty);
    EXPECT_EQ(contents(after_empty->get()), "12345");
}

TEST(ConcatenateInitrd, TheResultIsAReadOnlyCloseOnExecRegularFile) {
    auto combined = concatenate_initrd({}, "data");
    ASSERT_TRUE(combined);
    int fd = combined->get();
    EXPECT_EQ(::fcntl(fd, F_GETFL) & O_ACCMODE, O_RDONLY);
    EXPECT_TRUE(::fcntl(fd, F_GETFD) & FD_CLOEXEC);
    struct stat st;
    ASSERT_EQ(::fstat(fd, &st), 0);
    EXPECT_TRUE(S_ISREG(st.st_mode));
    EXPECT_EQ(st.st_size, 4);
    EXPECT_LT(::write(fd, "x", 1), 0);
}

TEST(ConcatenateInitrd, AnUnreadablePieceIsAnError) {
    int pipe_fds[2];
    ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
    UniqueFd read_end(pipe_fds[0]), write_end(pipe_fds[1]);
    auto combined = concatenate_initrd({write_end.get()}, "");  // pread on a pipe: ESPIPE
    ASSERT_FALSE(combined);
    EXPECT_THAT(combined.error().message, HasSubstr("cannot read an initrd"));
}

// ---- SyscallKexecLoader with a replaced system call -------------------------------

struct Call {
    int kernel_fd = -2, initrd_fd = -2;
    unsigned long cmdline_len = 0, flags = 0;
    std::string cmdline;
    bool nul_terminated = false;
    std::string initrd_bytes;
};

class LoaderTest : public ::testing::Test {
  protected:
    LoaderTest() : state(tree.write("kexec_loaded", "0\n")) {}

    // A system call that records its arguments, then fails with `error` or
    // sets the state file to what the kernel would report.
    KexecFileLoadCall call(int error = 0, const char* state_after = nullptr) {
        return [this, error, state_after](int kernel_fd, int initrd_fd, unsigned long len,
                                          const char* cmdline, unsigned long flags) -> long {
            Call c;
            c.kernel_fd = kernel_fd;
            c.initrd_fd = initrd_fd;
            c.cmdline_len = len;
            c.flags = flags;
            if (cmdline && len > 0) {
                c.cmdline.assign(cmdline, len - 1);
                c.nul_terminated = cmdline[len - 1] == '\0';
            }
            if (initrd_fd >= 0)
                c.initrd_bytes = contents(initrd_fd);
            calls.push_back(c);
            if (error) {
                errno = error;
                return -1;
            }
            tree.write("kexec_loaded", state_after                   ? state_after
                                       : (flags & KEXEC_FILE_UNLOAD) ? "0\n"
                                                                     : "1\n");
            return 0;
        };
    }

    TempTree tree;
    std::filesystem::path state;
    std::vector<Call> calls;
};

TEST_F(LoaderTest, LoadsWithACommandLineLengthCountingTheNul) {
    SyscallKexecLoader loader(state, call());
    auto kernel = open_read(tree.write("vmlinuz", "kernel"));
    auto initrd = open_read(tree.write("initrd.img", "initrd"));
    auto loaded = loader.load(kernel.get(), initrd.get(), "root=/dev/vda1 foo=\"a b\"", "");
    ASSERT_TRUE(loaded) << loaded.error().message;
    ASSERT_EQ(calls.size(), 1u);
    EXPECT_EQ(calls[0].kernel_fd, kernel.get());
    EXPECT_EQ(calls[0].initrd_fd, initrd.get());
    EXPECT_EQ(calls[0].flags, 0u);
    EXPECT_EQ(calls[0].cmdline, "root=/dev/vda1 foo=\"a b\"");
    EXPECT_EQ(calls[0].cmdline_len, calls[0].cmdline.size() + 1);
    EXPECT_TRUE(calls[0].nul_terminated);
    auto is_loaded = loader.is_loaded();
    ASSERT_TRUE(is_loaded);
    EXPECT_TRUE(*is_loaded);
}

TEST_F(LoaderTest, NoInitrdMeansNoInitramfsFlag) {
    SyscallKexecLoader loader(state, call());
    auto kernel = open_read(tree.write("vmlinuz", "kernel"));
    ASSERT_TRUE(loader.load(kernel.get(), -1, "", ""));
    ASSERT_EQ(calls.size(), 1u);
    EXPECT_EQ(calls[0].flags, static_cast<unsigned long>(KEXEC_FILE_NO_INITRAMFS));
    EXPECT_EQ(calls[0].cmdline_len, 1u);
    EXPECT_TRUE(calls[0].nul_terminated);
}

TEST_F(LoaderTest, TheCrashSlotAsksForItOnLoadAndUnload) {
    SyscallKexecLoader loader(state, call(), KexecSlot::crash);
    auto kernel = open_read(tree.write("vmlinuz", "kernel"));
    auto initrd = open_read(tree.write("initrd.img", "initrd"));
    ASSERT_TRUE(loader.load(kernel.get(), initrd.get(), "irqpoll", ""));
    ASSERT_TRUE(loader.load(kernel.get(), -1, "irqpoll", ""));
    ASSERT_EQ(calls.size(), 2u);
    EXPECT_EQ(calls[0].flags, static_cast<unsigned long>(KEXEC_FILE_ON_CRASH));
    EXPECT_EQ(calls[1].flags,
              static_cast<unsigned long>(KEXEC_FILE_ON_CRASH | KEXEC_FILE_NO_INITRAMFS));
    ASSERT_TRUE(loader.unload());
    ASSERT_EQ(calls.size(), 3u);
    EXPECT_EQ(calls[2].flags, static_cast<unsigned long>(KEXEC_FILE_ON_CRASH | KEXEC_FILE_UNLOAD));

    SyscallKexecLoader recording(state, recording_kexec_file_load(state), KexecSlot::crash);
    ASSERT_TRUE(recording.load(kernel.get(), -1, "irqpoll", ""));
    EXPECT_THAT(*read_file(state.string() + ".image"), HasSubstr("slot=crash\n"));
}

TEST_F(LoaderTest, ExtraInitrdBytesArePassedAsOneCombinedInitrd) {
    SyscallKexecLoader loader(state, call());
    auto kernel = open_read(tree.write("vmlinuz", "kernel"));
    auto initrd = open_read(tree.write("initrd.img", "initrd!!"));
    ASSERT_TRUE(loader.load(kernel.get(), initrd.get(), "x", "snapshot"));
    ASSERT_EQ(calls.size(), 1u);
    EXPECT_NE(calls[0].initrd_fd, initrd.get());
    EXPECT_EQ(calls[0].flags, 0u);
    EXPECT_EQ(calls[0].initrd_bytes, "initrd!!snapshot");

    // Extra bytes alone make an initrd too.
    ASSERT_TRUE(loader.load(kernel.get(), -1, "x", "snapshot"));
    ASSERT_EQ(calls.size(), 2u);
    EXPECT_EQ(calls[1].flags, 0u);
    EXPECT_EQ(calls[1].initrd_bytes, "snapshot");
}

TEST_F(LoaderTest, AFailedLoadSaysWhyAndKeepsTheErrno) {
    SyscallKexecLoader loader(state, call(ENOEXEC));
    auto kernel = open_read(tree.write("vmlinuz", "not a kernel"));
    auto loaded = loader.load(kernel.get(), -1, "", "");
    ASSERT_FALSE(loaded);
    EXPECT_EQ(loaded.error().errno_value, ENOEXEC);
    EXPECT_EQ(loaded.error().message, decode_kexec_errno(ENOEXEC));
}

TEST_F(LoaderTest, ALoadTheKernelDoesNotReportIsAnError) {
    SyscallKexecLoader quiet(state, call(0, "0\n"));
    auto kernel = open_read(tree.write("vmlinuz", "kernel"));
    auto loaded = quiet.load(kernel.get(), -1, "", "");
    ASSERT_FALSE(loaded);
    EXPECT_THAT(loaded.error().message, HasSubstr("reads 0"));

    SyscallKexecLoader unverifiable(tree.path("no-such-file"), call());
    auto unchecked = unverifiable.load(kernel.get(), -1, "", "");
    ASSERT_FALSE(unchecked);
    EXPECT_THAT(unchecked.error().message, HasSubstr("cannot be checked"));

    SyscallKexecLoader garbage(state, call(0, "x\n"));
    ASSERT_FALSE(garbage.load(kernel.get(), -1, "", ""));
}

TEST_F(LoaderTest, ANulInTheCommandLineIsRefusedBeforeTheCall) {
    SyscallKexecLoader loader(state, call());
    auto kernel = open_read(tree.write("vmlinuz", "kernel"));
    auto loaded = loader.load(kernel.get(), -1, "a\0b"s, "");
    ASSERT_FALSE(loaded);
    EXPECT_EQ(loaded.error().errno_value, EINVAL);
    EXPECT_TRUE(calls.empty());
}

TEST_F(LoaderTest, UnloadUsesTheUnloadFlag) {
    tree.write("kexec_loaded", "1\n");
    SyscallKexecLoader loader(state, call());
    ASSERT_TRUE(loader.unload());
    ASSERT_EQ(calls.size(), 1u);
    EXPECT_EQ(calls[0].flags, static_cast<unsigned long>(KEXEC_FILE_UNLOAD));
    EXPECT_EQ(calls[0].kernel_fd, -1);
    EXPECT_EQ(calls[0].initrd_fd, -1);
    EXPECT_EQ(calls[0].cmdline_len, 0u);
    auto is_loaded = loader.is_loaded();
    ASSERT_TRUE(is_loaded);
    EXPECT_FALSE(*is_loaded);

    SyscallKexecLoader refused(state, call(EBUSY));
    auto unloaded = refused.unload();
    ASSERT_FALSE(unloaded);
    EXPECT_EQ(unloaded.error().errno_value, EBUSY);
    EXPECT_THAT(unloaded.error().message, HasSubstr("in progress"));
}

TEST_F(LoaderTest, TheRecordingCallWritesTheStateAndTheImage) {
    SyscallKexecLoader loader(state, recording_kexec_file_load(state));
    auto kernel = open_read(tree.write("vmlinuz", "kernel"));
    auto initrd = open_read(tree.write("initrd.img", "1234"));
    ASSERT_TRUE(loader.load(kernel.get(), initrd.get(), "root=/dev/vda1", "5678"));
    EXPECT_EQ(*read_file(state), "1\n");
    EXPECT_EQ(*read_file(state.string() + ".image"),
              "kernel_bytes=6\ninitrd_bytes=8\ncmdline=root=/dev/vda1\nslot=reboot\n");
    ASSERT_TRUE(loader.load(kernel.get(), -1, "", ""));
    EXPECT_EQ(*read_file(state.string() + ".image"),
              "kernel_bytes=6\ninitrd_bytes=-1\ncmdline=\nslot=reboot\n");
    ASSERT_TRUE(loader.unload());
    EXPECT_EQ(*read_file(state), "0\n");
}

}  // namespace
}  // namespace fastinit
