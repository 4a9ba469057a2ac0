// The browser's engine: what runs in the page's engine worker (web/worker/engine_api.cpp), off the main
// thread. It owns the current model, the data store, at most one training run, one evaluation and the
// sample predictions, takes commands, does work in bounded slices and answers with plain snapshots
// (RunStatus, the append-only logs). It has no UI.
#pragma once
#include <cstdint>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "session/data_store.h"
#include "session/kept_run.h"
#include "train/evaluator.h"
#include "session/run_status.h"
#include "session/sample_predictions.h"
#include "session/training_run.h"

namespace convpad {

class Session {
public:
    // A session works on one data set (the page keeps one per data set, so switching loses nothing).
    explicit Session(DatasetId dataset = DatasetId::Fashion, const std::string& arch = kDefaultArch);
    const DatasetInfo& dataset() const { return dataset_info(dataset_); }

    // [SECTION] Commands. A refused command throws (std::logic_error: not now; std::invalid_argument,
    // ModelFileError, DataError: bad input) and changes nothing.
    void load_model(const std::uint8_t* data, std::size_t size);  // refused while training or evaluating
    // As load_model, then shows `run` as the model's finished run (refused like load_model; a predicted list
    // that is not one class per test image is refused too, and nothing changes).
    void restore_run(const std::uint8_t* data, std::size_t size, KeptRun run);
    std::vector<std::uint8_t> save_model() const;
    bool model_loaded() const { return model_loaded_; }  // a model file was loaded (else: initial random weights)
    void set_data_file(DataFile which, const std::uint8_t* data, std::size_t size);
    // A new run from freshly initialised weights (needs the data set; refused while a run is in progress).
    // memory_available: bytes the host can still give (the page's engine: what its wasm heap may grow by);
    // a run whose estimate (train/memory_estimate.h) does not fit is refused with the estimate, the limit
    // and a batch size that would fit.
    void start_training(const RunSettings& settings, std::size_t memory_available = SIZE_MAX);
    void pause();   // takes effect at once: work() runs whole batches, so this is a step boundary
    void resume();
    // Stops any run or evaluation, clears the curves and goes back to the model loaded last.
    void reset();
    void start_evaluation();  // the test images; refused while a run is in progress

    // [SECTION] Work: training steps or evaluation chunks for about budget_ms (at least one unit).
    // Returns whether work is left (false when idle, paused or finished). A unit that fails (out of memory,
    // anything thrown) ends that run or evaluation only: the run keeps its weights and curves as its last
    // whole step left them, and status().failure says why.
    bool work(double budget_ms);

    // [SECTION] Snapshots
    RunStatus status() const;
    Model& model() { return run_ ? run_->model() : *model_; }  // the current weights
    const std::vector<LossPoint>& losses() const;               // of the current run (empty: none)
    const std::vector<EpochReport>& epochs() const;
    const DataStore& data() const { return data_; }
    // Predictions of the sample images, made by refresh_samples(), which predicts again only when the
    // weights changed since (commands and the end of a run call it; so does each snapshot for the page).
    const SamplePredictions& samples() const { return samples_; }
    void refresh_samples();
    const Evaluation* last_evaluation() const { return evaluation_.total ? &evaluation_ : nullptr; }
    const std::vector<std::uint8_t>& test_predictions() const { return test_predicted_; }  // of the last evaluation

private:
    void model_changed(const std::string& message);
    bool work_unit(double budget_ms);
    void fail(const char* what);

    DatasetId dataset_;
    std::unique_ptr<Model> model_;                  // the current model when there is no run
    std::vector<std::uint8_t> loaded_model_bytes_;  // what reset() returns to
    bool model_loaded_ = false;
    DataStore data_;
    std::unique_ptr<TrainingRun> run_;
    std::unique_ptr<KeptRun> kept_;  // a restored run's record, while no run replaced it
    std::unique_ptr<Evaluator> evaluation_job_;
    Evaluation evaluation_;
    std::vector<std::uint8_t> test_predicted_;
    SamplePredictions samples_;
    long samples_version_ = -1;  // model_version_ the sample predictions were made with
    long run_id_ = 0, model_version_ = 0;
    std::string message_;
    std::string failure_;
};

}  // namespace convpad
