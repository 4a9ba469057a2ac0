// Training-time augmentation (train/augment.h): what each option does to an image, that the result depends
// on the random stream alone, and that the trainer applies it to training images only, reproducibly.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "data/dataset.h"
#include "engine/rng.h"
#include "kernels/parallel.h"
#include "train/augment.h"
#include "train/evaluator.h"
#include "train/trainer.h"

using namespace convpad;
using Catch::Matchers::Contains;

namespace {

using Image = std::array<float, kImagePixels>;  // (28, 28)

float& at(Image& img, int x, int y) { return img[std::size_t(y) * kImageSide + x]; }
float at(const Image& img, int x, int y) { return img[std::size_t(y) * kImageSide + x]; }

Image random_image(std::uint64_t seed) {
    Rng rng(seed);
    Image img;
    for (float& v : img) v = rng.uniform();
    return img;
}

// A lopsided blob well inside the frame: a 6x4 block with a brighter tail, so mirroring changes it.
Image blob() {
    Image img{};
    for (int y = 12; y < 16; ++y)
        for (int x = 11; x < 17; ++x) at(img, x, y) = 0.8f;
    at(img, 17, 13) = at(img, 18, 13) = 1.0f;
    return img;
}

Image augment(const Image& in, const Augmentation& a, std::uint64_t seed) {
    Rng rng(seed, 7);
    Image out;
    augment_image(in.data(), out.data(), a, rng);
    return out;
}

Image mirrored(const Image& in) {
    Image out;
    for (int y = 0; y < kImageSide; ++y)
        for (int x = 0; x < kImageSide; ++x) at(out, x, y) = at(in, kImageSide - 1 - x, y);
    return out;
}

bool identical(const Image& a, const Image& b) { return std::memcmp(a.data(), b.data(), sizeof(float) * a.size()) == 0; }

struct Moments {
    double mass = 0, cx = 0, cy = 0;
    double angle_degrees = 0;  // of the principal axis, in (-90, 90]
    double spread = 0;         // root-mean-square distance from the centre of mass
};

Moments moments(const Image& img) {
    Moments m;
    for (int y = 0; y < kImageSide; ++y)
        for (int x = 0; x < kImageSide; ++x) {
            const double v = at(img, x, y);
            m.mass += v;
            m.cx += v * x;
            m.cy += v * y;
        }
    m.cx /= m.mass;
    m.cy /= m.mass;
    double xx = 0, yy = 0, xy = 0;
    for (int y = 0; y < kImageSide; ++y)
        for (int x = 0; x < kImageSide; ++x) {
            const double v = at(img, x, y), dx = x - m.cx, dy = y - m.cy;
            xx += v * dx * dx;
            yy += v * dy * dy;
            xy += v * dx * dy;
        }
    m.angle_degrees = 0.5 * std::atan2(2 * xy, xx - yy) * 180.0 / 3.14159265358979323846;
    m.spread = std::sqrt((xx + yy) / m.mass);
    return m;
}

// Two classes a small net learns quickly: a bright bar across the top or down the left side.
Dataset bars(int count, std::uint64_t seed) {
    Rng rng(seed);
    Dataset d;
    d.images.assign(std::size_t(count) * kImagePixels, 0.0f);
    d.labels.resize(count);
    for (int i = 0; i < count; ++i) {
        const int cls = int(rng.below(2));
        float* img = d.images.data() + std::size_t(i) * kImagePixels;
        const int offset = 4 + int(rng.below(6));
        for (int k = 4; k < 24; ++k) {
            if (cls == 0) img[offset * kImageSide + k] = img[(offset + 1) * kImageSide + k] = 0.5f + 0.5f * rng.uniform();
            else img[k * kImageSide + offset] = img[k * kImageSide + offset + 1] = 0.5f + 0.5f * rng.uniform();
        }
        d.labels[i] = std::uint8_t(cls);
    }
    return d;
}

Augmentation everything() {
    Augmentation a;
    a.shift = 2;
    a.rotate = 10;
    a.scale = 0.1f;
    a.flip = true;
    a.drawn = 0.3f;
    return a;
}

struct Run {
    std::vector<float> weights;
    std::vector<double> losses;
};

Run train_bars(const Dataset& train, const Dataset& val, const Augmentation& augment, std::uint64_t seed) {
    Model model("conv4k3-relu-pool2-flatten-dense10", 5);
    TrainConfig config;
    config.epochs = 2;
    config.batch_size = 16;
    config.patience = 0;
    config.lr_patience = 0;
    config.seed = seed;
    config.augment = augment;
    Trainer trainer(model, train, val, config);
    Run run;
    trainer.on_step = [&](const StepReport& s) { run.losses.push_back(s.loss); };
    trainer.run();
    run.weights = model.weights();
    return run;
}

// Sets the engine's thread count for one scope and restores the previous one, also when a REQUIRE throws.
struct ThreadsForScope {
    int previous = num_threads();
    explicit ThreadsForScope(int n) { set_num_threads(n); }
    ~ThreadsForScope() { set_num_threads(previous); }
};

}  // namespace

