#include "session/run_status.h"

namespace convpad {

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

bool phase_from_name(const std::string& name, Phase& phase) {
    for (Phase p : {Phase::Loading, Phase::Idle, Phase::Training, Phase::Paused, Phase::Evaluating})
        if (name == phase_name(p)) {
            phase = p;
            return true;
        }
    return false;
}

}  // namespace convpad
