// The notify socket against real datagrams, and FdCloser against real files:
// what anyone on the machine can send must neither be cut and misread nor
// leave PID 1 holding, or blocking on, a file.
#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "initd/run/fd_closer.h"
#include "initd/run/notify_socket.h"
#include "tests/unit/temp_tree.h"

namespace fastinit {
namespace {

using ::testing::HasSubstr;

class NotifySocketTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto socket = NotifySocket::bind(tree.path("notify").string());
        ASSERT_TRUE(socket.ok()) << socket.error().message;
        notify.emplace(std::move(*socket));
        sender.reset(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
        ASSERT_TRUE(sender);
    }

    // Sends `text` with `fds` attached (SCM_RIGHTS); true when sent.
    bool send(const std::string& text, const std::vector<int>& fds = {}) {
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::string path = notify->path();
        std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
        iovec iov{const_cast<char*>(text.data()), text.size()};
        msghdr header{};
        header.msg_name = &address;
        header.msg_namelen = sizeof address;
        header.msg_iov = &iov;
        header.msg_iovlen = 1;
        std::vector<char> control(CMSG_SPACE(sizeof(int) * fds.size()));
        if (!fds.empty()) {
            header.msg_control = control.data();
            header.msg_controllen = control.size();
            cmsghdr* c = CMSG_FIRSTHDR(&header);
            c->cmsg_level = SOL_SOCKET;
            c->cmsg_type = SCM_RIGHTS;
            c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
            std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
        }
        return ::sendmsg(sender.get(), &header, 0) == static_cast<ssize_t>(text.size());
    }

