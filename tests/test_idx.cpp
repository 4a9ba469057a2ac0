// IDX parsing, gunzip and file loading: good files, every malformed kind, and the real t10k set.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include "data/idx.h"
#include "test_data_helpers.h"

using namespace convpad;
using Catch::Contains;
using convpad_test::idx_images;
using convpad_test::idx_labels;

TEST_CASE("IDX images: a good file parses", "[idx]") {
    // 2 images of 3x4, pixel value = index
    std::vector<std::uint8_t> pixels(24);
    for (int i = 0; i < 24; ++i) pixels[i] = std::uint8_t(i * 10);
    auto bytes = idx_images(2, 3, 4, pixels);
    IdxImages img = parse_idx_images(bytes.data(), bytes.size(), "good.idx");
    CHECK(img.count == 2);
    CHECK(img.rows == 3);
    CHECK(img.cols == 4);
    CHECK(img.pixels == pixels);
}

TEST_CASE("IDX labels: a good file parses", "[idx]") {
    auto bytes = idx_labels({0, 9, 3, 3, 7});
    IdxLabels lab = parse_idx_labels(bytes.data(), bytes.size(), 10, "good.idx");
    CHECK(lab.labels == std::vector<std::uint8_t>{0, 9, 3, 3, 7});
}

TEST_CASE("IDX: truncated headers", "[idx]") {
    auto images = idx_images(1, 2, 2, {1, 2, 3, 4});
    REQUIRE_THROWS_AS(parse_idx_images(images.data(), 0, "t.idx"), DataError);
    REQUIRE_THROWS_WITH(parse_idx_images(images.data(), 3, "t.idx"), Contains("truncated header") && Contains("t.idx"));
    REQUIRE_THROWS_WITH(parse_idx_images(images.data(), 10, "t.idx"),
                        Contains("truncated header") && Contains("10 bytes") && Contains("needs 16"));
    auto labels = idx_labels({1, 2});
    REQUIRE_THROWS_WITH(parse_idx_labels(labels.data(), 6, 10, "l.idx"),
                        Contains("truncated header") && Contains("l.idx"));
}

TEST_CASE("IDX: truncated pixels and labels", "[idx]") {
    auto images = idx_images(2, 3, 4, std::vector<std::uint8_t>(24, 7));
    REQUIRE_THROWS_WITH(parse_idx_images(images.data(), images.size() - 4, "short.idx"),
                        Contains("short.idx") && Contains("expected 24 bytes of pixels, file has 20"));
    auto labels = idx_labels({1, 2, 3});
    REQUIRE_THROWS_WITH(parse_idx_labels(labels.data(), labels.size() - 1, 10, "short.idx"),
                        Contains("expected 3 bytes of labels, file has 2"));
}

TEST_CASE("IDX: trailing bytes are rejected", "[idx]") {
    auto images = idx_images(1, 2, 2, {1, 2, 3, 4});
    images.push_back(0);
    REQUIRE_THROWS_WITH(parse_idx_images(images.data(), images.size(), "long.idx"),
                        Contains("trailing garbage") && Contains("1 bytes"));
    auto labels = idx_labels({1});
    labels.insert(labels.end(), {0, 0, 0});
    REQUIRE_THROWS_WITH(parse_idx_labels(labels.data(), labels.size(), 10, "long.idx"),
                        Contains("trailing garbage") && Contains("3 bytes"));
}

TEST_CASE("IDX: wrong magic", "[idx]") {
    auto images = idx_images(1, 2, 2, {1, 2, 3, 4});
    images[0] = 0x50;  // 'P', as in a PNG or PGM mistaken for IDX
    REQUIRE_THROWS_WITH(parse_idx_images(images.data(), images.size(), "m.idx"),
                        Contains("m.idx") && Contains("bad magic") && Contains("not an IDX file"));
    // A labels file where images are expected, and vice versa.
    auto labels = idx_labels({1, 2});
    REQUIRE_THROWS_WITH(parse_idx_images(labels.data(), labels.size(), "swap.idx"),
                        Contains("bad magic 0x00000801") && Contains("labels file"));
    auto good_images = idx_images(1, 2, 2, {1, 2, 3, 4});
    REQUIRE_THROWS_WITH(parse_idx_labels(good_images.data(), good_images.size(), 10, "swap.idx"),
                        Contains("bad magic 0x00000803") && Contains("images file"));
}

