#include "train/session.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "engine/loss.h"
#include "engine/model_file.h"

namespace convpad {

namespace {
constexpr int kSampleCount = 48;
constexpr int kSampleRefreshSteps = 20;
constexpr int kMicroBatch = 16;  // ~10-20 ms of work in the browser: the frame keeps its rate
constexpr int kEvalChunk = 100;
using Clock = std::chrono::steady_clock;

}  // namespace

const char* phase_name(Phase phase) {
    switch (phase) {
        case Phase::Loading: return "loading";
        case Phase::Idle: return "idle";
        case Phase::Training: return "training";
        case Phase::Paused: return "paused";
        case Phase::Evaluating: return "evaluating";
    }
    return "idle";
}

std::string with_dropout(const std::string& arch, float rate) {
    if (rate < 0) return arch;
    char rate_text[32];
    std::snprintf(rate_text, sizeof rate_text, "drop%g", double(rate));
    std::string out;
    std::size_t pos = 0;
    while (pos <= arch.size()) {
        std::size_t end = arch.find('-', pos);
        if (end == std::string::npos) end = arch.size();
        const std::string tok = arch.substr(pos, end - pos);
        out += (out.empty() ? "" : "-") + (tok.rfind("drop", 0) == 0 ? std::string(rate_text) : tok);
        pos = end + 1;
    }
    return out;
}

Session::Session(const std::string& arch) : model_(std::make_unique<Model>(arch, 42)) {
    loaded_model_bytes_ = convpad::save_model(*model_);
}

// [SECTION] Model

void Session::load_model(const std::uint8_t* data, std::size_t size) {
    if (trainer_ && phase() != Phase::Idle) throw std::logic_error("cannot load a model while training; pause and reset first");
    if (evaluating_) throw std::logic_error("cannot load a model while evaluating");
    auto loaded = std::make_unique<Model>(convpad::load_model(data, size));  // throws; nothing changed yet
    model_ = std::move(loaded);
    loaded_model_bytes_.assign(data, data + size);
    trainer_.reset();
    losses_.clear();
    epochs_.clear();
    evaluation_ = Evaluation{};
    ++run_id_;
    message_ = "loaded model " + model_->arch();
    refresh_samples();
}

std::vector<std::uint8_t> Session::save_model() const { return convpad::save_model(*model_); }

Prediction Session::classify(const float* pixels) {
    Prediction p;
    model_->predict(pixels, 1, p.probs.data());
    p.label = argmax_class(p.probs.data(), kNumClasses);
    return p;
}

// [SECTION] Data

void Session::set_data_file(DataFile which, const std::uint8_t* data, std::size_t size) {
    switch (which) {
        case DataFile::TrainImages: train_images_ = parse_idx_images(data, size, "train-images-idx3-ubyte"); break;
        case DataFile::TrainLabels: train_labels_ = parse_idx_labels(data, size, kNumClasses, "train-labels-idx1-ubyte"); break;
        case DataFile::TestImages: test_images_ = parse_idx_images(data, size, "t10k-images-idx3-ubyte"); break;
        case DataFile::TestLabels: test_labels_ = parse_idx_labels(data, size, kNumClasses, "t10k-labels-idx1-ubyte"); break;
    }
    have_file_[int(which)] = true;
    if (have_file_[0] && have_file_[1] && have_file_[2] && have_file_[3]) build_dataset();
}

void Session::build_dataset() {
    Dataset train = make_dataset(train_images_, train_labels_, "training set");
    Dataset test = make_dataset(test_images_, test_labels_, "test set");
    if (train.count() < 2) throw DataError("the training set needs at least 2 images");
    train_ = std::move(train);
    test_ = std::move(test);
    all_train_labels_ = train_.labels;
    train_images_ = {}, test_images_ = {};  // the float copies are all we need now
    ready_ = true;
    sample_indices_.clear();
    for (int k = 0; k < kSampleCount && k < test_.count(); ++k)
        sample_indices_.push_back(int((long(k) * test_.count()) / kSampleCount + k % 7));
    refresh_samples();
}

// [SECTION] Training

void Session::start_training(const SessionSettings& settings) {
    if (!ready_) throw std::logic_error("the data set is still loading");
    if (evaluating_) throw std::logic_error("an evaluation is running");
    if (trainer_ && trainer_->phase() != TrainPhase::Finished) throw std::logic_error("training is already running; reset first");
    const int total = int(all_train_labels_.size());
    if (settings.validation < 0 || settings.validation > total - 1)
        throw std::invalid_argument("validation size must be in 0.." + std::to_string(total - 1));
    if (!(settings.dropout < 1.0f)) throw std::invalid_argument("dropout must be below 1");

    auto model = std::make_unique<Model>(with_dropout(settings.arch, settings.dropout), settings.seed);
    const int train_count = total - settings.validation;
    train_.labels.assign(all_train_labels_.begin(), all_train_labels_.begin() + train_count);
    val_.images.assign(train_.images.begin() + std::size_t(train_count) * kImagePixels, train_.images.end());
    val_.labels.assign(all_train_labels_.begin() + train_count, all_train_labels_.end());

    TrainConfig config;
    config.epochs = settings.epochs;
    config.batch_size = settings.batch_size;
    config.optimizer.kind = settings.optimizer;
    config.optimizer.learning_rate = settings.learning_rate;
    config.patience = settings.patience;
    config.seed = settings.seed;
    config.micro_batch = kMicroBatch;
    config.eval_chunk = kEvalChunk;
    auto trainer = std::make_unique<Trainer>(*model, train_, val_, config);  // validates the rest

    losses_.clear();
    epochs_.clear();
    steps_done_ = 0;
    run_wall_seconds_ = 0;
    last_tick_time_ = -1;
    trainer->on_step = [this](const StepReport& s) { losses_.push_back({++steps_done_, float(s.loss)}); };
    trainer->on_epoch = [this](const EpochReport& e) { epochs_.push_back(e); };
    model_ = std::move(model);
    trainer_ = std::move(trainer);
    settings_ = settings;
    paused_ = false;
    evaluation_ = Evaluation{};
    ++run_id_;
    samples_step_ = -1;
    message_ = "training " + model_->arch();
    refresh_samples();
}

void Session::pause() {
    if (phase() == Phase::Training) paused_ = true;
}

void Session::resume() {
    if (phase() == Phase::Paused) paused_ = false;
}

void Session::reset() {
    trainer_.reset();
    evaluating_ = false;
    paused_ = false;
    model_ = std::make_unique<Model>(convpad::load_model(loaded_model_bytes_.data(), loaded_model_bytes_.size()));
    losses_.clear();
    epochs_.clear();
    evaluation_ = Evaluation{};
    ++run_id_;
    message_ = "reset to the model loaded last (" + model_->arch() + ")";
    refresh_samples();
}

void Session::finish_run() {
    message_ = trainer_->stop_reason();
    refresh_samples();
}

double Session::wall_images_per_second() const {
    if (!trainer_ || run_wall_seconds_ <= 0) return 0.0;
    return double(trainer_->images_seen()) / run_wall_seconds_;
}

double Session::eta_seconds() const {
    const double rate = wall_images_per_second();
    if (!trainer_ || trainer_->phase() == TrainPhase::Finished || rate <= 0) return NAN;
    const TrainConfig& c = trainer_->config();
    const double remaining = double(trainer_->steps_per_epoch() - trainer_->step()) * c.batch_size +
                             double(c.epochs - trainer_->epoch()) * train_.count();
    return remaining / rate;
}

// [SECTION] Evaluation

void Session::start_evaluation() {
    if (!ready_) throw std::logic_error("the data set is still loading");
    if (trainer_ && phase() != Phase::Idle) throw std::logic_error("pause and reset training, or let it finish, before evaluating");
    evaluating_ = true;
    eval_at_ = 0;
    eval_loss_sum_ = 0;
    eval_confusion_.assign(kNumClasses * kNumClasses, 0);
    test_predicted_.assign(test_.count(), 0);
}

double Session::evaluation_progress() const {
    return evaluating_ && test_.count() ? double(eval_at_) / test_.count() : 0.0;
}

void Session::evaluate_chunk() {
    const int n = std::min(kEvalChunk, test_.count() - eval_at_);
    std::vector<float>& probs = eval_probs_;  // reused: evaluation runs a chunk every frame
    probs.resize(std::size_t(n) * kNumClasses);
    model_->predict(test_.image(eval_at_), n, probs.data());
    for (int i = 0; i < n; ++i) {
        const float* p = probs.data() + std::size_t(i) * kNumClasses;
        const int truth = test_.labels[eval_at_ + i], guess = argmax_class(p, kNumClasses);
        test_predicted_[eval_at_ + i] = std::uint8_t(guess);
        ++eval_confusion_[truth * kNumClasses + guess];
        eval_loss_sum_ -= std::log(std::max(double(p[truth]), 1e-30));
    }
    eval_at_ += n;
    if (eval_at_ >= test_.count()) {
        evaluation_ = evaluation_from_confusion(eval_confusion_, kNumClasses);
        evaluation_.loss = eval_loss_sum_ / std::max(1, test_.count());
        evaluating_ = false;
        message_ = "evaluated on " + std::to_string(test_.count()) + " test images";
    }
}

// [SECTION] Frame work

void Session::tick(double budget_ms) {
    const auto start = Clock::now();
    auto elapsed_ms = [&] { return std::chrono::duration<double, std::milli>(Clock::now() - start).count(); };
    if (evaluating_) {
        do evaluate_chunk();
        while (evaluating_ && elapsed_ms() < budget_ms);
        return;
    }
    if (!trainer_ || paused_ || trainer_->phase() == TrainPhase::Finished) {
        last_tick_time_ = -1;
        return;
    }
    // Wall time between consecutive training ticks, capped so a hidden tab's long gap doesn't count.
    const double now = std::chrono::duration<double>(start.time_since_epoch()).count();
    if (last_tick_time_ >= 0) run_wall_seconds_ += std::min(now - last_tick_time_, 0.5);
    last_tick_time_ = now;
    bool running = true;
    do running = trainer_->advance();
    while (running && elapsed_ms() < budget_ms);
    if (!running) finish_run();
    else if (steps_done_ - samples_step_ >= kSampleRefreshSteps) refresh_samples();
}

Phase Session::phase() const {
    if (evaluating_) return Phase::Evaluating;
    if (trainer_ && trainer_->phase() != TrainPhase::Finished) return paused_ ? Phase::Paused : Phase::Training;
    return ready_ ? Phase::Idle : Phase::Loading;
}

void Session::refresh_samples() {
    samples_step_ = steps_done_;
    if (sample_indices_.empty()) return;
    const int n = int(sample_indices_.size());
    std::vector<float> pixels(std::size_t(n) * kImagePixels), probs(std::size_t(n) * kNumClasses);
    for (int i = 0; i < n; ++i)
        std::copy(test_.image(sample_indices_[i]), test_.image(sample_indices_[i]) + kImagePixels,
                  pixels.begin() + std::size_t(i) * kImagePixels);
    model_->predict(pixels.data(), n, probs.data());
    sample_predictions_.resize(n);
    for (int i = 0; i < n; ++i) {
        std::copy(probs.begin() + std::size_t(i) * kNumClasses, probs.begin() + std::size_t(i + 1) * kNumClasses,
                  sample_predictions_[i].probs.begin());
        sample_predictions_[i].label = argmax_class(sample_predictions_[i].probs.data(), kNumClasses);
    }
}

}  // namespace convpad
