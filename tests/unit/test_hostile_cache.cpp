// The device cache as a hostile file: whatever it holds, reading it ends
// quickly in "valid" or in a damaged state with one sentence, and what the
// reader hands on can be written as JSON and never names a file outside the
// module tree.
#include <sqlite3.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "base/json_text.h"
#include "base/text.h"
#include "cli/devices_format.h"
#include "device-cache/apply.h"
#include "device-cache/cache_store.h"
#include "device-cache/hostile_db.h"
#include "device-cache/module_path.h"
#include "device-cache/module_tree.h"
#include "device-cache/sqlite_db.h"
#include "tests/unit/device_fakes.h"

namespace fastinit {
namespace {

using namespace fastinit::testing;
using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;

const char kKernel[] = "6.1.0-56-amd64";

DeviceCache small_cache() {
    DeviceCache cache;
    cache.fingerprint.kernel_release = kKernel;
    cache.fingerprint.module_index = "modules.dep.bin=1:2";
    cache.fingerprint.devices = {"platform:pcspkr"};
    cache.modules_dir = "/lib/modules/6.1.0-56-amd64";
    cache.devices = {device("/sys/devices/platform/pcspkr", "platform", "platform:pcspkr")};
    cache.aliases = {{"platform:pcspkr", {"pcspkr"}, {}}};
    cache.modules = {{spec("pcspkr"), LoadStatus::loaded, 0, "", 0, 10, 0}};
    cache.timings = {{0, "load", 100}};
    return cache;
}

class HostileCache : public ::testing::Test {
  protected:
    HostileCache() {
        auto saved = save_cache(path, small_cache());
        EXPECT_TRUE(saved.ok()) << saved.error().message;
    }

    // Changes the saved cache the way someone with a text editor for SQLite
    // files could.
    void tamper(const char* sql) {
        sqlite3* raw = nullptr;
        ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
        SqliteDb db(raw);
        char* error = nullptr;
        int rc = sqlite3_exec(db.get(), sql, nullptr, nullptr, &error);
        std::string message = error ? error : "";
        sqlite3_free(error);
        ASSERT_EQ(rc, SQLITE_OK) << message;
    }

    // Loads the cache and checks that it took no time to find out.
    CacheLoad load() {
        Clock::time_point start = Clock::now();
        CacheLoad loaded = load_cache(path, kKernel);
        EXPECT_LT(Clock::now() - start, std::chrono::seconds(3));
        return loaded;
    }