TEST_CASE("IDX: wrong data type", "[idx]") {
    auto images = idx_images(1, 2, 2, {1, 2, 3, 4});
    images[2] = 0x0D;  // float
    REQUIRE_THROWS_WITH(parse_idx_images(images.data(), images.size(), "f.idx"),
                        Contains("data type 0x0D") && Contains("not unsigned byte"));
    auto labels = idx_labels({1});
    labels[2] = 0x0C;  // int32
    REQUIRE_THROWS_WITH(parse_idx_labels(labels.data(), labels.size(), 10, "f.idx"), Contains("data type 0x0C"));
}

TEST_CASE("IDX: wrong number of dimensions", "[idx]") {
    auto images = idx_images(1, 2, 2, {1, 2, 3, 4});
    images[3] = 2;
    REQUIRE_THROWS_WITH(parse_idx_images(images.data(), images.size(), "d.idx"),
                        Contains("2 dimensions, expected 3"));
    auto labels = idx_labels({1});
    labels[3] = 4;
    REQUIRE_THROWS_WITH(parse_idx_labels(labels.data(), labels.size(), 10, "d.idx"),
                        Contains("4 dimensions, expected 1"));
}

TEST_CASE("IDX: zero and absurd dimensions", "[idx]") {
    auto zero = idx_images(0, 28, 28, {});
    REQUIRE_THROWS_WITH(parse_idx_images(zero.data(), zero.size(), "z.idx"), Contains("zero dimension"));
    auto zero_rows = idx_images(3, 0, 28, {});
    REQUIRE_THROWS_WITH(parse_idx_images(zero_rows.data(), zero_rows.size(), "z.idx"), Contains("zero dimension"));
    auto no_labels = idx_labels({});
    REQUIRE_THROWS_WITH(parse_idx_labels(no_labels.data(), no_labels.size(), 10, "z.idx"),
                        Contains("zero dimension"));

    // 0xFFFFFFFF^3 overflows 64 bits; 65536 * 65536 * 1 is 4 GiB; both must be refused without allocating.
    auto huge = idx_images(1, 1, 1, {0});
    for (int i = 4; i < 16; ++i) huge[i] = 0xFF;
    REQUIRE_THROWS_WITH(parse_idx_images(huge.data(), huge.size(), "h.idx"), Contains("absurd dimensions"));
    auto big = idx_images(65536, 65536, 1, {});
    REQUIRE_THROWS_WITH(parse_idx_images(big.data(), big.size(), "h.idx"), Contains("absurd dimensions"));
    auto many_labels = idx_labels({});
    for (int i = 4; i < 8; ++i) many_labels[i] = 0xFF;
    REQUIRE_THROWS_WITH(parse_idx_labels(many_labels.data(), many_labels.size(), 10, "h.idx"),
                        Contains("absurd dimensions"));
}

// The header's sizes are multiplied in 64 bits: in wasm32's 32-bit size_t these files would look whole.
// The wasm runner executes this case too, so both builds refuse them with the same words.
TEST_CASE("IDX: sizes whose product wraps 32 bits are refused alike in every build", "[idx]") {
    // 65537 * 65536 * 1 = 2^32 + 65536, which 32 bits read as the 65536 pixels that follow.
    auto wraps = idx_images(65537, 65536, 1, std::vector<std::uint8_t>(65536, 7));
    REQUIRE_THROWS_WITH(parse_idx_images(wraps.data(), wraps.size(), "w.idx"),
                        Contains("absurd dimensions: 65537 images of 65536x1 exceed the 2147483647-byte limit"));
    // 2^31 + 1 images: a negative count in an int.
    auto negative = idx_images(0x80000001u, 1, 1, {1});
    REQUIRE_THROWS_WITH(parse_idx_images(negative.data(), negative.size(), "w.idx"),
                        Contains("absurd dimensions: 2147483649 images of 1x1 exceed"));
    auto labels = idx_labels({1});
    labels[4] = 0x80;  // 2^31 + 1 labels
    REQUIRE_THROWS_WITH(parse_idx_labels(labels.data(), labels.size(), 10, "w.idx"),
                        Contains("absurd dimensions: 2147483649 labels exceed the 2147483647-byte limit"));
}

