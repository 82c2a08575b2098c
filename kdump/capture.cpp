#include "kdump/capture.h"

namespace fastinit {
namespace {

std::string first_executable(CaptureOps& ops, const std::vector<std::string>& paths) {
    for (const std::string& path : paths)
        if (ops.is_executable(path))
            return path;
    return "";
}

// The capture's directory, a new one: a second capture in the same second
// (a crash loop) gets a suffix rather than mixing files with the first.
Result<std::string> new_directory(CaptureOps& ops, const std::string& parent,
                                  const std::string& name) {
    Result<void> made = Error{"", 0};
    for (int n = 0; n < 100; ++n) {
        std::string path = parent + "/" + name + (n ? "-" + std::to_string(n) : "");
        made = ops.make_new_directory(path);
        if (made)
            return path;
        if (made.error().errno_value != EEXIST)
            break;
    }
    return made.error();
}

}  // namespace

std::vector<std::string> makedumpfile_argv(const std::string& program, const KdumpConfig& config,
                                           const std::string& vmcore, const std::string& out) {
    std::vector<std::string> argv{program};
    if (config.compress == KdumpCompression::lzo)
        argv.push_back("-l");
    else if (config.compress == KdumpCompression::zlib)
        argv.push_back("-c");
    argv.push_back("-d");
    argv.push_back(std::to_string(config.dump_level));
    argv.push_back(vmcore);
    argv.push_back(out);
    return argv;
}

CaptureResult capture_dump(CaptureOps& ops, const KdumpConfig& config, const std::string& root,
                           const std::string& vmcore) {
    CaptureResult result;
    DumpRecord& record = result.record;
    long long started = ops.now_us();
    record.captured_at = ops.epoch_seconds();
    record.kernel = ops.kernel_release();
    auto directory =
        new_directory(ops, root + config.target, dump_directory_name(record.captured_at));
    if (!directory) {
        record.problems.push_back("cannot make a directory under " + config.target + ": " +
                                  directory.error().message);
        return result;  // nowhere to write: nothing more to do
    }
    result.directory = *directory;
    const std::string& dir = *directory;

    // The vmcore, under a name that says "unfinished" until it is whole.
    std::string partial = dir + "/vmcore.incomplete";
    std::string makedumpfile = first_executable(ops, kMakedumpfilePaths);
    bool saved = false;
    if (!makedumpfile.empty()) {
        auto argv = makedumpfile_argv(makedumpfile, config, vmcore, partial);
        if (auto ran = ops.run(argv, ""); ran) {
            saved = true;
            record.method = "makedumpfile";
            for (size_t i = 1; i + 2 < argv.size(); ++i)
                record.method += " " + argv[i];
        } else {
            record.problems.push_back("makedumpfile failed (" + ran.error().message +
                                      "); copying " + vmcore + " instead");
        }
    } else {
        record.problems.push_back(
            "no makedumpfile in this image (mkinitramfs --kdump adds it): the dump is a "
            "plain copy, unfiltered");
    }
    if (!saved) {
        if (auto copied = ops.copy_sparse(vmcore, partial); copied) {
            saved = true;
            record.method = "copy of " + vmcore;
        } else {
            record.problems.push_back("cannot copy " + vmcore + ": " + copied.error().message);
            // A full disk, most likely: what was written of the dump would
            // leave no room for the log and the record, worth more now.
            if (ops.remove(partial))
                record.problems.push_back("removed the partial dump to make room for the log");
        }
    }
    if (saved) {
        if (auto renamed = ops.rename(partial, dir + "/vmcore"); renamed) {
            record.vmcore = "vmcore";
            if (auto size = ops.file_size(dir + "/vmcore"))
                record.vmcore_bytes = *size;
        } else {
            record.problems.push_back("cannot rename the dump: " + renamed.error().message);
        }
    }
    // Durable before the log is tried: the dump is what matters most.
    ops.sync();

    // The crashed kernel's log.
    std::string dmesg = dir + "/dmesg.txt";
    Result<void> logged = Error{"neither makedumpfile nor vmcore-dmesg is in this image", ENOENT};
    if (!makedumpfile.empty()) {
        logged = ops.run({makedumpfile, "--dump-dmesg", vmcore, dmesg}, "");
    } else if (std::string reader = first_executable(ops, kVmcoreDmesgPaths); !reader.empty()) {
        logged = ops.run({reader, vmcore}, dmesg);
    }
    if (logged)
        record.dmesg = "dmesg.txt";
    else
        record.problems.push_back("the crashed kernel's log was not saved: " +
                                  logged.error().message);

    record.seconds = static_cast<double>(ops.now_us() - started) / 1e6;
    if (auto written = ops.write_file(dir + "/" + kDumpRecordName, dump_record_text(record));
        written)
        result.record_written = true;
    else
        record.problems.push_back("cannot write the record: " + written.error().message);
    ops.sync();
    return result;
}

}  // namespace fastinit
