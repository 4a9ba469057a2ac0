// The wire format between the browser's engine (web/worker/engine_api.cpp, in a Web Worker) and the
// page (web/page/*.js, and the UI module through web/ui/engine_view.cpp): JSON for the status snapshot, the
// log entries, sample predictions, evaluations and run settings. One place, so both sides agree; the
// field names are the JS API's (README "JavaScript API").
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "train/metrics.h"
#include "train/run_settings.h"
#include "session/kept_run.h"
#include "session/run_status.h"

namespace convpad::protocol {

using nlohmann::json;

// [SECTION] Run settings: the keys of train() and of the URL parameters
// Applies one option to `settings`; throws std::invalid_argument naming the key and the problem (the
// setting then stays). Ranges match the Training panel's; the engine re-checks what depends on the
// data (validation, subset).
void apply_option(const std::string& key, const json& value, RunSettings& settings);
json settings_json(const RunSettings& settings);
RunSettings settings_from_json(const json& object);  // every key optional; throws like apply_option

// [SECTION] Snapshots
json status_json(const RunStatus& status);
RunStatus status_from_json(const json& object);  // missing or null fields keep their defaults

json loss_points_json(const std::vector<LossPoint>& points, std::size_t from);   // [[step, loss, learning rate], ...]
std::vector<LossPoint> loss_points_from_json(const json& array);
json epochs_json(const std::vector<EpochReport>& epochs, std::size_t from);
std::vector<EpochReport> epochs_from_json(const json& array);

json prediction_json(const Prediction& p, const DatasetInfo& dataset);  // {label, name, probs}
Prediction prediction_from_json(const json& object);

// {accuracy, precision, recall, f1, support, macroF1, weightedF1, loss, total, confusion, classNames}
json evaluation_json(const Evaluation& e, const DatasetInfo& dataset);
Evaluation evaluation_from_json(const json& object);  // from its confusion matrix and loss

// {settings, losses, epochs, evaluation: {...evaluation_json, predicted: [class per test image]} | null}:
// a run the page kept. Throws std::invalid_argument (or json's errors) naming what is wrong.
KeptRun kept_run_from_json(const json& object);

// A float setting as the shortest decimal that reads back as the same float: the decimal it was typed as
// (0.001, not 0.0010000000474974513), and exact, so the engine trains on the panel's very numbers.
json decimal_json(float x);
// NaN and infinities are not JSON: they become null, and null reads back as NaN.
json number_or_null(double x);
double number_or_nan(const json& value);

}  // namespace convpad::protocol