TEST_CASE("IDX: label out of range names the label and its index", "[idx]") {
    std::vector<std::uint8_t> values(400, 3);
    values[345] = 12;
    auto labels = idx_labels(values);
    REQUIRE_THROWS_WITH(parse_idx_labels(labels.data(), labels.size(), 10, "bad-labels.idx"),
                        Contains("bad-labels.idx") && Contains("label 12 at index 345 is out of range 0..9"));
    // The same file is fine with 13 classes.
    CHECK(parse_idx_labels(labels.data(), labels.size(), 13, "x").labels.size() == 400);
}

TEST_CASE("IDX: gzip bytes passed to the parser are recognised", "[idx]") {
    std::vector<std::uint8_t> gz = {0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0, 0};
    CHECK(is_gzip(gz.data(), gz.size()));
    CHECK_FALSE(is_gzip(gz.data(), 1));
    REQUIRE_THROWS_WITH(parse_idx_images(gz.data(), gz.size(), "g.idx"), Contains("gzip-compressed"));
}

#ifdef CONVPAD_HAVE_ZLIB

TEST_CASE("gunzip: round trip, multi-member, limits", "[idx]") {
    std::vector<std::uint8_t> raw = idx_images(3, 28, 28, std::vector<std::uint8_t>(3 * 784, 42));
    auto gz = convpad_test::gzip(raw);
    REQUIRE(is_gzip(gz.data(), gz.size()));
    CHECK(gunzip(gz.data(), gz.size(), "a.gz") == raw);

    // `cat a.gz b.gz` is a valid gzip file holding both.
    auto twice = gz;
    twice.insert(twice.end(), gz.begin(), gz.end());
    auto both = raw;
    both.insert(both.end(), raw.begin(), raw.end());
    CHECK(gunzip(twice.data(), twice.size(), "ab.gz") == both);

    REQUIRE_THROWS_WITH(gunzip(gz.data(), gz.size(), "a.gz", 1000),
                        Contains("a.gz") && Contains("exceeds the limit of 1000 bytes"));
    REQUIRE_THROWS_WITH(gunzip(raw.data(), raw.size(), "raw.idx"), Contains("not gzip"));
}

TEST_CASE("gunzip: corrupt and truncated streams", "[idx]") {
    std::vector<std::uint8_t> raw(5000);
    for (std::size_t i = 0; i < raw.size(); ++i) raw[i] = std::uint8_t(i * 7 + i / 13);
    auto gz = convpad_test::gzip(raw);

    auto truncated = std::vector<std::uint8_t>(gz.begin(), gz.begin() + gz.size() / 2);
    REQUIRE_THROWS_WITH(gunzip(truncated.data(), truncated.size(), "cut.gz"),
                        Contains("cut.gz") && Contains("truncated gzip"));
    // Cutting off only the 8-byte trailer (CRC + size) is still truncation.
    auto no_trailer = std::vector<std::uint8_t>(gz.begin(), gz.end() - 8);
    REQUIRE_THROWS_WITH(gunzip(no_trailer.data(), no_trailer.size(), "cut.gz"), Contains("truncated gzip"));

    auto corrupt = gz;
    corrupt[2] = 0x07;  // compression method must be 8 (deflate)
    REQUIRE_THROWS_WITH(gunzip(corrupt.data(), corrupt.size(), "bad.gz"), Contains("corrupt gzip"));
    auto bad_crc = gz;
    bad_crc[bad_crc.size() - 6] ^= 0xFF;
    REQUIRE_THROWS_WITH(gunzip(bad_crc.data(), bad_crc.size(), "bad.gz"), Contains("corrupt gzip"));
    auto bad_body = gz;
    for (std::size_t i = 10; i < 40; ++i) bad_body[i] = 0xFF;
    REQUIRE_THROWS_AS(gunzip(bad_body.data(), bad_body.size(), "bad.gz"), DataError);

    auto trailing = gz;
    trailing.insert(trailing.end(), {1, 2, 3});
    REQUIRE_THROWS_WITH(gunzip(trailing.data(), trailing.size(), "t.gz"), Contains("trailing garbage"));
}

