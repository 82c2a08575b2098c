// device-cache: SysfsDeviceSource on a fake sysfs tree — which devices are
// listed, and how removable and module-created devices are recognised.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "device-cache/sysfs_device_source.h"
#include "tests/unit/device_fakes.h"

namespace fastinit {
namespace {

using namespace fastinit::testing;
namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class FakeSysfs : public ::testing::Test {
  protected:
    // A device directory with a uevent file and a subsystem link.
    std::string add_device(const std::string& path, const std::string& subsystem,
                           const std::string& uevent) {
        std::string dir = root() + "/devices/" + path;
        fs::create_directories(dir);
        std::ofstream(dir + "/uevent") << uevent;
        if (!subsystem.empty()) {
            fs::create_directories(root() + "/bus/" + subsystem);
            fs::create_directory_symlink(root() + "/bus/" + subsystem, dir + "/subsystem");
        }
        return dir;
    }

    // Binds `device_dir` to `driver`, from a loadable module or built in.
    void bind(const std::string& device_dir, const std::string& driver, bool loadable) {
        std::string driver_dir = root() + "/bus/drivers/" + driver;
        std::string module_dir = root() + "/module/" + driver;
        fs::create_directories(driver_dir);
        fs::create_directories(module_dir);
        if (loadable)
            std::ofstream(module_dir + "/initstate") << "live\n";
        if (!fs::exists(driver_dir + "/module"))
            fs::create_directory_symlink(module_dir, driver_dir + "/module");
        fs::create_directory_symlink(driver_dir, device_dir + "/driver");
    }

    std::string root() const { return dir.path(); }
    std::string syspath(const std::string& path) const { return root() + "/devices/" + path; }

    TempDir dir;
};

TEST_F(FakeSysfs, ListsDevicesWithAModaliasAndMarksTheirOrigin) {
    add_device("pci0000:00", "", "");
    std::string blk =
        add_device("pci0000:00/0000:00:02.0", "pci",
                   "DRIVER=virtio-pci\nPCI_ID=1AF4:1042\nMODALIAS=pci:v00001AF4d00001042\n");
    bind(blk, "virtio-pci", true);
    add_device("pci0000:00/0000:00:02.0/virtio0", "virtio",
               "DRIVER=virtio_blk\nMODALIAS=virtio:d00000002v00001AF4\n");
    // Attributes of the PCI function, not a device of their own.
    fs::create_directories(blk + "/power");
    std::ofstream(blk + "/power/uevent") << "MODALIAS=bogus:power\n";

    std::string xhci = add_device("pci0000:00/0000:00:14.0", "pci",
                                  "DRIVER=xhci_hcd\nMODALIAS=pci:v00008086d0000A36D\n");
    bind(xhci, "xhci_hcd", false);  // built in: its children exist from the start
    add_device("pci0000:00/0000:00:14.0/usb1", "usb",
               "DEVTYPE=usb_device\nMODALIAS=usb:v1D6Bp0002\n");
    add_device("pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0", "usb",
               "DEVTYPE=usb_interface\nMODALIAS=usb:v0781p5567ic08isc06ip50in00\n");
    add_device("pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0/host0/target0:0:0/0:0:0:0", "scsi",
               "DEVTYPE=scsi_device\nMODALIAS=scsi:t-0x00\n");

    add_device("platform/pcspkr", "platform", "DRIVER=pcspkr\nMODALIAS=platform:pcspkr\n");
    add_device("virtual/net/lo", "net", "INTERFACE=lo\nIFINDEX=1\n");

    SysfsDeviceSource source(root());
    auto devices = source.enumerate();
    ASSERT_TRUE(devices.ok()) << devices.error().message;
    EXPECT_THAT(
        *devices,
        ElementsAre(device(syspath("pci0000:00/0000:00:02.0"), "pci", "pci:v00001AF4d00001042"),
                    device(syspath("pci0000:00/0000:00:02.0/virtio0"), "virtio",
                           "virtio:d00000002v00001AF4", false, true),
                    device(syspath("pci0000:00/0000:00:14.0"), "pci", "pci:v00008086d0000A36D"),
                    device(syspath("pci0000:00/0000:00:14.0/usb1"), "usb", "usb:v1D6Bp0002", true),
                    device(syspath("pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0"), "usb",
                           "usb:v0781p5567ic08isc06ip50in00", true),
                    device(syspath("pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0/host0/"
                                   "target0:0:0/0:0:0:0"),
                           "scsi", "scsi:t-0x00", true),
                    device(syspath("platform/pcspkr"), "platform", "platform:pcspkr")));
}

TEST_F(FakeSysfs, DoesNotFollowSymlinksOutOfTheTree) {
    std::string pci = add_device("pci0000:00/0000:00:02.0", "pci", "MODALIAS=pci:v1\n");
    fs::create_directory_symlink(root() + "/devices", pci + "/loop");
    SysfsDeviceSource source(root());
    auto devices = source.enumerate();
    ASSERT_TRUE(devices.ok());
    EXPECT_EQ(devices->size(), 1u);
}

TEST_F(FakeSysfs, WithoutSysfsItSaysSo) {
    SysfsDeviceSource source(root() + "/nothing");
    auto devices = source.enumerate();
    ASSERT_FALSE(devices.ok());
    EXPECT_THAT(devices.error().message, HasSubstr("is sysfs mounted?"));
}

}  // namespace
}  // namespace fastinit
