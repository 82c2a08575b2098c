#include "initd/run/notify_socket.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <string>

namespace fastinit {

Result<NotifySocket> NotifySocket::bind(const std::string& path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.size() >= sizeof address.sun_path)
        return Error{"notify socket path too long: " + path};
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);

    NotifySocket socket;
    socket.m_path = path;
    socket.m_fd.reset(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!socket.m_fd)
        return system_error("cannot create the notify socket");
    ::unlink(path.c_str());
    if (::bind(socket.m_fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) < 0)
        return system_error("cannot bind the notify socket " + path);
    // Services running as other users must be able to send to it; senders
    // are identified by SCM_CREDENTIALS, not by who can open the socket.
    if (::chmod(path.c_str(), 0666) < 0)
        return system_error("cannot make the notify socket " + path + " writable");
    int one = 1;
    if (::setsockopt(socket.m_fd.get(), SOL_SOCKET, SO_PASSCRED, &one, sizeof one) < 0)
        return system_error("cannot enable SO_PASSCRED on the notify socket");
    // Many services may report at once during boot; a larger queue avoids
    // dropped READY=1 messages.
    int size = 1 << 20;
    ::setsockopt(socket.m_fd.get(), SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    return socket;
}

std::optional<NotifyDatagram> NotifySocket::receive() {
    char buffer[kMaxDatagram];
    // Room for credentials and for as many fds as one datagram can carry
    // (SCM_MAX_FD): fds that do not fit would be dropped by the kernel, and
    // their last close would then run in our recvmsg, on the main thread.
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred)) + CMSG_SPACE(sizeof(int) * 253)];
    iovec iov{buffer, sizeof buffer};
    msghdr header{};
    header.msg_iov = &iov;
    header.msg_iovlen = 1;
    header.msg_control = control;
    header.msg_controllen = sizeof control;
    ssize_t n = ::recvmsg(m_fd.get(), &header, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (n < 0)
        return std::nullopt;

    NotifyDatagram datagram;
    bool have_credentials = false;
    for (cmsghdr* c = CMSG_FIRSTHDR(&header); c; c = CMSG_NXTHDR(&header, c)) {
        if (c->cmsg_level != SOL_SOCKET)
            continue;
        if (c->cmsg_type == SCM_CREDENTIALS && c->cmsg_len == CMSG_LEN(sizeof(ucred))) {
            ucred creds;
            std::memcpy(&creds, CMSG_DATA(c), sizeof creds);
            datagram.pid = creds.pid;
            datagram.uid = creds.uid;
            have_credentials = true;
        } else if (c->cmsg_type == SCM_RIGHTS && c->cmsg_len >= CMSG_LEN(0)) {
            size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (size_t i = 0; i < count; ++i) {
                int fd;
                std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
                datagram.fds.emplace_back(fd);
            }
        }
    }
    if (!have_credentials)
        datagram.pid = 0;  // unattributable: the manager will reject it
    if (header.msg_flags & MSG_TRUNC)
        datagram.problem = "longer than " + std::to_string(kMaxDatagram) + " bytes";
    else if (header.msg_flags & MSG_CTRUNC)
        datagram.problem = "its control data did not fit";
    else
        datagram.text.assign(buffer, static_cast<size_t>(n));
    return datagram;
}

}  // namespace fastinit
