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
    // A device directory with a uevent file, not linked from anywhere.
    std::string add_directory(const std::string& path, const std::string& uevent) {
        std::string dir = syspath(path);
        fs::create_directories(dir);
        std::ofstream(dir + "/uevent") << uevent;
        return dir;
    }

    // A bus device: its directory with a subsystem link, and
    // bus/<bus>/devices/<name> linking to it, relative as the kernel makes it.
    std::string add_device(const std::string& path, const std::string& bus,
                           const std::string& uevent) {
        std::string dir = add_directory(path, uevent);
        if (!bus.empty())
            add_links(dir, "bus/" + bus, "bus/" + bus + "/devices", "../../../devices/" + path);
        return dir;
    }

    // A class device: the same, linked from class/<class>/<name>.
    std::string add_class_device(const std::string& path, const std::string& cls,
                                 const std::string& uevent) {
        std::string dir = add_directory(path, uevent);
        add_links(dir, "class/" + cls, "class/" + cls, "../../devices/" + path);
        return dir;
    }

    // Binds `device_dir` to `driver`, from a loadable module or built in.
    void bind(const std::string& device_dir, const std::string& bus, const std::string& driver,
              bool loadable) {
        std::string driver_dir = root() + "/bus/" + bus + "/drivers/" + driver;
        std::string module_dir = root() + "/module/" + driver;
        fs::create_directories(driver_dir);
        fs::create_directories(module_dir);
        if (loadable)
            std::ofstream(module_dir + "/initstate") << "live\n";
        if (!fs::exists(driver_dir + "/module"))
            fs::create_directory_symlink(module_dir, driver_dir + "/module");
        fs::create_directory_symlink(driver_dir, device_dir + "/driver");
    }

    // Binds `device_dir` to a driver of a bus that does not link its
    // drivers to their modules (ACPI), loaded from module `driver`.
    void bind_unlinked(const std::string& device_dir, const std::string& bus,
                       const std::string& driver) {
        std::string driver_dir = root() + "/bus/" + bus + "/drivers/" + driver;
        fs::create_directories(driver_dir);
        fs::create_directories(root() + "/module/" + driver);
        std::ofstream(root() + "/module/" + driver + "/initstate") << "live\n";
        fs::create_directory_symlink(driver_dir, device_dir + "/driver");
    }

    // A symlink at `at` (relative to the root) with the text `target`.
    void link(const std::string& at, const std::string& target) {
        fs::create_directories(fs::path(root() + "/" + at).parent_path());
        fs::create_symlink(target, root() + "/" + at);
    }

    std::string root() const { return dir.path(); }
    std::string syspath(const std::string& path) const { return root() + "/devices/" + path; }

    TempDir dir;

  private:
    void add_links(const std::string& dir, const std::string& subsystem, const std::string& listing,
                   const std::string& target) {
        fs::create_directories(root() + "/" + subsystem);
        fs::create_directory_symlink(root() + "/" + subsystem, dir + "/subsystem");
        link(listing + "/" + fs::path(dir).filename().string(), target);
    }
};