// [SECTION] Options one at a time

TEST_CASE("augmentation: all options off copies the image exactly and draws no random numbers", "[augment]") {
    const Augmentation off;
    CHECK_FALSE(off.any());
    const Image in = random_image(1);
    Rng rng(3, 7), fresh(3, 7);
    Image out;
    augment_image(in.data(), out.data(), off, rng);
    CHECK(identical(out, in));
    CHECK(rng.next_u32() == fresh.next_u32());
}

TEST_CASE("augmentation: shift moves the centre of mass by up to `shift` pixels, x and y independently", "[augment]") {
    const Image in = blob();
    const Moments before = moments(in);
    Augmentation a;
    a.shift = 3;
    double min_dx = 0, max_dx = 0, min_dy = 0, max_dy = 0, sum_abs = 0, sum_xy = 0, sum_xx = 0, sum_yy = 0;
    const int draws = 400;
    for (int i = 0; i < draws; ++i) {
        const Moments after = moments(augment(in, a, std::uint64_t(i)));
        const double dx = after.cx - before.cx, dy = after.cy - before.cy;
        INFO("draw " << i << ": dx " << dx << " dy " << dy);
        // Bilinear interpolation moves mass without losing any while the blob stays inside the frame.
        CHECK(std::abs(after.mass - before.mass) < 1e-4 * before.mass);
        CHECK(std::abs(dx) <= 3.0 + 1e-4);
        CHECK(std::abs(dy) <= 3.0 + 1e-4);
        min_dx = std::min(min_dx, dx), max_dx = std::max(max_dx, dx);
        min_dy = std::min(min_dy, dy), max_dy = std::max(max_dy, dy);
        sum_abs += std::abs(dx) + std::abs(dy);
        sum_xy += dx * dy, sum_xx += dx * dx, sum_yy += dy * dy;
    }
    CHECK(min_dx < -2.7);
    CHECK(max_dx > 2.7);
    CHECK(min_dy < -2.7);
    CHECK(max_dy > 2.7);
    CHECK(sum_abs / (2 * draws) == Approx(1.5).margin(0.2));  // E|U(-3, 3)| = 1.5
    CHECK(std::abs(sum_xy / std::sqrt(sum_xx * sum_yy)) < 0.15);  // uncorrelated
}

