// What the main thread knows of the engine, which runs in a Web Worker: the snapshots it posts (status,
// the append-only logs, sample predictions, the last evaluation, weights), handed over by the page
// (web/page/news.js through js_api.cpp). This is the only copy on the main thread: the panels read it, and
// so do the page's status(), history() and evaluate() (through js_api.cpp). The UI keeps its own copy of
// the model, fed by weight snapshots, for the pad and tooltips on this thread.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/dataset.h"
#include "engine/model.h"
#include "train/metrics.h"
#include "train/run_settings.h"
#include "session/run_status.h"
#include "train/trainer.h"

namespace convpad::app {

struct DatasetProgress {
    bool requested = false;        // the download has begun (the page fetches a data set once something needs it)
    double loaded = 0, total = 0;  // bytes downloaded (compressed); total 0: unknown yet
    std::string error;             // why loading failed (empty while fine); the app keeps running without data
};

// What one update brought that the page announces (its 'phase', 'epoch' and 'trainend' events). All
// empty when the update is another data set's: its logs arrive whole when the page switches, and are
// not news.
struct UpdateNews {
    bool phase_changed = false;
    std::size_t new_epochs = 0;  // the last new_epochs entries of epochs()
    bool run_ended = false;      // training or paused before, neither now
    bool run_started = false;    // a new run began: the Training panel shows its settings
    std::string failure;         // a run or evaluation just failed, and why (session.h: work())
};

class EngineView {
public:
    // [SECTION] From the engine (each throws std::invalid_argument on a malformed message; the view then
    // keeps what it had)
    // {status, restart, losses, epochs, evaluation?} as web/worker/engine_api.cpp sends it.
    UpdateNews apply_update(const nlohmann::json& update);
    // The weights of model version `version` and the sample predictions made with them.
    void apply_snapshot(long version, const std::string& arch, const float* weights, std::size_t count,
                        const nlohmann::json& samples);
    // A data set's test files (raw IDX bytes) for the thumbnails of the sample grid and the evaluation.
    // The view keeps one per data set; panels see the current data set's.
    void set_test_set(DatasetId dataset, const std::uint8_t* images, std::size_t images_size, const std::uint8_t* labels,
                      std::size_t labels_size);
    DatasetProgress& dataset_progress() { return dataset_progress_; }
    // The data set is not here and nothing has asked for it yet: Start or Evaluate will download it.
    bool data_on_demand() const {
        return phase() == Phase::Loading && !dataset_progress_.requested && dataset_progress_.error.empty();
    }
    void set_engine(const std::string& kind, int threads) { engine_kind_ = kind, engine_threads_ = threads; }

    // [SECTION] For the panels
    bool has_status() const { return has_status_; }  // an update has arrived
    const RunStatus& status() const { return status_; }
    const DatasetInfo& dataset() const { return dataset_info(status_.dataset); }  // the engine's current data set
    Phase phase() const { return status_.phase; }
    const std::vector<LossPoint>& losses() const { return losses_; }
    const std::vector<EpochReport>& epochs() const { return epochs_; }
    const Dataset& test_set() const;  // of the current data set; empty until the page has it
    bool has_samples() const;
    const std::vector<int>& sample_indices() const { return sample_indices_; }
    const std::vector<Prediction>& sample_predictions() const { return sample_predictions_; }
    const Evaluation* evaluation() const { return evaluation_.total ? &evaluation_ : nullptr; }
    const std::vector<std::uint8_t>& test_predictions() const { return test_predicted_; }
    const DatasetProgress& dataset_progress() const { return dataset_progress_; }
    const std::string& engine_kind() const { return engine_kind_; }  // "worker" or "pthreads"
    int engine_threads() const { return engine_threads_; }

    // The UI's model: the weights of the last snapshot. null before the first.
    const Model* model() const { return model_.get(); }
    long model_version() const { return model_version_; }
    Prediction classify(const float* pixels);  // (784) in [0,1]; a uniform guess before the first snapshot

private:
    bool has_status_ = false;
    RunStatus status_;
    std::vector<LossPoint> losses_;
    std::vector<EpochReport> epochs_;
    std::array<Dataset, kNumDatasets> test_sets_;  // by dataset_index
    std::vector<int> sample_indices_;
    std::vector<Prediction> sample_predictions_;
    Evaluation evaluation_;
    std::vector<std::uint8_t> test_predicted_;
    DatasetProgress dataset_progress_;
    std::string engine_kind_ = "worker";
    int engine_threads_ = 1;
    std::unique_ptr<Model> model_;
    long model_version_ = -1;
};

EngineView& engine();

// value as a whole number in [lo, hi]; throws std::invalid_argument naming `what` otherwise.
std::int64_t whole_number(const nlohmann::json& value, std::int64_t lo, std::int64_t hi, const char* what);

}  // namespace convpad::app