TEST_F(FakeSysfs, ListsDevicesWithAModaliasAndMarksTheirOrigin) {
    add_device("pci0000:00", "", "");
    std::string blk =
        add_device("pci0000:00/0000:00:02.0", "pci",
                   "DRIVER=virtio-pci\nPCI_ID=1AF4:1042\nMODALIAS=pci:v00001AF4d00001042\n");
    bind(blk, "pci", "virtio-pci", true);
    add_device("pci0000:00/0000:00:02.0/virtio0", "virtio",
               "DRIVER=virtio_blk\nMODALIAS=virtio:d00000002v00001AF4\n");
    // Attributes of the PCI function, not a device of their own.
    fs::create_directories(blk + "/power");
    std::ofstream(blk + "/power/uevent") << "MODALIAS=bogus:power\n";

    std::string xhci = add_device("pci0000:00/0000:00:14.0", "pci",
                                  "DRIVER=xhci_hcd\nMODALIAS=pci:v00008086d0000A36D\n");
    bind(xhci, "pci", "xhci_hcd", false);  // built in: its children exist from the start
    add_device("pci0000:00/0000:00:14.0/usb1", "usb",
               "DEVTYPE=usb_device\nMODALIAS=usb:v1D6Bp0002\n");
    add_device("pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0", "usb",
               "DEVTYPE=usb_interface\nMODALIAS=usb:v0781p5567ic08isc06ip50in00\n");
    add_device("pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0/host0/target0:0:0/0:0:0:0", "scsi",
               "DEVTYPE=scsi_device\nMODALIAS=scsi:t-0x00\n");

    add_device("platform/pcspkr", "platform", "DRIVER=pcspkr\nMODALIAS=platform:pcspkr\n");
    add_class_device("virtual/net/lo", "net", "INTERFACE=lo\nIFINDEX=1\n");

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

TEST_F(FakeSysfs, ListsInputAndDmiClassDevicesWithTheirAncestorsFlags) {
    add_device("platform/i8042", "platform", "DRIVER=i8042\nMODALIAS=platform:i8042\n");
    add_device("platform/i8042/serio0", "serio", "DRIVER=atkbd\nMODALIAS=serio:ty06pr00id00ex00\n");
    add_class_device("platform/i8042/serio0/input/input0", "input",
                     "PRODUCT=11/1/1/ab41\nMODALIAS=input:b0011v0001p0001eAB41-e0,1,4,11,14,\n");
    add_class_device("platform/i8042/serio0/input/input0/event0", "input",
                     "MAJOR=13\nMINOR=64\nDEVNAME=input/event0\n");
    std::string usbhid =
        add_device("pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0", "usb",
                   "DRIVER=usbhid\nMODALIAS=usb:v0627p0001d0000dc00dsc00dp00ic03isc00ip00in00\n");
    bind(usbhid, "usb", "usbhid", true);
    add_device("pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0/0003:0627:0001.0001", "hid",
               "DRIVER=hid-generic\nMODALIAS=hid:b0003g0001v00000627p00000001\n");
    add_class_device("pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0/0003:0627:0001.0001/input/input1",
                     "input", "MODALIAS=input:b0003v0627p0001e0001-e0,1,2,4,\n");
    add_class_device("virtual/dmi/id", "dmi", "MODALIAS=dmi:bvnSeaBIOS:svnQEMU:\n");

    SysfsDeviceSource source(root());
    auto devices = source.enumerate();
    ASSERT_TRUE(devices.ok()) << devices.error().message;
    std::string hid = "pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0/0003:0627:0001.0001";
    EXPECT_THAT(
        *devices,
        ElementsAre(device(syspath("pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0"), "usb",
                           "usb:v0627p0001d0000dc00dsc00dp00ic03isc00ip00in00", true),
                    device(syspath(hid), "hid", "hid:b0003g0001v00000627p00000001", true, true),
                    device(syspath(hid + "/input/input1"), "input",
                           "input:b0003v0627p0001e0001-e0,1,2,4,", true, true),
                    device(syspath("platform/i8042"), "platform", "platform:i8042"),
                    device(syspath("platform/i8042/serio0"), "serio", "serio:ty06pr00id00ex00"),
                    device(syspath("platform/i8042/serio0/input/input0"), "input",
                           "input:b0011v0001p0001eAB41-e0,1,4,11,14,"),
                    device(syspath("virtual/dmi/id"), "dmi", "dmi:bvnSeaBIOS:svnQEMU:")));
}

TEST_F(FakeSysfs, FollowsOnlyLinksIntoTheDeviceTree) {
    std::string pci = add_device("pci0000:00/0000:00:02.0", "pci", "MODALIAS=pci:v1\n");
    fs::create_directory_symlink(root() + "/devices", pci + "/loop");
    // Resolved textually, as the kernel's links are plain relative paths.
    add_directory("platform/odd", "MODALIAS=platform:odd\n");
    link("bus/platform/devices/odd", "../../.././devices/platform/../platform/odd");
    // Links leading elsewhere are not devices, whatever they hold.
    add_directory("outside", "MODALIAS=bogus:outside\n");
    link("bus/pci/devices/absolute", syspath("platform/odd"));
    link("bus/pci/devices/beside", "../../../outside");
    link("bus/pci/devices/escape", "../../../../../../../../../../../../../etc");
    SysfsDeviceSource source(root());
    auto devices = source.enumerate();
    ASSERT_TRUE(devices.ok()) << devices.error().message;
    EXPECT_THAT(*devices, ElementsAre(device(syspath("pci0000:00/0000:00:02.0"), "pci", "pci:v1"),
                                      device(syspath("platform/odd"), "platform", "platform:odd")));
}

TEST_F(FakeSysfs, SkipsDevicesThatVanishedAndEntriesThatAreNotLinks) {
    add_device("platform/pcspkr", "platform", "MODALIAS=platform:pcspkr\n");
    link("bus/platform/devices/gone", "../../../devices/platform/gone");
    std::ofstream(root() + "/bus/platform/devices/file") << "MODALIAS=bogus:file\n";
    fs::create_directories(root() + "/bus/platform/devices/directory");
    std::ofstream(root() + "/bus/platform/devices/directory/uevent") << "MODALIAS=bogus:dir\n";
    fs::create_directories(root() + "/bus/nodevices");
    SysfsDeviceSource source(root());
    auto devices = source.enumerate();
    ASSERT_TRUE(devices.ok()) << devices.error().message;
    EXPECT_THAT(*devices,
                ElementsAre(device(syspath("platform/pcspkr"), "platform", "platform:pcspkr")));
}

TEST_F(FakeSysfs, WithoutSysfsItSaysSo) {
    SysfsDeviceSource source(root() + "/nothing");
    auto devices = source.enumerate();
    ASSERT_FALSE(devices.ok());
    EXPECT_THAT(devices.error().message, HasSubstr("is sysfs mounted?"));
}

TEST_F(FakeSysfs, AnAcpiDriverWithoutAModuleLinkIsStillKnownAsAModule) {
    // The power button: firmware lists LNXPWRBN:00; its input device exists
    // only once the "button" module is loaded (by udev, after stage 1).
    std::string button =
        add_device("LNXSYSTM:00/LNXPWRBN:00", "acpi", "DRIVER=button\nMODALIAS=acpi:LNXPWRBN:\n");
    bind_unlinked(button, "acpi", "button");
    add_class_device("LNXSYSTM:00/LNXPWRBN:00/input/input4", "input",
                     "MODALIAS=input:b0019v0000p0001e0000-e0,1,k74,ramlsfw\n");
    // A built-in ACPI driver (no initstate) creates devices that are there
    // from the start.
    std::string fan =
        add_device("LNXSYSTM:00/PNP0C0B:00", "acpi", "DRIVER=fan\nMODALIAS=acpi:PNP0C0B:\n");
    fs::create_directories(root() + "/bus/acpi/drivers/fan");
    fs::create_directory_symlink(root() + "/bus/acpi/drivers/fan", fan + "/driver");
    add_class_device("LNXSYSTM:00/PNP0C0B:00/input/input9", "input",
                     "MODALIAS=input:b0019v0000p0009e0000-e0\n");

    SysfsDeviceSource source(root());
    auto devices = source.enumerate();
    ASSERT_TRUE(devices.ok()) << devices.error().message;
    EXPECT_THAT(*devices,
                ElementsAre(device(syspath("LNXSYSTM:00/LNXPWRBN:00"), "acpi", "acpi:LNXPWRBN:"),
                            device(syspath("LNXSYSTM:00/LNXPWRBN:00/input/input4"), "input",
                                   "input:b0019v0000p0001e0000-e0,1,k74,ramlsfw", false, true),
                            device(syspath("LNXSYSTM:00/PNP0C0B:00"), "acpi", "acpi:PNP0C0B:"),
                            device(syspath("LNXSYSTM:00/PNP0C0B:00/input/input9"), "input",
                                   "input:b0019v0000p0009e0000-e0")));
}

}  // namespace
}  // namespace fastinit