TEST_CASE("augmentation: flip mirrors about half the images, and mirroring twice is the identity", "[augment]") {
    const Image in = blob(), mirror = mirrored(in);
    REQUIRE_FALSE(identical(in, mirror));
    Augmentation a;
    a.flip = true;
    REQUIRE(a.any());
    int flipped = 0;
    const int draws = 400;
    for (int i = 0; i < draws; ++i) {
        const Image out = augment(in, a, std::uint64_t(i));
        const bool is_mirror = identical(out, mirror);
        CHECK((is_mirror || identical(out, in)));
        flipped += is_mirror;
        if (is_mirror) CHECK(identical(augment(out, a, std::uint64_t(i)), in));  // same stream: mirrored again
    }
    CHECK(flipped > draws / 2 - 50);  // binomial(400, 1/2): sd 10
    CHECK(flipped < draws / 2 + 50);
}

TEST_CASE("augmentation: rotation turns by up to `rotate` degrees and keeps the ink", "[augment]") {
    Image bar{};  // a horizontal bar through the centre
    for (int y = 13; y <= 14; ++y)
        for (int x = 6; x <= 21; ++x) at(bar, x, y) = 1.0f;
    const Moments before = moments(bar);
    REQUIRE(std::abs(before.angle_degrees) < 1e-9);
    Augmentation a;
    a.rotate = 30;
    double min_angle = 0, max_angle = 0;
    for (int i = 0; i < 300; ++i) {
        const Moments after = moments(augment(bar, a, std::uint64_t(i)));
        INFO("draw " << i << ": angle " << after.angle_degrees << " mass " << after.mass);
        CHECK(after.mass == Approx(before.mass).epsilon(0.03));
        CHECK(std::abs(after.angle_degrees) <= 30.0 + 1.0);
        CHECK(std::hypot(after.cx - before.cx, after.cy - before.cy) < 0.05);  // about the centre
        min_angle = std::min(min_angle, after.angle_degrees), max_angle = std::max(max_angle, after.angle_degrees);
    }
    CHECK(min_angle < -25);
    CHECK(max_angle > 25);
}

TEST_CASE("augmentation: scaling grows or shrinks the shape by up to `scale` about the centre", "[augment]") {
    Image disc{};
    for (int y = 0; y < kImageSide; ++y)
        for (int x = 0; x < kImageSide; ++x)
            if (std::hypot(x - 13.5, y - 13.5) < 6) at(disc, x, y) = 1.0f;
    const Moments before = moments(disc);
    Augmentation a;
    a.scale = 0.3f;
    double min_factor = 10, max_factor = 0;
    for (int i = 0; i < 300; ++i) {
        const Moments after = moments(augment(disc, a, std::uint64_t(i)));
        const double factor = after.spread / before.spread;
        INFO("draw " << i << ": size factor " << factor << " mass " << after.mass);
        CHECK(factor > 0.7 - 0.03);
        CHECK(factor < 1.3 + 0.03);
        CHECK(after.mass / before.mass == Approx(factor * factor).epsilon(0.06));  // area goes with the square
        CHECK(std::hypot(after.cx - before.cx, after.cy - before.cy) < 0.05);
        min_factor = std::min(min_factor, factor), max_factor = std::max(max_factor, factor);
    }
    CHECK(min_factor < 0.75);
    CHECK(max_factor > 1.25);
}

// [SECTION] The "drawn" re-rendering

