// What the browser's engine tells the UI: plain values, copied out of the engine, never references to
// live engine objects (src/session/protocol.h turns them into JSON and back).
#pragma once
#include <array>
#include <cmath>
#include <cstddef>
#include <string>

#include "data/dataset.h"
#include "train/run_settings.h"

namespace convpad {

enum class Phase { Loading, Idle, Training, Paused, Evaluating };
const char* phase_name(Phase phase);       // "loading", "idle", ...
bool phase_from_name(const std::string& name, Phase& phase);

struct Prediction {
    int label = 0;
    std::array<float, kNumClasses> probs{};
};

struct LossPoint {
    long step;  // optimiser steps since the run started
    float loss;
    float learning_rate = 0.0f;  // of that step
};

struct RunStatus {
    DatasetId dataset = DatasetId::Fashion;  // what the engine's current session trains and evaluates on
    Phase phase = Phase::Loading;
    long run_id = 0;             // grows with every start, reset and load
    long model_version = 0;      // grows whenever the weights change
    std::string arch;            // of the current model
    std::size_t params = 0;
    std::string message;         // why the last run stopped, what was loaded, ...
    std::string failure;         // why the last run or evaluation failed (empty: it did not); cleared by the next command
    bool dataset_ready = false;
    double evaluation_progress = 0;  // 0..1 while evaluating

    // The current run (has_run false: none since the last load or reset).
    bool has_run = false;
    bool validating = false;
    RunSettings settings;        // the run's
    int epoch = 0, epochs = 0, step = 0, steps_per_epoch = 0;
    long steps_done = 0;         // optimiser steps since the run started
    double train_loss = NAN, learning_rate = NAN, val_loss = NAN, val_accuracy = NAN;
    double images_per_second = NAN;          // wall clock, what the ETA uses
    double compute_images_per_second = NAN;  // time inside training steps only
    double eta_seconds = NAN;
};

}  // namespace convpad
