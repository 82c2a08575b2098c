// device-cache: the SQLite store on real files — round trip, every kind of
// damaged cache, locking, and atomic replacement.
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>

#include "base/text.h"
#include "base/unique_fd.h"
#include "device-cache/cache_store.h"
#include "device-cache/sqlite_db.h"
#include "tests/unit/device_fakes.h"

namespace fastinit {
namespace {

using namespace fastinit::testing;
using ::testing::HasSubstr;
using ::testing::Optional;

const char kKernel[] = "6.1.0-56-amd64";

DeviceCache sample_cache() {
    DeviceCache cache;
    cache.fingerprint.kernel_release = kKernel;
    cache.fingerprint.module_index = "modules.dep.bin=704211:eb5d modules.alias.bin=1262393:9ce5";
    cache.fingerprint.dmi = {{"sys_vendor", "QEMU"}, {"product_name", "Standard PC"}};
    cache.fingerprint.devices = {"pci:v00001AF4d00001042sv00001AF4sd00001042bc01sc80i00",
                                 "platform:pcspkr"};
    cache.modules_dir = "/lib/modules/6.1.0-56-amd64";
    cache.written_at = 1700000000;
    cache.devices = {
        device("/sys/devices/pci0000:00/0000:00:02.0", "pci",
               "pci:v00001AF4d00001042sv00001AF4sd00001042bc01sc80i00"),
        device("/sys/devices/pci0000:00/0000:00:02.0/virtio0", "virtio",
               "virtio:d00000002v00001AF4", false, true),
        device("/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1", "usb", "usb:v0781p5567", true),
        device("/sys/devices/platform/pcspkr", "platform", "platform:pcspkr"),
    };
    cache.aliases = {
        {"pci:v00001AF4d00001042sv00001AF4sd00001042bc01sc80i00", {"virtio_pci"}, {}},
        {"virtio:d00000002v00001AF4", {"virtio_blk"}, {}},
        {"platform:pcspkr", {}, {"pcspkr (blacklisted)"}},
        {"usb:v0781p5567", {}, {}},
    };
    CachedModule virtio{spec("virtio", {dep("virtio_ring")}), LoadStatus::loaded, 0, "", 0, 850, 0};
    CachedModule ring{spec("virtio_ring"), LoadStatus::present, 0, "", 0, 3, 0};
    CachedModule pci{spec("virtio_pci", {dep("virtio"), dep("virtio_ring")}),
                     LoadStatus::loaded,
                     0,
                     "",
                     900,
                     2100,
                     0};
    pci.spec.matched_by_alias = true;
    CachedModule blk{
        spec("virtio_blk", {dep("virtio"), {"crc32c_intel", PrerequisiteKind::soft_pre}}),
        LoadStatus::failed,
        ENOEXEC,
        "cannot load virtio_blk: Exec format error",
        3100,
        40,
        1};
    blk.spec.options = "queue_depth=64";
    blk.spec.matched_by_alias = true;
    CachedModule post{spec("crc32c_intel", {{"virtio_blk", PrerequisiteKind::soft_post}}),
                      LoadStatus::skipped,
                      0,
                      "needs x",
                      0,
                      0,
                      1};
    cache.modules = {ring, virtio, pci, blk, post};
    cache.timings = {
        {0, "enumerate", 1200}, {0, "resolve", 800}, {0, "load", 5000}, {1, "enumerate", 900}};
    cache.root = {"LABEL=root",
                  {"virtio_pci", "virtio_blk"},
                  "ext4",
                  "/dev/mapper/vg-root",
                  {{"md", "md0", {"md_mod", "raid1"}}, {"lvm", "dm-0", {"dm_mod"}}}};
    return cache;
}

void write_bytes(const std::string& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

std::string read_bytes(const std::string& path) {
    auto text = read_file(path);
    return text ? *text : "";
}

class Store : public ::testing::Test {
  protected:
    std::string good() {
        std::string path = dir.file("good.db");
        auto saved = save_cache(path, sample_cache());
        EXPECT_TRUE(saved.ok()) << saved.error().message;
        return path;
    }

    TempDir dir;
    std::string path = dir.file("devices.db");
};

TEST_F(Store, RoundTripsEveryField) {
    DeviceCache cache = sample_cache();
    auto saved = save_cache(path, cache);
    ASSERT_TRUE(saved.ok()) << saved.error().message;
    CacheLoad loaded = load_cache(path, kKernel);
    ASSERT_EQ(loaded.state, CacheState::valid) << loaded.reason;
    EXPECT_EQ(loaded.reason, "");
    ASSERT_TRUE(loaded.cache);
    EXPECT_EQ(loaded.cache->fingerprint, cache.fingerprint);
    EXPECT_EQ(loaded.cache->devices, cache.devices);
    EXPECT_EQ(loaded.cache->aliases, cache.aliases);
    EXPECT_EQ(loaded.cache->modules, cache.modules);
    EXPECT_EQ(loaded.cache->timings, cache.timings);
    EXPECT_EQ(loaded.cache->root, cache.root);
    EXPECT_EQ(*loaded.cache, cache);
    EXPECT_FALSE(std::filesystem::exists(cache_temp_path(path)));
}

TEST_F(Store, ForLoadingReadsAllButDevicesAliasesAndTimings) {
    DeviceCache cache = sample_cache();
    ASSERT_TRUE(save_cache(path, cache).ok());
    CacheLoad loaded = load_cache(path, kKernel, CacheDetail::for_loading);
    ASSERT_EQ(loaded.state, CacheState::valid) << loaded.reason;
    DeviceCache expected = cache;
    expected.devices.clear();
    expected.aliases.clear();
    expected.timings.clear();
    EXPECT_EQ(*loaded.cache, expected);
}

TEST_F(Store, RoundTripsAnEmptyCache) {
    DeviceCache cache;
    cache.fingerprint.kernel_release = kKernel;
    ASSERT_TRUE(save_cache(path, cache).ok());
    CacheLoad loaded = load_cache(path, kKernel);
    ASSERT_EQ(loaded.state, CacheState::valid) << loaded.reason;
    EXPECT_EQ(*loaded.cache, cache);
}

TEST_F(Store, CreatesTheDirectory) {
    std::string nested = dir.file("var/lib/fastinit/devices.db");
    ASSERT_TRUE(save_cache(nested, sample_cache()).ok());
    EXPECT_EQ(load_cache(nested, kKernel).state, CacheState::valid);
}

TEST_F(Store, Missing) {
    CacheLoad loaded = load_cache(path, kKernel);
    EXPECT_EQ(loaded.state, CacheState::missing);
    EXPECT_EQ(loaded.reason, "there is no device cache at " + path);
    EXPECT_FALSE(loaded.cache);
    EXPECT_FALSE(std::filesystem::exists(path)) << "reading must not create the file";
}

TEST_F(Store, Empty) {
    write_bytes(path, "");
    CacheLoad loaded = load_cache(path, kKernel);
    EXPECT_EQ(loaded.state, CacheState::empty);
    EXPECT_THAT(loaded.reason, HasSubstr("is empty (0 bytes)"));
}

TEST_F(Store, TruncatedAtEveryInterestingLength) {
    std::string whole = read_bytes(good());
    ASSERT_GT(whole.size(), 8192u);
    for (size_t length : {size_t{5}, size_t{16}, size_t{50}, size_t{100}, size_t{4096},
                          size_t{4097}, whole.size() / 2, whole.size() - 4096, whole.size() - 1}) {
        write_bytes(path, whole.substr(0, length));
        CacheLoad loaded = load_cache(path, kKernel);
        EXPECT_EQ(loaded.state, CacheState::truncated) << length << ": " << loaded.reason;
        EXPECT_THAT(loaded.reason, HasSubstr("truncated")) << length;
        EXPECT_FALSE(loaded.cache);
    }
    write_bytes(path, whole.substr(0, whole.size() - 4096));
    EXPECT_THAT(load_cache(path, kKernel).reason,
                HasSubstr(std::to_string(whole.size() - 4096) + " of " +
                          std::to_string(whole.size()) + " bytes"));
}

TEST_F(Store, RandomGarbage) {
    std::mt19937 random(42);
    for (size_t size : {size_t{1}, size_t{99}, size_t{4096}, size_t{70000}}) {
        std::string noise(size, '\0');
        for (char& c : noise)
            c = static_cast<char>(random());
        noise[0] = '\x7f';  // a lone "S" would be a truncated header, not garbage
        write_bytes(path, noise);
        CacheLoad loaded = load_cache(path, kKernel);
        EXPECT_EQ(loaded.state, CacheState::garbage) << size << ": " << loaded.reason;
        EXPECT_THAT(loaded.reason, HasSubstr("not an SQLite database"));
    }
    write_bytes(path, "#!/bin/sh\necho this is not a database\n");
    EXPECT_EQ(load_cache(path, kKernel).state, CacheState::garbage);
}

TEST_F(Store, GoodHeaderWithGarbagePagesIsCorrupt) {
    std::string bytes = read_bytes(good());
    std::mt19937 random(7);
    for (size_t i = 100; i < bytes.size(); ++i)
        bytes[i] = static_cast<char>(random());
    write_bytes(path, bytes);
    CacheLoad loaded = load_cache(path, kKernel);
    EXPECT_TRUE(loaded.state == CacheState::corrupt || loaded.state == CacheState::wrong_schema)
        << cache_state_name(loaded.state) << ": " << loaded.reason;
    EXPECT_FALSE(loaded.cache);
}

TEST_F(Store, ADirectoryInsteadOfAFile) {
    std::filesystem::create_directory(path);
    EXPECT_EQ(load_cache(path, kKernel).state, CacheState::garbage);
}

void set_user_version(const std::string& path, int version) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(exec_sql(db, ("PRAGMA user_version = " + std::to_string(version)).c_str()),
              SQLITE_OK);
    sqlite3_close(db);
}

TEST_F(Store, WrongSchemaVersion) {
    std::filesystem::copy_file(good(), path);
    set_user_version(path, kCacheSchemaVersion + 1);
    CacheLoad loaded = load_cache(path, kKernel);
    EXPECT_EQ(loaded.state, CacheState::wrong_schema);
    EXPECT_THAT(loaded.reason,
                HasSubstr("has schema version 4, this fastinit reads versions 1 to 3"));
}

// A cache as version 1 wrote it: everything but the root record.
void make_version_1(const std::string& path) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(exec_sql(db,
                       "DROP TABLE root_modules; DELETE FROM meta WHERE key LIKE 'root_%'; "
                       "PRAGMA user_version = 1"),
              SQLITE_OK);
    sqlite3_close(db);
}

TEST_F(Store, AVersion1CacheIsReadForwardWithoutARootRecord) {
    std::filesystem::copy_file(good(), path);
    make_version_1(path);
    CacheLoad loaded = load_cache(path, kKernel);
    ASSERT_EQ(loaded.state, CacheState::valid) << loaded.reason;
    DeviceCache expected = sample_cache();
    expected.root = {};
    EXPECT_EQ(*loaded.cache, expected);

    // Written back, it is the current version with the record.
    loaded.cache->root = {"UUID=1234", {"ahci"}, "xfs", "/dev/sda2"};
    ASSERT_TRUE(save_cache(path, *loaded.cache).ok());
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    int version = -1;
    sqlite3_exec(
        db, "PRAGMA user_version",
        [](void* out, int, char** values, char**) {
            *static_cast<int*>(out) = std::atoi(values[0]);
            return 0;
        },
        &version, nullptr);
    sqlite3_close(db);
    EXPECT_EQ(version, kCacheSchemaVersion);
    EXPECT_EQ(load_cache(path, kKernel).cache->root,
              (RootRecord{"UUID=1234", {"ahci"}, "xfs", "/dev/sda2"}));
}

// Version 2 had the root record without its layers: read forward, the root
// has none (the next boot with a stacked root records them).
TEST_F(Store, AVersion2CacheIsReadForwardWithoutRootLayers) {
    std::filesystem::copy_file(good(), path);
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(exec_sql(db, "DELETE FROM meta WHERE key = 'root_layers'; PRAGMA user_version = 2"),
              SQLITE_OK);
    sqlite3_close(db);
    CacheLoad loaded = load_cache(path, kKernel);
    ASSERT_EQ(loaded.state, CacheState::valid) << loaded.reason;
    DeviceCache expected = sample_cache();
    expected.root.layers.clear();
    EXPECT_EQ(*loaded.cache, expected);
}

TEST_F(Store, AVersion2CacheWithoutItsRootTableIsNotAFastinitCache) {
    std::filesystem::copy_file(good(), path);
    make_version_1(path);
    set_user_version(path, 2);
    CacheLoad loaded = load_cache(path, kKernel);
    EXPECT_EQ(loaded.state, CacheState::wrong_schema);
    EXPECT_THAT(loaded.reason, HasSubstr("root_modules"));
}

TEST_F(Store, SomeOtherSqliteDatabase) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(exec_sql(db, "CREATE TABLE songs (title TEXT)"), SQLITE_OK);
    sqlite3_close(db);
    CacheLoad loaded = load_cache(path, kKernel);
    EXPECT_EQ(loaded.state, CacheState::wrong_schema);
    EXPECT_THAT(loaded.reason, HasSubstr("not a fastinit device cache"));

