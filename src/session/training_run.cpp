#include "session/training_run.h"

#include <algorithm>
#include <chrono>

namespace convpad {

namespace {
using Clock = std::chrono::steady_clock;
double now_seconds() { return std::chrono::duration<double>(Clock::now().time_since_epoch()).count(); }
// A gap between two work() calls longer than this (a paused or throttled worker) does not count as training time.
constexpr double kMaxGapSeconds = 0.5;
}  // namespace

TrainingRun::TrainingRun(const RunSettings& settings, DataView full_train, DataView sketches, int box_side)
    : settings_(settings),
      model_(std::make_unique<Model>(run_arch(settings), settings.seed)),
      data_(full_train, sketches, settings, box_side),
      trainer_(std::make_unique<Trainer>(*model_, data_.train(), data_.val(), train_config(settings))) {
    trainer_->on_step = [this](const StepReport& s) { losses_.push_back({long(losses_.size()) + 1, float(s.loss), s.learning_rate}); };
    trainer_->on_epoch = [this](const EpochReport& e) { epochs_.push_back(e); };
}

bool TrainingRun::work(double budget_ms) {
    if (finished()) return false;
    if (paused_) {
        last_work_end_ = -1;
        return true;
    }
    const double start = now_seconds();
    if (last_work_end_ >= 0) wall_seconds_ += std::min(start - last_work_end_, kMaxGapSeconds);
    bool running = true;
    do running = trainer_->advance();
    while (running && (now_seconds() - start) * 1000.0 < budget_ms);
    last_work_end_ = now_seconds();
    wall_seconds_ += last_work_end_ - start;
    return running;
}

double TrainingRun::wall_images_per_second() const {
    return wall_seconds_ > 0 ? double(trainer_->images_seen()) / wall_seconds_ : NAN;
}

double TrainingRun::eta_seconds() const {
    const double rate = wall_images_per_second();
    if (finished() || !(rate > 0)) return NAN;
    const TrainConfig& c = trainer_->config();
    const double remaining = double(trainer_->steps_per_epoch() - trainer_->step()) * c.batch_size +
                             double(c.epochs - trainer_->epoch()) * data_.train().count();
    return remaining / rate;
}

void TrainingRun::describe(RunStatus& s) const {
    const Trainer& t = *trainer_;
    s.has_run = true;
    s.settings = settings_;
    s.validating = t.phase() == TrainPhase::Validating;
    s.epoch = t.epoch();
    s.epochs = t.config().epochs;
    s.step = t.step();
    s.steps_per_epoch = t.steps_per_epoch();
    s.steps_done = long(losses_.size());
    s.train_loss = losses_.empty() ? NAN : double(losses_.back().loss);
    s.learning_rate = t.learning_rate();
    s.val_loss = epochs_.empty() ? NAN : epochs_.back().val_loss;
    s.val_accuracy = epochs_.empty() ? NAN : epochs_.back().val_accuracy;
    s.images_per_second = wall_images_per_second();
    s.compute_images_per_second = t.images_per_second() > 0 ? t.images_per_second() : NAN;
    s.eta_seconds = eta_seconds();
}

}  // namespace convpad
