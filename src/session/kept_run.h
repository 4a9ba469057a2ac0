// A finished run as the page keeps it across reloads (web/page/store.js, in IndexedDB; the wire format is
// protocol.h's kept_run_from_json). Session::restore_run shows it again.
#pragma once
#include <cstdint>
#include <vector>

#include "session/run_status.h"  // LossPoint
#include "train/metrics.h"
#include "train/run_settings.h"
#include "train/trainer.h"  // EpochReport

namespace convpad {

// Its settings, logs and the evaluation made of its model. It shows as a finished run; nothing of it
// trains again.
struct KeptRun {
    RunSettings settings;
    std::vector<LossPoint> losses;
    std::vector<EpochReport> epochs;
    Evaluation evaluation;               // total 0: none
    std::vector<std::uint8_t> predicted;  // the evaluation's class for each test image
};

}  // namespace convpad
