// Replays a fuzzer's committed corpus through its LLVMFuzzerTestOneInput, without libFuzzer. The wasm build links
// one of these per fuzzer (fuzz_<name>_replay.js, CTest label wasm), so every seed input also runs as the page's
// wasm32 code runs it: 32-bit long and size_t, no sanitizers. A crash, trap, abort or escaping exception in the
// target fails the run, and so does a corpus folder that is missing or holds no file.
//   node --no-experimental-fetch fuzz_tfjs_replay.js tests/fuzz/corpus/tfjs
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace fs = std::filesystem;

namespace {

bool read_file(const fs::path& path, std::vector<std::uint8_t>& bytes) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return false;
    std::uint8_t chunk[1 << 16];
    for (std::size_t n; (n = std::fread(chunk, 1, sizeof chunk, f)) > 0;) bytes.insert(bytes.end(), chunk, chunk + n);
    const bool ok = !std::ferror(f);
    std::fclose(f);
    return ok;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s CORPUS_FOLDER\n", argv[0]);
        return 2;
    }
    const fs::path folder = argv[1];
    std::error_code error;
    if (!fs::is_directory(folder, error)) {
        std::fprintf(stderr, "replay: the corpus folder %s is missing (or not a folder)\n", folder.c_str());
        return 1;
    }
    std::vector<fs::path> inputs;
    for (fs::directory_iterator it(folder, error), end; !error && it != end; it.increment(error))
        if (it->is_regular_file(error)) inputs.push_back(it->path());
    if (error) {
        std::fprintf(stderr, "replay: cannot list %s: %s\n", folder.c_str(), error.message().c_str());
        return 1;
    }
    if (inputs.empty()) {
        std::fprintf(stderr, "replay: the corpus folder %s holds no input\n", folder.c_str());
        return 1;
    }
    std::sort(inputs.begin(), inputs.end());  // the same order in every run
    for (const fs::path& path : inputs) {
        std::vector<std::uint8_t> bytes;
        if (!read_file(path, bytes)) {
            std::fprintf(stderr, "replay: cannot read %s\n", path.c_str());
            return 1;
        }
        std::printf("  %s (%zu bytes)\n", path.filename().c_str(), bytes.size());
        std::fflush(stdout);  // the last name printed is the input that crashed, if one does
        static const std::uint8_t no_bytes = 0;  // libFuzzer never passes a null pointer, not even for an empty input
        LLVMFuzzerTestOneInput(bytes.empty() ? &no_bytes : bytes.data(), bytes.size());
    }
    std::printf("replayed %zu input%s of %s\n", inputs.size(), inputs.size() == 1 ? "" : "s", folder.c_str());
    return 0;
}