    set_user_version(path, kCacheSchemaVersion);  // right number, wrong tables
    loaded = load_cache(path, kKernel);
    EXPECT_EQ(loaded.state, CacheState::wrong_schema);
    EXPECT_THAT(loaded.reason, HasSubstr("it has no table meta"));
}

TEST_F(Store, LockedByAnotherWriterGivesUpQuickly) {
    std::filesystem::copy_file(good(), path);
    sqlite3* writer = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &writer), SQLITE_OK);
    ASSERT_EQ(exec_sql(writer, "BEGIN EXCLUSIVE"), SQLITE_OK);
    ASSERT_EQ(exec_sql(writer, "DELETE FROM probe_timings"), SQLITE_OK);

    auto started = std::chrono::steady_clock::now();
    CacheLoad loaded = load_cache(path, kKernel);
    auto waited = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(loaded.state, CacheState::locked) << loaded.reason;
    EXPECT_THAT(loaded.reason, HasSubstr("locked by another writer"));
    EXPECT_GE(waited, std::chrono::milliseconds(90));
    EXPECT_LT(waited, std::chrono::seconds(2));

    exec_sql(writer, "ROLLBACK");
    sqlite3_close(writer);
    EXPECT_EQ(load_cache(path, kKernel).state, CacheState::valid);
}

