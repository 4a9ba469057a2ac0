// The training loop, cut into units of work (a batch, a validation chunk) so the browser's engine can
// report progress and take commands between them.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "engine/model.h"
#include "engine/optimizer.h"
#include "train/augment.h"
#include "train/evaluator.h"
#include "train/lr_schedule.h"
#include "train/metrics.h"

namespace convpad {

struct TrainConfig {
    int epochs = 30;          // an upper bound: early stopping usually ends the run sooner
    int batch_size = 64;
    OptimizerConfig optimizer;
    std::uint64_t seed = 42;  // shuffling (the model's own seed sets initial weights and dropout)
    int patience = 4;         // early stopping: epochs without a new best validation loss; 0 = off
    ScheduleConfig schedule;  // how the learning rate moves (train/lr_schedule.h)
    // With the plateau schedule: halve the learning rate after this many epochs without a new best validation
    // loss (Keras' ReduceLROnPlateau); 0 = off. Counts restart after each cut.
    int lr_patience = 1;
    float lr_factor = 0.5f;
    float label_smoothing = 0.0f;  // of the training loss (engine/loss.h), in [0, 0.5]; validation uses plain labels
    int eval_chunk = 500;     // validation images per advance() call
    Augmentation augment;     // of training images only (validation images are never changed); off by default
};

struct StepReport {
    int epoch, step, steps_per_epoch;  // epoch and step count from 1
    double loss;                       // this batch's mean cross-entropy
    float learning_rate;               // this step's
    double images_per_second;          // average over this epoch so far
};

struct EpochReport {
    int epoch;
    double train_loss, train_accuracy;  // running averages over the epoch, dropout on (as Keras reports)
    double val_loss, val_accuracy;      // NaN without a validation set
    bool improved;                      // new best validation loss
    float learning_rate;                // used during this epoch's last step
    double seconds;
};

enum class TrainPhase { Training, Validating, Finished };

class Trainer {
public:
    // Keeps references to model and data; both must outlive the trainer. Throws std::invalid_argument
    // for a bad configuration (empty training set, batch size outside 1..4096, augmentation out of range, ...).
    Trainer(Model& model, DataView train, DataView val, const TrainConfig& config);

    // One unit of work: a batch or a validation chunk. Returns false once training is over.
    bool advance();
    void run() { while (advance()) {} }

    std::function<void(const StepReport&)> on_step;
    std::function<void(const EpochReport&)> on_epoch;

    TrainPhase phase() const { return phase_; }
    int epoch() const { return epoch_ + 1; }
    int step() const { return step_; }
    int steps_per_epoch() const { return steps_per_epoch_; }
    long images_seen() const { return images_seen_; }
    double images_per_second() const;
    double last_loss() const { return last_loss_; }
    float learning_rate() const { return optimizer_->learning_rate; }
    const std::vector<EpochReport>& history() const { return history_; }
    const std::string& stop_reason() const { return stop_reason_; }
    const TrainConfig& config() const { return config_; }

private:
    void start_epoch();
    void train_batch();
    void validate_chunk();
    void finish_epoch();
    void finish(const std::string& reason);

    using Clock = std::chrono::steady_clock;
    Model& model_;
    DataView train_, val_;
    TrainConfig config_;
    std::unique_ptr<Optimizer> optimizer_;
    std::vector<ParamRef> params_;
    Rng shuffle_rng_;
    std::vector<int> order_;
    std::vector<float> batch_x_, probs_, dlogits_;
    std::vector<std::uint8_t> batch_y_;

    TrainPhase phase_ = TrainPhase::Training;
    int epoch_ = 0, step_ = 0, steps_per_epoch_ = 0;
    double epoch_loss_sum_ = 0, last_loss_ = 0;
    long epoch_correct_ = 0, epoch_images_ = 0, images_seen_ = 0;
    double epoch_train_seconds_ = 0;
    Clock::time_point epoch_start_;
    std::unique_ptr<Evaluator> validation_;  // during TrainPhase::Validating

    double best_val_loss_ = 0;
    int best_epoch_ = -1, epochs_without_improvement_ = 0, epochs_since_lr_change_ = 0;
    std::vector<float> best_weights_;
    std::vector<EpochReport> history_;
    std::string stop_reason_;
};

}  // namespace convpad