#else

TEST_CASE("gunzip: explains that this build has no zlib", "[idx]") {
    std::vector<std::uint8_t> gz = {0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0, 0};
    REQUIRE_THROWS_WITH(gunzip(gz.data(), gz.size(), "x.gz"),
                        Contains("x.gz") && Contains("gzip is unsupported in this build"));
}

#endif

TEST_CASE("read_file_bytes: missing and unreadable files", "[idx]") {
    REQUIRE_THROWS_WITH(read_file_bytes("/nonexistent/convpad/nothing.idx"),
                        Contains("/nonexistent/convpad/nothing.idx") && Contains("cannot open file") &&
                            Contains("No such file"));
    convpad_test::TempDir dir;
    REQUIRE_THROWS_WITH(read_file_bytes(dir.path), Contains("cannot"));
}

TEST_CASE("load_idx_*: raw and gzip files on disk", "[idx]") {
    convpad_test::TempDir dir;
    auto images = idx_images(2, 2, 3, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
    auto labels = idx_labels({4, 5});
    dir.write("img", images);
    dir.write("lab", labels);
    CHECK(load_idx_images(dir.file("img")).pixels == std::vector<std::uint8_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
    CHECK(load_idx_labels(dir.file("lab"), 10).labels == std::vector<std::uint8_t>{4, 5});
    REQUIRE_THROWS_WITH(load_idx_labels(dir.file("lab"), 5), Contains("label 5 at index 1 is out of range 0..4"));

#ifdef CONVPAD_HAVE_ZLIB
    dir.write("img.gz", convpad_test::gzip(images));
    CHECK(load_idx_images(dir.file("img.gz")).count == 2);
    CHECK(read_file_bytes(dir.file("img.gz")) == images);
#else
    dir.write("img.gz", std::vector<std::uint8_t>{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0});
    REQUIRE_THROWS_WITH(load_idx_images(dir.file("img.gz")), Contains("gzip is unsupported"));
#endif
}

TEST_CASE("IDX: the real Fashion-MNIST t10k files", "[idx]") {
    const std::string dir = CONVPAD_DATA_DIR;
    const std::string labels_path = dir + "/t10k-labels-idx1-ubyte.gz";
    const std::string images_path = dir + "/t10k-images-idx3-ubyte.gz";
    struct stat st {};
    if (::stat(labels_path.c_str(), &st) != 0) {
        WARN("skipped: " << labels_path << " not found (apt-get install dataset-fashion-mnist)");
        return;
    }
#ifdef CONVPAD_HAVE_ZLIB
    IdxLabels labels = load_idx_labels(labels_path, 10);
    REQUIRE(labels.labels.size() == 10000);
    std::vector<int> histogram(10, 0);
    for (std::uint8_t l : labels.labels) ++histogram[l];
    CHECK(histogram == std::vector<int>(10, 1000));

    IdxImages images = load_idx_images(images_path);
    CHECK(images.count == 10000);
    CHECK(images.rows == 28);
    CHECK(images.cols == 28);
    REQUIRE(images.pixels.size() == 10000u * 784u);
    // Fashion-MNIST is white-on-black with a black frame: the corner pixel of the first image is 0.
    CHECK(images.pixels[0] == 0);
#else
    // This build cannot gunzip; it must say so rather than misparse.
    REQUIRE_THROWS_WITH(load_idx_labels(labels_path, 10), Contains("gzip is unsupported"));
#endif
}