    TempTree tree;
    std::optional<NotifySocket> notify;
    UniqueFd sender;
};

// Waits (up to 5 s) for the child that closed the fds; true when it exited
// normally in that time.
bool reap(pid_t pid) {
    for (int i = 0; pid > 0 && i < 500; ++i) {
        int status = 0;
        pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return WIFEXITED(status) && WEXITSTATUS(status) == 0;
        if (r < 0)
            return false;
        ::usleep(10000);
    }
    return false;
}

bool is_open(int fd) {
    return ::fcntl(fd, F_GETFD) >= 0;
}

// True when the pipe's read end sees end-of-file within a second: every
// copy of its write end is closed.
bool sees_eof(int read_end) {
    pollfd p{read_end, POLLIN, 0};
    char c;
    return ::poll(&p, 1, 1000) == 1 && ::read(read_end, &c, 1) == 0;
}

TEST_F(NotifySocketTest, ReceivesTextCredentialsAndFdsAndClosesTheFdsInAChild) {
    int pipe_fds[2];
    ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
    UniqueFd read_end(pipe_fds[0]), write_end(pipe_fds[1]);
    ASSERT_TRUE(send("BARRIER=1", {write_end.get()}));
    write_end.reset();

    auto datagram = notify->receive();
    ASSERT_TRUE(datagram);
    EXPECT_EQ(datagram->text, "BARRIER=1");
    EXPECT_EQ(datagram->problem, "");
    EXPECT_EQ(datagram->pid, ::getpid());
    EXPECT_EQ(datagram->uid, ::getuid());
    ASSERT_EQ(datagram->fds.size(), 1u);
    int received = datagram->fds[0].get();
    EXPECT_TRUE(::fcntl(received, F_GETFD) & FD_CLOEXEC);

    pid_t child = notify->dispose(std::move(datagram->fds));
    EXPECT_GT(child, 0) << "closed in a child";
    EXPECT_TRUE(reap(child));
    EXPECT_FALSE(is_open(received)) << "the child shares our fd table";
    EXPECT_TRUE(sees_eof(read_end.get())) << "the BARRIER=1 sender is released";
    EXPECT_FALSE(notify->receive()) << "nothing else waiting";
}

TEST_F(NotifySocketTest, AnOverlongDatagramIsRejectedNotCut) {
    std::string longest(NotifySocket::kMaxDatagram, 'x');
    longest.replace(0, 8, "READY=1\n");
    ASSERT_TRUE(send(longest));
    auto whole = notify->receive();
    ASSERT_TRUE(whole);
    EXPECT_EQ(whole->problem, "");
    EXPECT_EQ(whole->text, longest);

    // Cut at 4096 bytes, this would read as READY=1 and a MAINPID= that the
    // sender never wrote.
    std::string overlong =
        "READY=1\nSTATUS=" + std::string(4096 - 15 - 9, 'x') + "\nMAINPID=1234567";
    ASSERT_TRUE(send(overlong));
    auto cut = notify->receive();
    ASSERT_TRUE(cut);
    EXPECT_THAT(cut->problem, HasSubstr("longer than 4096 bytes"));
    EXPECT_EQ(cut->text, "");
}

TEST_F(NotifySocketTest, EveryFdOfAFullDatagramArrivesAndIsClosed) {
    int pipe_fds[2];
    ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
    UniqueFd read_end(pipe_fds[0]), write_end(pipe_fds[1]);
    // SCM_MAX_FD: the kernel would drop what does not fit our buffer, and
    // run those files' last close inside our recvmsg.
    std::vector<UniqueFd> copies;
    std::vector<int> fds;
    for (int i = 0; i < 253; ++i) {
        copies.emplace_back(::fcntl(write_end.get(), F_DUPFD_CLOEXEC, 0));
        ASSERT_TRUE(copies.back());
        fds.push_back(copies.back().get());
    }
    ASSERT_TRUE(send("BARRIER=1", fds));
    copies.clear();
    write_end.reset();

    auto datagram = notify->receive();
    ASSERT_TRUE(datagram);
    EXPECT_EQ(datagram->problem, "");
    ASSERT_EQ(datagram->fds.size(), 253u);
    EXPECT_TRUE(reap(notify->dispose(std::move(datagram->fds))));
    EXPECT_TRUE(sees_eof(read_end.get()));
}

// A TCP socket whose peer never reads, with unsent data and SO_LINGER of an
// hour: a plain close() of it would wait for that hour.
UniqueFd lingering_socket(UniqueFd& listener) {
    listener.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    int small = 4096;  // both ends' buffers, so they fill at once
    ::setsockopt(listener.get(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) < 0 ||
        ::listen(listener.get(), 1) < 0 ||
        ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&address), &length) < 0)
        return UniqueFd();
    UniqueFd client(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    ::setsockopt(client.get(), SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    if (::connect(client.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) < 0)
        return UniqueFd();
    // Until the peer's window is shut: sends keep failing for a while.
    std::string chunk(65536, 'x');
    for (int refused = 0; refused < 5;) {
        if (::send(client.get(), chunk.data(), chunk.size(), MSG_DONTWAIT) > 0) {
            refused = 0;
        } else {
            ++refused;
            ::usleep(20000);
        }
    }
    linger hour{1, 3600};
    ::setsockopt(client.get(), SOL_SOCKET, SO_LINGER, &hour, sizeof hour);
    return client;
}

int unsent_bytes(int fd) {
    int n = -1;
    return ::ioctl(fd, SIOCOUTQ, &n) == 0 ? n : -1;
}

TEST(FdCloser, ALingeringSocketBlocksNeitherTheCallerNorTheChild) {
    UniqueFd listener;
    UniqueFd socket = lingering_socket(listener);
    ASSERT_TRUE(socket);
    ASSERT_GT(unsent_bytes(socket.get()), 0) << "its close would linger";
    int number = socket.get();

    FdCloser closer;
    auto begin = std::chrono::steady_clock::now();
    std::vector<UniqueFd> fds;
    fds.push_back(std::move(socket));
    pid_t child = closer.close(std::move(fds));
    EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(1));
    ASSERT_GT(child, 0);
    // Linger was disarmed first, so the child does not wait for the hour.
    EXPECT_TRUE(reap(child));
    EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(5));
    EXPECT_FALSE(is_open(number));
    EXPECT_EQ(closer.busy(), 0u);
}

TEST(FdCloser, ReusesItsSlotsAndClosesEveryBatch) {
    FdCloser closer;
    for (int round = 0; round < 3; ++round) {
        int pipe_fds[2];
        ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
        UniqueFd read_end(pipe_fds[0]);
        std::vector<UniqueFd> fds;
        fds.emplace_back(pipe_fds[1]);
        for (int i = 0; i < 300; ++i)  // more than one batch
            fds.emplace_back(::fcntl(pipe_fds[1], F_DUPFD_CLOEXEC, 0));
        // Two children (253 + 48 fds); the pid of the last one comes back.
        pid_t last = closer.close(std::move(fds));
        ASSERT_GT(last, 0);
        EXPECT_TRUE(sees_eof(read_end.get()));
        while (::waitpid(-1, nullptr, 0) > 0) {
        }
        EXPECT_EQ(closer.busy(), 0u);
    }
}

}  // namespace
}  // namespace fastinit
