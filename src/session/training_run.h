// One training run of the browser's engine: the model being trained, its trainer over a view of the
// data store, pause, the loss and epoch logs (append-only) and the wall-clock rate.
#pragma once
#include <memory>
#include <vector>

#include "train/run_settings.h"
#include "session/run_status.h"
#include "train/trainer.h"

namespace convpad {

class TrainingRun {
public:
    // A freshly initialised model of run_arch(settings) on RunImages(full_train, sketches, ...). Throws
    // std::invalid_argument (bad settings, ArchError, sketches asked for but none given) before anything
    // is allocated for training.
    TrainingRun(const RunSettings& settings, DataView full_train, DataView sketches = {}, int box_side = kImageSide);

    // Runs whole batches and validation chunks for about budget_ms, at least one unit; nothing while
    // paused. Returns false once the run is over.
    bool work(double budget_ms);
    void pause() { paused_ = true; }
    void resume() { paused_ = false; }
    bool paused() const { return paused_; }
    bool finished() const { return stopped_ || trainer_->phase() == TrainPhase::Finished; }
    // Ends the run where it is (a step failed): its weights and logs stay as the last whole step left them.
    void stop() { stopped_ = true; }

    Model& model() { return *model_; }
    const Model& model() const { return *model_; }
    const Trainer& trainer() const { return *trainer_; }
    const RunSettings& settings() const { return settings_; }
    const std::vector<LossPoint>& losses() const { return losses_; }
    const std::vector<EpochReport>& epochs() const { return epochs_; }

    // Fills the run's part of a status.
    void describe(RunStatus& status) const;

private:
    double wall_images_per_second() const;
    double eta_seconds() const;

    RunSettings settings_;
    std::unique_ptr<Model> model_;
    RunImages data_;
    std::unique_ptr<Trainer> trainer_;
    bool paused_ = false;
    bool stopped_ = false;
    std::vector<LossPoint> losses_;
    std::vector<EpochReport> epochs_;
    double wall_seconds_ = 0;  // time spent training, measured across work() calls
    double last_work_end_ = -1;  // seconds on a steady clock; -1: the next work() starts a stretch
};

}  // namespace convpad
