// Learning-rate schedules: the rate of every step of a run, from the base rate the run was given.
//
//   plateau   the base rate, halved by the trainer after epochs without a better validation loss (Keras'
//             ReduceLROnPlateau); no warm-up
//   step      the base rate, times 0.1 once half the steps after the warm-up are done and again at three quarters
//   cosine    from the base rate down to 0 along half a cosine (Loshchilov & Hutter 2017, without restarts)
//   onecycle  up from base/25 to the base rate during the warm-up (30% of the run unless told), then down
//             along half a cosine to base/10^4 (Smith & Topin 2017, fastai's fit_one_cycle)
// A warm-up of W steps rises linearly from base/25 to the base rate over the first W steps.
#pragma once
#include <string>

namespace convpad {

enum class LrSchedule { Plateau, Step, Cosine, OneCycle };

struct ScheduleConfig {
    LrSchedule kind = LrSchedule::Plateau;
    float warmup_epochs = 0.0f;  // step, cosine and onecycle (0 for onecycle: 30% of the run)
};

const char* schedule_name(LrSchedule kind);
// Throws std::invalid_argument naming the known schedules.
LrSchedule schedule_from_name(const std::string& name);

// Warm-up steps of a run of total_steps (always fewer than total_steps).
long warmup_steps(const ScheduleConfig& config, long total_steps, int steps_per_epoch);

// The rate of step `step` (from 0) of a run of `total_steps`.
float scheduled_learning_rate(const ScheduleConfig& config, float base, long step, long total_steps,
                              int steps_per_epoch);

}  // namespace convpad