    TempDir dir;
    std::string path = dir.file("devices.db");
};

TEST_F(HostileCache, TheUntamperedCacheIsValid) {
    CacheLoad loaded = load();
    EXPECT_TRUE(loaded.valid()) << loaded.reason;
}

TEST_F(HostileCache, InvalidUtf8InFieldsStillBecomesJson) {
    DeviceCache cache = small_cache();
    cache.modules[0].reason = "bad \xff\xfe byte";
    cache.modules[0].spec.name = "pc\xc3spkr";
    cache.devices[0].modalias = "platform:\xed\xa0\x80";  // a surrogate
    ASSERT_TRUE(save_cache(path, cache).ok());
    CacheLoad loaded = load();
    ASSERT_TRUE(loaded.valid()) << loaded.reason;
    EXPECT_EQ(loaded.cache->modules[0].reason, "bad \xff\xfe byte");

    nlohmann::json json = cache_to_json(*loaded.cache);
    // What `fastinit devices show --json` did before: dump() throws.
    EXPECT_THROW((void)json.dump(), nlohmann::json::type_error);
    auto text = json_text(json, 2);
    ASSERT_TRUE(text.ok()) << text.error().message;
    EXPECT_TRUE(is_valid_utf8(*text));
    EXPECT_THAT(*text, HasSubstr("bad \xef\xbf\xbd"));  // U+FFFD
}

TEST_F(HostileCache, ARecursiveViewInPlaceOfATableIsDamagedNotAHang) {
    tamper(
        "DROP TABLE modules;"
        "CREATE VIEW modules AS WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) "
        "SELECT 'x' AS name, 'x.ko' AS path, '' AS options, 0 AS matched_by_alias, "
        "'loaded' AS status, 0 AS errno, '' AS reason, 0 AS start_us, 0 AS load_us, "
        "0 AS round, n AS position FROM r;");
    CacheLoad loaded = load();
    EXPECT_EQ(loaded.state, CacheState::wrong_schema);
    EXPECT_THAT(loaded.reason, HasSubstr("view \"modules\""));
}

TEST_F(HostileCache, AViewBesideTheTablesIsDamaged) {
    tamper("CREATE VIEW extra AS SELECT 1;");
    CacheLoad loaded = load();
    EXPECT_EQ(loaded.state, CacheState::wrong_schema);
    EXPECT_THAT(loaded.reason, HasSubstr("it has a view \"extra\", which no fastinit writes"));
}

TEST_F(HostileCache, ATriggerIsDamaged) {
    tamper(
        "CREATE TABLE log (x);"
        "CREATE TRIGGER spy AFTER INSERT ON meta BEGIN INSERT INTO log VALUES (1); END;");
    CacheLoad loaded = load();
    EXPECT_EQ(loaded.state, CacheState::wrong_schema);
    EXPECT_THAT(loaded.reason, HasSubstr("trigger \"spy\""));
}

TEST_F(HostileCache, AVirtualTableIsDamaged) {
    tamper("DROP TABLE devices; CREATE VIRTUAL TABLE devices USING rtree(id, a, b);");
    CacheLoad loaded = load();
    EXPECT_EQ(loaded.state, CacheState::wrong_schema);
    EXPECT_THAT(loaded.reason, HasSubstr("table \"devices"));
}

TEST_F(HostileCache, AMissingTableIsNamed) {
    tamper("DROP TABLE prerequisites;");
    CacheLoad loaded = load();
    EXPECT_EQ(loaded.state, CacheState::wrong_schema);
    EXPECT_THAT(loaded.reason, HasSubstr("it has no table prerequisites"));
}

TEST_F(HostileCache, AHugeFileIsNotRead) {
    ASSERT_EQ(::truncate(path.c_str(), static_cast<off_t>(kMaxCacheFileSize) + 4096), 0);
    CacheLoad loaded = load();
    EXPECT_EQ(loaded.state, CacheState::corrupt);
    EXPECT_THAT(loaded.reason, HasSubstr("more than a cache ever is"));
}

TEST_F(HostileCache, AHugeValueIsDamaged) {
    tamper("UPDATE modules SET reason = hex(zeroblob(1100000));");
    CacheLoad loaded = load();
    EXPECT_EQ(loaded.state, CacheState::corrupt) << loaded.reason;
}

TEST_F(HostileCache, AModulePathLeavingTheTreeIsDamaged) {
    for (const char* escape : {"../../../etc/shadow", "/etc/shadow", "kernel/../../x.ko"}) {
        DeviceCache cache = small_cache();
        cache.modules[0].spec.path = escape;
        ASSERT_TRUE(save_cache(path, cache).ok());
        CacheLoad loaded = load();
        EXPECT_EQ(loaded.state, CacheState::corrupt) << escape;
        EXPECT_THAT(loaded.reason, HasSubstr("leaves the module tree")) << escape;
        EXPECT_FALSE(loaded.cache) << escape;
    }
}

TEST_F(HostileCache, ItsBytesInMemoryReadTheSameAsTheFile) {
    auto bytes = read_file(path);
    ASSERT_TRUE(bytes.ok());
    CacheLoad image = load_cache_image(*bytes, "image", kKernel);
    ASSERT_TRUE(image.valid()) << image.reason;
    EXPECT_EQ(*image.cache, *load().cache);
    EXPECT_EQ(load_cache_image(bytes->substr(0, 60), "image", kKernel).state,
              CacheState::truncated);
    EXPECT_EQ(load_cache_image("", "image", kKernel).state, CacheState::empty);
}

TEST(QueryBudget, StopsAStatementThatWouldRunForEver) {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(":memory:", &raw), SQLITE_OK);
    SqliteDb db(raw);
    QueryBudget budget(db.get(), 1'000'000, std::chrono::seconds(10));
    Statement endless;
    ASSERT_EQ(endless.prepare(db.get(),
                              "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) "
                              "SELECT count(*) FROM r"),
              SQLITE_OK);
    EXPECT_EQ(endless.step(), SQLITE_INTERRUPT);
    EXPECT_TRUE(budget.exceeded());
    EXPECT_EQ(budget.why(), "more than 1000000 steps");
}

TEST(QueryBudget, StopsAtTheDeadline) {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(":memory:", &raw), SQLITE_OK);
    SqliteDb db(raw);
    QueryBudget budget(db.get(), UINT64_MAX, std::chrono::milliseconds(50));
    Statement endless;
    ASSERT_EQ(endless.prepare(db.get(),
                              "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) "
                              "SELECT count(*) FROM r"),
              SQLITE_OK);
    Clock::time_point start = Clock::now();
    EXPECT_EQ(endless.step(), SQLITE_INTERRUPT);
    EXPECT_LT(Clock::now() - start, std::chrono::seconds(2));
    EXPECT_EQ(budget.why(), "more than 50 ms");
}

