// Builders for the data tests: IDX byte buffers, gzip, and a scratch folder on the real file system
// (the wasm test runner uses NODERAWFS, so the same paths work there).
#pragma once
#include <cstdint>
#include <cstdio>
#include <random>
#include <stdexcept>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#ifdef CONVPAD_HAVE_ZLIB
#include <zlib.h>
#endif

#include "data/dataset.h"
#include "train/trainer.h"

namespace convpad_test {

// The first `count` images of a data set.
inline convpad::Dataset first_images(const convpad::Dataset& d, int count) {
    convpad::Dataset out;
    out.images.assign(d.images.begin(), d.images.begin() + std::size_t(count) * convpad::kImagePixels);
    out.labels.assign(d.labels.begin(), d.labels.begin() + count);
    return out;
}

// One fixed-seed training run of the seed CNN (no early stopping), for the golden end-to-end tests.
struct GoldenRun {
    std::vector<float> weights;
    std::vector<double> losses;  // one per optimiser step
    convpad::EpochReport last_epoch;
};
inline GoldenRun train_seed_cnn(const convpad::Dataset& train, const convpad::Dataset& val, int epochs,
                                int batch_size, std::uint64_t seed, const std::string& arch = convpad::kDefaultArch,
                                convpad::TrainConfig config = {}) {
    convpad::Model model(arch, seed);
    config.epochs = epochs;
    config.batch_size = batch_size;
    config.patience = 0;
    config.seed = seed;
    convpad::Trainer trainer(model, train, val, config);
    GoldenRun run;
    trainer.on_step = [&](const convpad::StepReport& s) { run.losses.push_back(s.loss); };
    trainer.run();
    run.weights = model.weights();
    run.last_epoch = trainer.history().back();
    return run;
}

// Fashion-MNIST for the end-to-end tests: Debian's .gz files natively; the wasm build has no zlib,
// so CMake unpacks a copy for it.
inline std::string fashion_mnist_dir() {
#ifdef CONVPAD_HAVE_ZLIB
    return CONVPAD_DATA_DIR;
#else
    return CONVPAD_RAW_DATA_DIR;
#endif
}

// MNIST digits as tools/data/digits.mjs made them for this build (gzipped natively, raw for wasm).
inline std::string digits_dir() { return CONVPAD_DIGITS_DIR; }

inline void put_be32(std::vector<std::uint8_t>& out, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(std::uint8_t(v >> shift));
}

inline std::vector<std::uint8_t> idx_images(std::uint32_t count, std::uint32_t rows, std::uint32_t cols,
                                            const std::vector<std::uint8_t>& pixels) {
    std::vector<std::uint8_t> out = {0, 0, 0x08, 3};
    put_be32(out, count);
    put_be32(out, rows);
    put_be32(out, cols);
    out.insert(out.end(), pixels.begin(), pixels.end());
    return out;
}

inline std::vector<std::uint8_t> idx_labels(const std::vector<std::uint8_t>& labels) {
    std::vector<std::uint8_t> out = {0, 0, 0x08, 1};
    put_be32(out, std::uint32_t(labels.size()));
    out.insert(out.end(), labels.begin(), labels.end());
    return out;
}

#ifdef CONVPAD_HAVE_ZLIB
inline std::vector<std::uint8_t> gzip(const std::vector<std::uint8_t>& raw) {
    z_stream zs{};
    if (deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        throw std::runtime_error("deflateInit2 failed");
    std::vector<std::uint8_t> out(deflateBound(&zs, uLong(raw.size())) + 32);
    zs.next_in = const_cast<Bytef*>(raw.data());
    zs.avail_in = uInt(raw.size());
    zs.next_out = out.data();
    zs.avail_out = uInt(out.size());
    int rc = deflate(&zs, Z_FINISH);
    deflateEnd(&zs);
    if (rc != Z_STREAM_END) throw std::runtime_error("deflate failed");
    out.resize(zs.total_out);
    return out;
}
#endif

// A fresh folder under /tmp, removed with its files at the end of the test.
struct TempDir {
    std::string path;
    std::vector<std::string> files;
    TempDir() {
        std::random_device rd;
        path = "/tmp/convpad-test-" + std::to_string(rd()) + std::to_string(rd());
        if (::mkdir(path.c_str(), 0700) != 0) throw std::runtime_error("cannot create " + path);
    }
    ~TempDir() {
        for (const std::string& f : files) std::remove(f.c_str());
        ::rmdir(path.c_str());
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    std::string file(const std::string& name) const { return path + "/" + name; }
    void write(const std::string& name, const std::vector<std::uint8_t>& bytes) {
        std::string p = file(name);
        std::FILE* f = std::fopen(p.c_str(), "wb");
        if (!f) throw std::runtime_error("cannot write " + p);
        std::fwrite(bytes.data(), 1, bytes.size(), f);
        std::fclose(f);
        files.push_back(p);
    }
};

}  // namespace convpad_test
