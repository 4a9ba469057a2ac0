#include "train/trainer.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "engine/loss.h"
#include "kernels/parallel.h"

namespace convpad {

namespace {

// One random stream per image per epoch, a function of (run seed, epoch, position in the epoch) alone: the
// augmented batch is the same for any thread count and on every platform. SplitMix64's finaliser keeps
// neighbouring positions from starting PCG at neighbouring states.
Rng augmentation_rng(std::uint64_t seed, int epoch, int position) {
    std::uint64_t z = seed ^ (std::uint64_t(epoch) << 32 | std::uint32_t(position));
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return Rng(z ^ (z >> 31), 2027);
}

}  // namespace

Trainer::Trainer(Model& model, DataView train, DataView val, const TrainConfig& config)
    : model_(model), train_(train), val_(val), config_(config), shuffle_rng_(config.seed, 1013) {
    if (train.count() == 0) throw std::invalid_argument("the training set is empty");
    if (config.batch_size < 1 || config.batch_size > 4096)
        throw std::invalid_argument("batch size must be in 1..4096, got " + std::to_string(config.batch_size));
    if (config.epochs < 1 || config.epochs > 1000)
        throw std::invalid_argument("epochs must be in 1..1000, got " + std::to_string(config.epochs));
    if (config.eval_chunk < 1) throw std::invalid_argument("the validation chunk must be positive");
    if (model.input_size() != kImagePixels || model.num_classes() != kNumClasses)
        throw std::invalid_argument("the model's input or class count does not match the data set's");
    if (config.patience < 0 || config.lr_patience < 0) throw std::invalid_argument("patience must be >= 0");
    if (!(config.lr_factor > 0.0f && config.lr_factor <= 1.0f))
        throw std::invalid_argument("learning-rate factor must be in (0, 1]");
    if (!(config.label_smoothing >= 0.0f && config.label_smoothing <= 0.5f))
        throw std::invalid_argument("label smoothing must be in [0, 0.5], got " + std::to_string(config.label_smoothing));
    if (!(config.schedule.warmup_epochs >= 0.0f && config.schedule.warmup_epochs < float(config.epochs)))
        throw std::invalid_argument("warm-up must be at least 0 and fewer epochs than the run's " +
                                    std::to_string(config.epochs));
    check_augmentation(config.augment);
    optimizer_ = make_optimizer(config.optimizer);
    params_ = model_.params();
    steps_per_epoch_ = (train.count() + config.batch_size - 1) / config.batch_size;
    order_.resize(train.count());
    for (int i = 0; i < train.count(); ++i) order_[i] = i;
    batch_x_.resize(std::size_t(config_.batch_size) * kImagePixels);
    batch_y_.resize(config_.batch_size);
    probs_.resize(std::size_t(config_.batch_size) * kNumClasses);
    dlogits_.resize(std::size_t(config_.batch_size) * kNumClasses);
    start_epoch();
}

double Trainer::images_per_second() const {
    return epoch_train_seconds_ > 0 ? double(epoch_images_) / epoch_train_seconds_ : 0.0;
}

void Trainer::start_epoch() {
    // Fisher-Yates with our own generator: the same order on every platform for a given seed.
    for (int i = int(order_.size()) - 1; i > 0; --i) std::swap(order_[i], order_[shuffle_rng_.below(std::uint32_t(i + 1))]);
    step_ = 0;
    epoch_loss_sum_ = 0;
    epoch_correct_ = epoch_images_ = 0;
    epoch_train_seconds_ = 0;
    epoch_start_ = Clock::now();
}

bool Trainer::advance() {
    switch (phase_) {
        case TrainPhase::Training: train_batch(); break;
        case TrainPhase::Validating: validate_chunk(); break;
        case TrainPhase::Finished: return false;
    }
    return phase_ != TrainPhase::Finished;
}

void Trainer::train_batch() {
    const auto t0 = Clock::now();
    const int first = step_ * config_.batch_size;
    const int n = std::min(config_.batch_size, train_.count() - first);
    for (int i = 0; i < n; ++i) batch_y_[i] = train_.labels[order_[first + i]];
    if (!config_.augment.any()) {
        for (int i = 0; i < n; ++i)
            std::memcpy(batch_x_.data() + std::size_t(i) * kImagePixels, train_.image(order_[first + i]),
                        sizeof(float) * kImagePixels);
    } else {
        // Each image has its own stream, so splitting the batch over threads changes nothing.
        parallel_for(n, [&](int begin, int end) {
            for (int i = begin; i < end; ++i) {
                Rng rng = augmentation_rng(config_.seed, epoch_, first + i);
                augment_image(train_.image(order_[first + i]), batch_x_.data() + std::size_t(i) * kImagePixels,
                              config_.augment, rng);
            }
        });
    }
    if (config_.schedule.kind != LrSchedule::Plateau)
        optimizer_->learning_rate =
            scheduled_learning_rate(config_.schedule, config_.optimizer.learning_rate, long(epoch_) * steps_per_epoch_ + step_,
                                    long(config_.epochs) * steps_per_epoch_, steps_per_epoch_);
    const float* logits = model_.forward(batch_x_.data(), n, true);
    const float smoothing = config_.label_smoothing;
    const double loss = softmax_cross_entropy_forward(logits, batch_y_.data(), n, kNumClasses, probs_.data(), smoothing);
    softmax_cross_entropy_backward(probs_.data(), batch_y_.data(), n, kNumClasses, dlogits_.data(), smoothing);
    model_.backward(dlogits_.data(), n);
    for (int i = 0; i < n; ++i) epoch_correct_ += argmax_class(probs_.data() + i * kNumClasses, kNumClasses) == batch_y_[i];
    optimizer_->step(params_);
    epoch_loss_sum_ += loss * n;
    epoch_images_ += n;
    images_seen_ += n;
    last_loss_ = loss;
    ++step_;
    epoch_train_seconds_ += std::chrono::duration<double>(Clock::now() - t0).count();
    if (!std::isfinite(loss)) {
        finish("stopped: the loss became " + std::string(std::isnan(loss) ? "NaN" : "infinite") +
               " (try a smaller learning rate)");
        return;
    }
    if (on_step) on_step({epoch_ + 1, step_, steps_per_epoch_, loss, optimizer_->learning_rate, images_per_second()});
    if (step_ == steps_per_epoch_) {
        phase_ = TrainPhase::Validating;
        validation_ = std::make_unique<Evaluator>(model_, val_);
        if (val_.count() == 0) finish_epoch();
    }
}

void Trainer::validate_chunk() {
    if (!validation_->advance(config_.eval_chunk)) finish_epoch();
}

void Trainer::finish_epoch() {
    const bool has_val = val_.count() > 0;
    EpochReport report{epoch_ + 1,
                       epoch_loss_sum_ / double(epoch_images_),
                       double(epoch_correct_) / double(epoch_images_),
                       has_val ? validation_->mean_loss() : std::numeric_limits<double>::quiet_NaN(),
                       has_val ? double(validation_->correct()) / val_.count() : std::numeric_limits<double>::quiet_NaN(),
                       false,
                       optimizer_->learning_rate,
                       std::chrono::duration<double>(Clock::now() - epoch_start_).count()};
    if (has_val && (best_epoch_ < 0 || report.val_loss < best_val_loss_)) {
        report.improved = true;
        best_val_loss_ = report.val_loss;
        best_epoch_ = epoch_;
        best_weights_ = model_.weights();
        epochs_without_improvement_ = epochs_since_lr_change_ = 0;
    } else if (has_val) {
        ++epochs_without_improvement_;
        if (config_.schedule.kind == LrSchedule::Plateau && config_.lr_patience > 0 &&
            ++epochs_since_lr_change_ >= config_.lr_patience) {
            optimizer_->learning_rate *= config_.lr_factor;
            epochs_since_lr_change_ = 0;
        }
    }
    history_.push_back(report);
    if (on_epoch) on_epoch(report);

    const std::string best = " (best validation loss at epoch " + std::to_string(best_epoch_ + 1) + ", weights restored)";
    if (has_val && config_.patience > 0 && epochs_without_improvement_ >= config_.patience) {
        finish("early stop after epoch " + std::to_string(epoch_ + 1) + ": no better validation loss for " +
               std::to_string(config_.patience) + " epochs" + best);
    } else if (epoch_ + 1 >= config_.epochs) {
        finish("completed " + std::to_string(config_.epochs) + " epochs" + (has_val ? best : std::string()));
    } else {
        ++epoch_;
        phase_ = TrainPhase::Training;
        start_epoch();
    }
}

void Trainer::finish(const std::string& reason) {
    if (!best_weights_.empty()) model_.set_weights(best_weights_);
    stop_reason_ = reason;
    phase_ = TrainPhase::Finished;
}

}  // namespace convpad
