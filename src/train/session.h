// One interactive session: the current model, the data, a training run and an evaluation, all
// advanced in small time slices. The browser app's UI and JS API both sit on this; it has no UI.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "engine/model.h"
#include "train/metrics.h"
#include "train/trainer.h"

namespace convpad {

enum class Phase { Loading, Idle, Training, Paused, Evaluating };
const char* phase_name(Phase phase);  // "loading", "idle", ...

struct SessionSettings {
    std::string arch = kDefaultArch;
    int epochs = 5;
    int batch_size = 64;
    float learning_rate = 1e-3f;
    std::string optimizer = "adam";
    float dropout = 0.5f;  // replaces the rate of every drop<R> token of arch; < 0 keeps them
    int validation = 5000;
    int patience = 3;
    std::uint64_t seed = 42;
};

struct Prediction {
    int label = 0;
    std::array<float, kNumClasses> probs{};
};

struct LossPoint {
    long step;  // optimiser steps since the run started
    float loss;
};

// The four Fashion-MNIST files, in the order the app fetches them.
enum class DataFile { TrainImages, TrainLabels, TestImages, TestLabels };

class Session {
public:
    explicit Session(const std::string& arch = kDefaultArch);

    // [SECTION] Model
    // Replaces the current model. On any error (ModelFileError) the current model stays. Refused while
    // training or evaluating (std::logic_error).
    void load_model(const std::uint8_t* data, std::size_t size);
    std::vector<std::uint8_t> save_model() const;
    Model& model() { return *model_; }
    Prediction classify(const float* pixels);  // pixels: (784) in [0,1], white on black

    // [SECTION] Data
    // Raw (already gunzipped) IDX bytes; throws DataError. When all four are in, the data set is built.
    void set_data_file(DataFile which, const std::uint8_t* data, std::size_t size);
    bool dataset_ready() const { return ready_; }
    const Dataset& test_set() const { return test_; }

    // [SECTION] Training
    // Starts a new run from a freshly initialised model of settings.arch. Throws std::invalid_argument
    // (bad settings, ArchError) or std::logic_error (no data yet, busy); the current model then stays.
    void start_training(const SessionSettings& settings);
    void pause();
    void resume();
    // Stops any run or evaluation, clears the curves and goes back to the model loaded last.
    void reset();

    // [SECTION] Evaluation on the 10k test set
    void start_evaluation();
    double evaluation_progress() const;                          // 0..1 while evaluating
    const Evaluation* last_evaluation() const { return evaluation_.total ? &evaluation_ : nullptr; }
    const std::vector<std::uint8_t>& test_predictions() const { return test_predicted_; }  // of last evaluation

    // Does work (training steps or evaluation chunks) for about budget_ms, at least one unit.
    void tick(double budget_ms);

    // [SECTION] Status
    Phase phase() const;
    const std::string& message() const { return message_; }  // why the last run stopped, errors
    const Trainer* trainer() const { return trainer_.get(); }
    const SessionSettings& settings() const { return settings_; }
    const std::vector<LossPoint>& loss_history() const { return losses_; }
    const std::vector<EpochReport>& epoch_history() const { return epochs_; }
    // Images per second of wall-clock time while running (the page trains a slice per frame, so this is
    // below the trainer's compute rate), and the time left at that rate.
    double wall_images_per_second() const;
    double eta_seconds() const;
    long run_id() const { return run_id_; }  // grows with every start/reset/load

    // A fixed sample of test images and the current model's predictions of them, refreshed by
    // tick() every few optimiser steps and after every model change.
    const std::vector<int>& sample_indices() const { return sample_indices_; }
    const std::vector<Prediction>& sample_predictions() const { return sample_predictions_; }
    void refresh_samples();

private:
    void build_dataset();
    void finish_run();
    void evaluate_chunk();

    std::unique_ptr<Model> model_;
    std::vector<std::uint8_t> loaded_model_bytes_;  // what reset() returns to
    IdxImages train_images_, test_images_;
    IdxLabels train_labels_, test_labels_;
    std::array<bool, 4> have_file_{};
    // train_ keeps all 60k images; its labels (hence count()) stop where the validation split begins.
    Dataset train_, val_, test_;
    std::vector<std::uint8_t> all_train_labels_;
    bool ready_ = false;

    SessionSettings settings_;
    std::unique_ptr<Trainer> trainer_;
    bool paused_ = false;
    std::vector<LossPoint> losses_;
    std::vector<EpochReport> epochs_;
    long steps_done_ = 0, run_id_ = 0, samples_step_ = -1;
    double run_wall_seconds_ = 0;    // time spent in phase Training, measured between ticks
    double last_tick_time_ = -1;     // seconds on a steady clock; -1: no training tick yet

    bool evaluating_ = false;
    int eval_at_ = 0;
    std::vector<long> eval_confusion_;
    double eval_loss_sum_ = 0;
    std::vector<std::uint8_t> test_predicted_;
    std::vector<float> eval_probs_;
    Evaluation evaluation_;

    std::vector<int> sample_indices_;
    std::vector<Prediction> sample_predictions_;
    std::string message_;
};

// arch with every drop<R> token's rate replaced by `rate` (unchanged when rate < 0).
std::string with_dropout(const std::string& arch, float rate);

}  // namespace convpad