TEST_F(Store, WrongKernelStillCarriesTheContents) {
    std::filesystem::copy_file(good(), path);
    CacheLoad loaded = load_cache(path, "6.1.0-57-amd64");
    EXPECT_EQ(loaded.state, CacheState::wrong_kernel);
    EXPECT_EQ(loaded.reason, "the device cache " + path +
                                 " was written for kernel 6.1.0-56-amd64, not 6.1.0-57-amd64");
    ASSERT_TRUE(loaded.cache);
    EXPECT_EQ(loaded.cache->modules.size(), 5u);
}

TEST_F(Store, ReplacingKeepsTheOldFileUntilTheNewOneIsComplete) {
    ASSERT_TRUE(save_cache(path, sample_cache()).ok());
    std::string before = read_bytes(path);

    // The temporary file cannot be written: a directory sits in its place.
    std::filesystem::create_directory(cache_temp_path(path));
    DeviceCache changed = sample_cache();
    changed.modules.clear();
    auto saved = save_cache(path, changed);
    ASSERT_FALSE(saved.ok());
    EXPECT_THAT(saved.error().message, HasSubstr("cannot write the device cache " + path));
    EXPECT_EQ(read_bytes(path), before);
    EXPECT_EQ(load_cache(path, kKernel).cache->modules.size(), 5u);

    std::filesystem::remove(cache_temp_path(path));
    ASSERT_TRUE(save_cache(path, changed).ok());
    EXPECT_TRUE(load_cache(path, kKernel).cache->modules.empty());
}

