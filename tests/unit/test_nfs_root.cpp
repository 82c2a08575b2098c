// A root on NFS (initd/stage1/nfs_root.h): the kernel's, initramfs-tools'
// and dracut's spellings of root=/nfsroot=/ip=, what hostile input gets
// (a clear error, never a mount), the mount planned from the command line
// and what DHCP said, and ipconfig's argv (boot/network_up.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "boot/network_up.h"
#include "initd/stage1/nfs_root.h"
#include "initd/stage1/root_spec.h"

namespace fastinit {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

NfsRoot parsed(const std::string& root, std::optional<std::string> nfsroot = std::nullopt,
               std::optional<std::string> ip = std::nullopt) {
    auto spec = parse_nfs_root(root, nfsroot, ip);
    EXPECT_TRUE(spec) << spec.error().message;
    return spec ? *spec : NfsRoot{};
}

std::string error_of(const std::string& root, std::optional<std::string> nfsroot = std::nullopt,
                     std::optional<std::string> ip = std::nullopt) {
    auto spec = parse_nfs_root(root, nfsroot, ip);
    return spec ? "(parsed)" : spec.error().message;
}

NfsMount planned(const NfsRoot& root, const NetLease& lease = {}, const std::string& flags = "") {
    auto mount = plan_nfs_mount(root, lease, flags);
    EXPECT_TRUE(mount) << mount.error().message;
    return mount ? *mount : NfsMount{};
}

TEST(NfsRoot, RecognisesTheThreeSpellings) {
    EXPECT_TRUE(is_nfs_root("/dev/nfs"));
    EXPECT_TRUE(is_nfs_root("nfs:10.0.0.1:/srv"));
    EXPECT_TRUE(is_nfs_root("nfs4:10.0.0.1:/srv"));
    EXPECT_FALSE(is_nfs_root("/dev/nfs0"));
    EXPECT_FALSE(is_nfs_root("nfsx:/srv"));
    EXPECT_FALSE(is_nfs_root("LABEL=nfs"));
}

TEST(NfsRoot, KernelNfsrootWithServerPathAndOptions) {
    NfsRoot root = parsed("/dev/nfs", "192.168.1.5:/srv/root,tcp,timeo=14");
    EXPECT_EQ(root.server, "192.168.1.5");
    EXPECT_EQ(root.path, "/srv/root");
    EXPECT_EQ(root.options, "tcp,timeo=14");
    EXPECT_FALSE(root.v4);
    EXPECT_EQ(
        planned(root),
        (NfsMount{
            "192.168.1.5:/srv/root", "nfs", "tcp,timeo=14,nolock,vers=3,addr=192.168.1.5", {}}));
}

TEST(NfsRoot, Vers4InTheOptionsMakesItNfs4WithoutNolock) {
    NfsRoot root = parsed("/dev/nfs", "10.0.0.1:/srv,vers=4.2");
    EXPECT_TRUE(root.v4);
    EXPECT_EQ(planned(root), (NfsMount{"10.0.0.1:/srv", "nfs4", "vers=4.2,addr=10.0.0.1", {}}))
        << "a minor version given is the one mounted";
    EXPECT_TRUE(parsed("/dev/nfs", "10.0.0.1:/srv,nfsvers=4").v4);
    EXPECT_FALSE(parsed("/dev/nfs", "10.0.0.1:/srv,vers=3").v4);
}

TEST(NfsRoot, TheUsersLockAndVersWinOverTheDefaults) {
    EXPECT_EQ(planned(parsed("/dev/nfs", "10.0.0.1:/srv,lock,nfsvers=2")).data,
              "lock,nfsvers=2,addr=10.0.0.1");
}

TEST(NfsRoot, DracutSpellings) {
    NfsRoot v3 = parsed("nfs:10.0.2.100:/export:ro,tcp");
    EXPECT_EQ(v3.server, "10.0.2.100");
    EXPECT_EQ(v3.path, "/export");
    EXPECT_EQ(v3.options, "ro,tcp");
    EXPECT_FALSE(v3.v4);
    NfsRoot v4 = parsed("nfs4:10.0.2.100:/export");
    EXPECT_TRUE(v4.v4);
    EXPECT_EQ(planned(v4, {}, "noatime"),
              (NfsMount{"10.0.2.100:/export",
                        "nfs4",
                        "vers=4.2,noatime,addr=10.0.2.100",
                        {"vers=4.1,noatime,addr=10.0.2.100", "vers=4.0,noatime,addr=10.0.2.100"}}));
    EXPECT_EQ(parsed("nfs4:/export").server, "");
}

TEST(NfsRoot, IPv6ServersInBrackets) {
    NfsRoot root = parsed("nfs4:[fd00::1]:/export");
    EXPECT_EQ(root.server, "[fd00::1]");
    EXPECT_EQ(planned(root).data, "vers=4.2,addr=fd00::1");
    EXPECT_EQ(planned(root).source, "[fd00::1]:/export");
    EXPECT_THAT(error_of("nfs4:[fd00::1/export"), HasSubstr("[ADDRESS]:PATH"));
    EXPECT_THAT(error_of("nfs4:[10.0.0.1]:/export"), HasSubstr("not a numeric IPv6"));
}

TEST(NfsRoot, AServerNameIsRefusedBecauseThereIsNoDns) {
    EXPECT_THAT(error_of("nfs:fileserver:/export"), HasSubstr("initramfs has no DNS"));
    EXPECT_THAT(error_of("/dev/nfs", "files.example.com:/srv"), HasSubstr("no DNS"));
    EXPECT_THAT(error_of("/dev/nfs", "10.0.0.300:/srv"), HasSubstr("not a numeric IPv4"));
}

TEST(NfsRoot, HostileInputGetsAClearErrorNeverAMount) {
    EXPECT_THAT(error_of("nfs:10.0.0.1:"), HasSubstr("no path"));
    EXPECT_THAT(error_of("nfs:10.0.0.1:srv"), HasSubstr("must start with /"));
    EXPECT_THAT(error_of("nfs:10.0.0.1:/srv/a b"), HasSubstr("characters"));
    EXPECT_THAT(error_of("nfs:10.0.0.1:/srv:tcp,\x01"), HasSubstr("characters"));
    EXPECT_THAT(error_of("nfs:10.0.0.1:/" + std::string(2000, 'a')), HasSubstr("longer than"));
    EXPECT_THAT(error_of("/dev/nfs", "10.0.0.1:/" + std::string(5000, 'a')), HasSubstr("too long"));
    EXPECT_THAT(error_of("nfs:10.0.0.1:/srv:addr=10.9.9.9"), HasSubstr("addr= is set by"));
    EXPECT_THAT(error_of("nfs:" + std::string(100, '1') + ":/srv"), HasSubstr("longer than"));
    // A name with odd bytes is not echoed.
    EXPECT_THAT(error_of("nfs:\x1b[2J:/srv"), HasSubstr("\"?\""));
}

TEST(IpOption, MethodsAndTheDracutInterfaceForm) {
    EXPECT_EQ(parse_ip_option(std::nullopt)->method, IpConfig::Method::dhcp);
    EXPECT_EQ(parse_ip_option("dhcp")->method, IpConfig::Method::dhcp);
    EXPECT_EQ(parse_ip_option("on")->method, IpConfig::Method::dhcp);
    EXPECT_EQ(parse_ip_option("off")->method, IpConfig::Method::off);
    EXPECT_EQ(parse_ip_option("none")->method, IpConfig::Method::off);
    auto iface = parse_ip_option("ens3:dhcp");
    ASSERT_TRUE(iface);
    EXPECT_EQ(iface->device, "ens3");
    EXPECT_EQ(iface->method, IpConfig::Method::dhcp);
    EXPECT_THAT(parse_ip_option("magic").error().message, HasSubstr("not a method"));
    EXPECT_THAT(parse_ip_option("averyveryverylongname0:dhcp").error().message,
                HasSubstr("not an interface name"));
}

TEST(IpOption, TheKernelsStaticForm) {
    auto fixed = parse_ip_option("10.0.2.15:10.0.2.100:10.0.2.2:255.255.255.0:client:eth0:off");
    ASSERT_TRUE(fixed) << fixed.error().message;
    EXPECT_EQ(fixed->method, IpConfig::Method::fixed);
    EXPECT_EQ(fixed->device, "eth0");
    EXPECT_EQ(fixed->server, "10.0.2.100");
    EXPECT_EQ(fixed->text, "10.0.2.15:10.0.2.100:10.0.2.2:255.255.255.0:client:eth0:off");
    // No client address, AUTOCONF dhcp: DHCP on that device.
    auto dhcp = parse_ip_option(":::::eth1:dhcp");
    ASSERT_TRUE(dhcp);
    EXPECT_EQ(dhcp->method, IpConfig::Method::dhcp);
    EXPECT_EQ(dhcp->device, "eth1");
    EXPECT_THAT(parse_ip_option("10.0.2.1x::::::off").error().message, HasSubstr("CLIENT"));
    EXPECT_THAT(parse_ip_option(":10.0.2.100:::::off").error().message,
                HasSubstr("without a CLIENT"));
    EXPECT_THAT(parse_ip_option("1:2:3:4:5:6:7:8:9:10:11").error().message,
                HasSubstr("more than 10"));
    EXPECT_THAT(parse_ip_option(std::string(600, ':')).error().message, HasSubstr("longer"));
    EXPECT_THAT(parse_ip_option("10.0.2.15::::a b:eth0:off").error().message,
                HasSubstr("HOSTNAME"));
}

TEST(NfsRoot, TheServerComesFromIpWhenNfsrootHasNone) {
    NfsRoot root =
        parsed("/dev/nfs", "/srv/root", "10.0.2.15:10.0.2.100:10.0.2.2:255.255.255.0::eth0:off");
    EXPECT_EQ(planned(root, {"eth0", "10.0.2.15", "10.0.2.2", ""}).source, "10.0.2.100:/srv/root");
}

TEST(NfsRoot, DhcpsRootPathAndServerFillWhatTheCommandLineLeftOut) {
    NfsRoot bare = parsed("/dev/nfs");
    EXPECT_EQ(planned(bare, {"eth0", "10.0.2.15", "10.0.2.2", "10.0.2.4:/tftp/root,vers=4"}),
              (NfsMount{"10.0.2.4:/tftp/root", "nfs4", "vers=4,addr=10.0.2.4", {}}));
    EXPECT_EQ(planned(bare, {"eth0", "10.0.2.15", "10.0.2.2", "/roots/%s"}).source,
              "10.0.2.2:/roots/10.0.2.15");
    EXPECT_THAT(plan_nfs_mount(bare, {"eth0", "10.0.2.15", "", ""}, "").error().message,
                HasSubstr("no NFS server"));
    EXPECT_THAT(plan_nfs_mount(bare, {"eth0", "10.0.2.15", "10.0.2.2", ""}, "").error().message,
                HasSubstr("no NFS path"));
    EXPECT_THAT(
        plan_nfs_mount(bare, {"eth0", "10.0.2.15", "10.0.2.2", "name:/srv"}, "").error().message,
        HasSubstr("DHCP root path"));
    EXPECT_THAT(plan_nfs_mount(parsed("nfs:10.0.0.1:/srv"), {}, "a b").error().message,
                HasSubstr("rootflags="));
}

TEST(NetConf, ReadsWhatIpconfigWrote) {
    NetLease lease = parse_net_conf(
        "DEVICE='eth0'\nPROTO='dhcp'\nIPV4ADDR='10.0.2.15'\nIPV4NETMASK='255.255.255.0'\n"
        "ROOTSERVER='10.0.2.2'\nROOTPATH=''\nbroken line\nHOSTNAME='client'\n");
    EXPECT_EQ(lease, (NetLease{"eth0", "10.0.2.15", "10.0.2.2", ""}));
    EXPECT_EQ(parse_net_conf(""), NetLease{});
}

TEST(RootSpec, AnNfsRootIsUnderstoodWhereAnyOtherRootIs) {
    auto spec = root_spec_from_cmdline(
        KernelCmdline::parse("root=/dev/nfs nfsroot=10.0.0.1:/srv ip=dhcp rootflags=noatime rw"));
    ASSERT_TRUE(spec) << spec.error().message;
    ASSERT_TRUE(spec->nfs);
    EXPECT_EQ(spec->nfs->server, "10.0.0.1");
    EXPECT_EQ(spec->options, "noatime");
    EXPECT_FALSE(spec->read_only);
    EXPECT_TRUE(root_spec_from_cmdline(KernelCmdline::parse("root=nfs4:10.0.0.1:/srv"))->nfs);
    EXPECT_FALSE(root_spec_from_cmdline(KernelCmdline::parse("root=/dev/vda"))->nfs);
    EXPECT_THAT(root_spec_from_cmdline(KernelCmdline::parse("root=nfs4:host:/srv")).error().message,
                HasSubstr("no DNS"));
    EXPECT_THAT(
        root_spec_from_cmdline(KernelCmdline::parse("root=/dev/nfs ip=bogus")).error().message,
        HasSubstr("ip="));
}

TEST(Ipconfig, ArgvForDhcpAndTheStaticForm) {
    IpConfig dhcp;
    EXPECT_THAT(ipconfig_argv(dhcp, std::chrono::seconds(30)),
                ElementsAre(kIpconfigPath, "-t", "30", "-c", "dhcp", "-d", "all"));
    dhcp.device = "ens3";
    EXPECT_THAT(ipconfig_argv(dhcp, std::nullopt),
                ElementsAre(kIpconfigPath, "-c", "dhcp", "-d", "ens3"));
    auto fixed = parse_ip_option("10.0.2.15::10.0.2.2:255.255.255.0::eth0:none");
    ASSERT_TRUE(fixed);
    EXPECT_THAT(ipconfig_argv(*fixed, std::chrono::milliseconds(200)),
                ElementsAre(kIpconfigPath, "-t", "1", "-d",
                            "10.0.2.15::10.0.2.2:255.255.255.0::eth0:none"));
}

}  // namespace
}  // namespace fastinit