TEST_CASE("augmentation: drawn turns a grey shape into a filled silhouette or an outline 1-3 px thick", "[augment]") {
    Image rect{};  // grey, with texture, like a photographed garment: columns 8..19, rows 6..21
    for (int y = 6; y <= 21; ++y)
        for (int x = 8; x <= 19; ++x) at(rect, x, y) = 0.45f + 0.1f * float((x + y) % 3);
    at(rect, 13, 12) = at(rect, 14, 12) = 0.0f;  // a speck of dark texture inside
    Augmentation a;
    a.drawn = 1;
    int filled = 0, outlines = 0;
    bool seen_thickness[4] = {false, false, false, false};
    for (int i = 0; i < 200; ++i) {
        const Image out = augment(rect, a, std::uint64_t(i));
        INFO("draw " << i);
        for (float v : out) REQUIRE((v >= 0.0f && v <= 1.0f));
        // The rectangle's own border is ink either way; one pixel outside is a faint fringe; beyond, nothing.
        for (int x = 8; x <= 19; ++x) CHECK((at(out, x, 6) == 1.0f && at(out, x, 21) == 1.0f));
        for (int y = 6; y <= 21; ++y) CHECK((at(out, 8, y) == 1.0f && at(out, 19, y) == 1.0f));
        for (int x = 8; x <= 19; ++x) CHECK((at(out, x, 5) > 0.0f && at(out, x, 5) < 0.5f));
        for (int y = 0; y < kImageSide; ++y)
            for (int x = 0; x < kImageSide; ++x)
                if (x < 7 || x > 20 || y < 5 || y > 22) CHECK(at(out, x, y) == 0.0f);
        // Four pixels in from the border (past the thickest outline and its fringe) the shape is either
        // solid (the speck of texture filled) or empty.
        bool all_ink = true, all_dark = true;
        for (int y = 10; y <= 17; ++y)
            for (int x = 12; x <= 15; ++x) all_ink &= at(out, x, y) == 1.0f, all_dark &= at(out, x, y) == 0.0f;
        CHECK((all_ink || all_dark));
        filled += all_ink;
        if (all_dark) {
            ++outlines;
            int thickness = 0;
            while (thickness < 6 && at(out, 8 + thickness, 13) == 1.0f) ++thickness;
            CHECK(thickness >= 1);
            CHECK(thickness <= 3);
            CHECK((at(out, 8 + thickness, 13) > 0.0f && at(out, 8 + thickness, 13) < 0.5f));  // inner fringe
            if (thickness >= 1 && thickness <= 3) seen_thickness[thickness] = true;
        }
    }
    CHECK(filled > 60);
    CHECK(outlines > 60);
    CHECK((seen_thickness[1] && seen_thickness[2] && seen_thickness[3]));
}

TEST_CASE("augmentation: drawn leaves an image without ink as it is", "[augment]") {
    Augmentation a;
    a.drawn = 1;
    const Image black{};
    CHECK(identical(augment(black, a, 1), black));
    Image faint{};
    at(faint, 3, 4) = 0.01f;  // below every silhouette level
    CHECK(identical(augment(faint, a, 2), faint));
}

TEST_CASE("augmentation: drawn with probability p re-renders about p of the images", "[augment]") {
    Image grey{};
    for (int y = 8; y < 20; ++y)
        for (int x = 8; x < 20; ++x) at(grey, x, y) = 0.5f;
    Augmentation a;
    a.drawn = 0.3f;
    int rendered = 0;
    for (int i = 0; i < 1000; ++i) {
        const Image out = augment(grey, a, std::uint64_t(i));
        if (!identical(out, grey)) ++rendered;
    }
    CHECK(rendered > 300 - 60);  // binomial(1000, 0.3): sd 14.5
    CHECK(rendered < 300 + 60);
}

// [SECTION] Reproducibility and checks

TEST_CASE("augmentation: the same stream gives the same image, another stream another", "[augment]") {
    const Augmentation a = everything();
    Image in{};
    for (int y = 5; y < 23; ++y)
        for (int x = 7; x < 21; ++x) at(in, x, y) = 0.2f + 0.03f * float(x);
    int differ = 0;
    for (std::uint64_t seed = 0; seed < 50; ++seed) {
        const Image first = augment(in, a, seed);
        CHECK(identical(first, augment(in, a, seed)));
        differ += !identical(first, augment(in, a, seed + 1000));
        for (float v : first) CHECK((v >= 0.0f && v <= 1.0f));
    }
    CHECK(differ == 50);
}