TEST(HardenedConnection, RunsNoView) {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(":memory:", &raw), SQLITE_OK);
    SqliteDb db(raw);
    ASSERT_EQ(exec_sql(db.get(), "CREATE VIEW v AS SELECT 1"), SQLITE_OK);
    ASSERT_EQ(harden_connection(db.get(), 1000), SQLITE_OK);
    Statement query;
    EXPECT_NE(query.prepare(db.get(), "SELECT * FROM v"), SQLITE_OK);
}

TEST(ModulePath, TheRule) {
    EXPECT_EQ(module_path_problem("kernel/drivers/block/virtio_blk.ko"), "");
    EXPECT_EQ(module_path_problem("updates/..x/y.ko"), "");  // a name, not ".."
    EXPECT_EQ(module_path_problem(""), "it is empty");
    EXPECT_EQ(module_path_problem("/lib/x.ko"), "it is absolute");
    EXPECT_EQ(module_path_problem(".."), "it has a \"..\" component");
    EXPECT_EQ(module_path_problem("kernel/../../x.ko"), "it has a \"..\" component");
    EXPECT_EQ(module_path_problem("kernel/x.ko/.."), "it has a \"..\" component");
    EXPECT_EQ(module_path_problem(std::string_view("a\0b", 3)), "it has a control character");
}

class ModuleTreeCopy : public ::testing::Test {
  protected:
    ModuleTreeCopy() {
        std::filesystem::create_directories(from + "/kernel");
        std::ofstream(from + "/modules.dep.bin") << "index";
        std::ofstream(from + "/kernel/a.ko") << "ELF";
        std::ofstream(dir.file("secret")) << "not a module";
        std::filesystem::create_symlink(dir.file("secret"), from + "/kernel/evil.ko");
        std::filesystem::create_directory_symlink(dir.path(), from + "/kernel/up");
    }
    TempDir dir;
    std::string from = dir.file("tree/6.1.0-56-amd64");
    std::string to = dir.file("copy/6.1.0-56-amd64");
};

TEST_F(ModuleTreeCopy, CopiesWhatIsInside) {
    auto copied = copy_module_tree_part(module_tree_at(from), to, {"kernel/a.ko"});
    ASSERT_TRUE(copied.ok()) << copied.error().message;
    EXPECT_TRUE(std::filesystem::exists(to + "/kernel/a.ko"));
}

TEST_F(ModuleTreeCopy, RefusesWhatLeavesTheTree) {
    for (const char* escape : {"../../secret", "kernel/evil.ko", "kernel/up/secret"}) {
        auto copied = copy_module_tree_part(module_tree_at(from), to, {escape});
        ASSERT_FALSE(copied.ok()) << escape;
        EXPECT_THAT(copied.error().message, HasSubstr("leaves the module tree")) << escape;
    }
    EXPECT_FALSE(std::filesystem::exists(dir.file("copy/secret")));
    EXPECT_FALSE(std::filesystem::exists(to + "/kernel/evil.ko"));
}

TEST_F(ModuleTreeCopy, ASymlinkOutOfTheTreeCountsAsAMissingFile) {
    DeviceCache cache;
    cache.modules = {{spec("a"), LoadStatus::loaded, 0, "", 0, 1, 0},
                     {spec("evil"), LoadStatus::loaded, 0, "", 0, 1, 0}};
    EXPECT_THAT(missing_module_files(cache, from), ::testing::ElementsAre("kernel/evil.ko"));
}

}  // namespace
}  // namespace fastinit