TEST_F(Store, AStaleTemporaryFileFromACrashIsReused) {
    write_bytes(cache_temp_path(path), "half a database from a crash");
    ASSERT_TRUE(save_cache(path, sample_cache()).ok());
    EXPECT_EQ(load_cache(path, kKernel).state, CacheState::valid);
    EXPECT_FALSE(std::filesystem::exists(cache_temp_path(path)));
}

TEST_F(Store, ASecondWriterGivesUpWhileTheFirstIsWriting) {
    ASSERT_TRUE(save_cache(path, sample_cache()).ok());
    std::string before = read_bytes(path);
    std::string temp = cache_temp_path(path);
    UniqueFd other(::open(temp.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    ASSERT_TRUE(other);
    ASSERT_EQ(::flock(other.get(), LOCK_EX | LOCK_NB), 0);

    auto saved = save_cache(path, DeviceCache{});
    ASSERT_FALSE(saved.ok());
    EXPECT_THAT(saved.error().message, HasSubstr("another process is writing it"));
    EXPECT_EQ(read_bytes(path), before);
    EXPECT_TRUE(std::filesystem::exists(temp)) << "the other writer's file is left alone";
}

TEST_F(Store, RemoveCache) {
    ASSERT_TRUE(save_cache(path, sample_cache()).ok());
    ASSERT_TRUE(remove_cache(path).ok());
    EXPECT_EQ(load_cache(path, kKernel).state, CacheState::missing);
    EXPECT_TRUE(remove_cache(path).ok()) << "removing a missing cache is fine";
}

TEST_F(Store, ReadsThroughAnImmutableUriWhenTheDirectoryIsReadOnly) {
    // Root ignores permission bits, so a read-only mount cannot be faked
    // here; check the URI that path takes instead, with awkward characters.
    std::string odd = dir.file("we?ird#na%me.db");
    ASSERT_TRUE(save_cache(odd, sample_cache()).ok());
    std::string uri = sqlite_file_uri(odd) + "?immutable=1";
    EXPECT_THAT(uri, HasSubstr("we%3Fird%23na%25me.db?immutable=1"));
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2(uri.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr),
              SQLITE_OK);
    Statement statement;
    ASSERT_EQ(statement.prepare(db, "SELECT count(*) FROM modules"), SQLITE_OK);
    ASSERT_EQ(statement.step(), SQLITE_ROW);
    EXPECT_EQ(statement.integer(0), 5);
    statement = Statement();
    sqlite3_close(db);
}

}  // namespace
}  // namespace fastinit