TEST_CASE("augmentation: out-of-range settings are rejected with the field's name", "[augment]") {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    auto with = [](float Augmentation::*field, float value) {
        Augmentation a;
        a.*field = value;
        return a;
    };
    CHECK_NOTHROW(check_augmentation(Augmentation{}));
    CHECK_NOTHROW(check_augmentation(everything()));
    CHECK_NOTHROW(check_augmentation(with(&Augmentation::shift, 8)));
    CHECK_NOTHROW(check_augmentation(with(&Augmentation::rotate, 45)));
    CHECK_NOTHROW(check_augmentation(with(&Augmentation::scale, 0.49f)));
    CHECK_NOTHROW(check_augmentation(with(&Augmentation::drawn, 1)));
    for (float bad : {-1.0f, 8.5f, nan, std::numeric_limits<float>::infinity()})
        CHECK_THROWS_WITH(check_augmentation(with(&Augmentation::shift, bad)), Contains("shift must be in"));
    for (float bad : {-0.5f, 46.0f, nan})
        CHECK_THROWS_WITH(check_augmentation(with(&Augmentation::rotate, bad)), Contains("rotate must be in"));
    for (float bad : {-0.1f, 0.5f, nan})
        CHECK_THROWS_WITH(check_augmentation(with(&Augmentation::scale, bad)), Contains("scale must be in"));
    for (float bad : {-0.1f, 1.01f, nan})
        CHECK_THROWS_WITH(check_augmentation(with(&Augmentation::drawn, bad)), Contains("drawn must be in"));
    CHECK_THROWS_WITH(check_augmentation(with(&Augmentation::rotate, 90)),
                      "augmentation: rotate must be in [0, 45] degrees, got 90");
    CHECK_THROWS_WITH(check_augmentation(with(&Augmentation::scale, 0.5f)), "augmentation: scale must be in [0, 0.5), got 0.5");
    CHECK_THROWS_WITH(check_augmentation(with(&Augmentation::drawn, nan)), Contains("got nan"));
    CHECK_THROWS_AS(check_augmentation(with(&Augmentation::shift, 9)), std::invalid_argument);

    Model model("flatten-dense10");
    const Dataset train = bars(8, 1), none;
    TrainConfig config;
    config.augment.shift = -2;
    CHECK_THROWS_WITH(Trainer(model, train, none, config), Contains("shift must be in"));
}

// [SECTION] In the trainer

TEST_CASE("augmented training is reproducible, differs from plain training and leaves validation alone",
          "[augment][train]") {
    const Dataset train = bars(96, 11), val = bars(40, 12);
    const Augmentation a = everything();
    const Run first = train_bars(train, val, a, 9), again = train_bars(train, val, a, 9);
    REQUIRE(first.losses.size() == 12);
    CHECK(first.losses == again.losses);
    CHECK(first.weights == again.weights);
    const Run plain = train_bars(train, val, Augmentation{}, 9);
    CHECK(plain.weights != first.weights);
    CHECK(plain.losses.front() != first.losses.front());  // the very first batch already differs
    CHECK(train_bars(train, val, a, 10).weights != first.weights);  // the run seed reaches the augmentation

    // The validation loss the trainer reports is that of the untouched validation images.
    Model model("conv4k3-relu-pool2-flatten-dense10", 5);
    TrainConfig config;
    config.epochs = 1;
    config.batch_size = 16;
    config.augment = a;
    Trainer trainer(model, train, val, config);
    trainer.run();
    Evaluator evaluator(model, val);
    evaluator.run();
    CHECK(trainer.history().back().val_loss == evaluator.mean_loss());
}

TEST_CASE("augmented training is bit-identical with 1 and 2 threads", "[augment][train][parallel]") {
    if (!threads_supported()) return;
    const Dataset train = bars(96, 21), val = bars(32, 22);
    auto run = [&](int threads) {
        ThreadsForScope scoped(threads);
        return train_bars(train, val, everything(), 3);
    };
    const Run one = run(1), two = run(2);
    REQUIRE(one.losses.size() == 12);
    CHECK(one.losses == two.losses);
    CHECK(one.weights == two.weights);
}
