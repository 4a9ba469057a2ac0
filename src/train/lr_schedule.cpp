#include "train/lr_schedule.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace convpad {

namespace {
constexpr double kWarmupStart = 1.0 / 25.0;  // of the base rate
constexpr double kOneCycleWarmup = 0.3;      // of the run, when no warm-up is given
constexpr double kOneCycleFloor = 1e-4;      // of the base rate, at the end
constexpr double kPi = 3.14159265358979323846;
}  // namespace

const char* schedule_name(LrSchedule kind) {
    switch (kind) {
        case LrSchedule::Plateau: return "plateau";
        case LrSchedule::Step: return "step";
        case LrSchedule::Cosine: return "cosine";
        case LrSchedule::OneCycle: return "onecycle";
    }
    return "plateau";
}

LrSchedule schedule_from_name(const std::string& name) {
    for (LrSchedule kind : {LrSchedule::Plateau, LrSchedule::Step, LrSchedule::Cosine, LrSchedule::OneCycle})
        if (name == schedule_name(kind)) return kind;
    throw std::invalid_argument("unknown learning-rate schedule '" + name + "' (expected plateau, step, cosine or onecycle)");
}

long warmup_steps(const ScheduleConfig& config, long total_steps, int steps_per_epoch) {
    if (config.kind == LrSchedule::Plateau || total_steps <= 1) return 0;
    double steps = double(config.warmup_epochs) * steps_per_epoch;
    if (config.kind == LrSchedule::OneCycle && config.warmup_epochs <= 0.0f) steps = kOneCycleWarmup * double(total_steps);
    return std::clamp(long(std::lround(steps)), 0L, total_steps - 1);
}

float scheduled_learning_rate(const ScheduleConfig& config, float base, long step, long total_steps,
                              int steps_per_epoch) {
    if (config.kind == LrSchedule::Plateau) return base;
    const long warmup = warmup_steps(config, total_steps, steps_per_epoch);
    if (step < warmup) return float(double(base) * (kWarmupStart + (1.0 - kWarmupStart) * double(step) / double(warmup)));
    const double t = std::clamp(double(step - warmup) / double(std::max(1L, total_steps - warmup)), 0.0, 1.0);
    const double half_cosine = 0.5 * (1.0 + std::cos(kPi * t));  // 1 -> 0
    switch (config.kind) {
        case LrSchedule::Step: return float(double(base) * (t < 0.5 ? 1.0 : t < 0.75 ? 0.1 : 0.01));
        case LrSchedule::Cosine: return float(double(base) * half_cosine);
        case LrSchedule::OneCycle:
            return float(double(base) * (kOneCycleFloor + (1.0 - kOneCycleFloor) * half_cosine));
        case LrSchedule::Plateau: break;
    }
    return base;
}

}  // namespace convpad
