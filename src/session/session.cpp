#include "session/session.h"

#include <stdexcept>

#include "engine/model_file.h"

namespace convpad {

namespace {
const std::vector<LossPoint> kNoLosses;
const std::vector<EpochReport> kNoEpochs;
constexpr int kEvalChunk = 500;  // test images per work() unit
}  // namespace

Session::Session(DatasetId dataset, const std::string& arch) : dataset_(dataset), model_(std::make_unique<Model>(arch, 42)) {
    loaded_model_bytes_ = convpad::save_model(*model_);
}

void Session::model_changed(const std::string& message) {
    ++run_id_;
    ++model_version_;
    evaluation_ = Evaluation{};
    test_predicted_.clear();
    message_ = message;
    refresh_samples();
}

// [SECTION] Commands

void Session::load_model(const std::uint8_t* data, std::size_t size) {
    if (run_ && !run_->finished()) throw std::logic_error("cannot load a model while training; pause and reset first");
    if (evaluation_job_) throw std::logic_error("cannot load a model while evaluating");
    auto loaded = std::make_unique<Model>(convpad::load_model(data, size));  // throws; nothing changed yet
    model_ = std::move(loaded);
    loaded_model_bytes_.assign(data, data + size);
    model_loaded_ = true;
    run_.reset();
    model_changed("loaded model " + model_->arch());
}

std::vector<std::uint8_t> Session::save_model() const {
    return convpad::save_model(run_ ? run_->model() : *model_);
}

void Session::set_data_file(DataFile which, const std::uint8_t* data, std::size_t size) {
    data_.set_file(which, data, size);
    if (data_.ready()) {
        samples_.choose(data_.test());
        samples_version_ = -1;
        refresh_samples();
    }
}

void Session::start_training(const RunSettings& settings) {
    if (!data_.ready()) throw std::logic_error("the data set is still loading");
    if (evaluation_job_) throw std::logic_error("an evaluation is running");
    if (run_ && !run_->finished()) throw std::logic_error("training is already running; reset first");
    check_for_dataset(settings, dataset());
    auto run = std::make_unique<TrainingRun>(settings, data_.train(), data_.sketches(), dataset().box_side);  // validates
    run_ = std::move(run);
    model_changed("training " + run_->model().arch());
}

void Session::pause() {
    if (!run_ || run_->finished()) throw std::logic_error("nothing to pause: no run is in progress");
    run_->pause();
}

void Session::resume() {
    if (!run_ || run_->finished()) throw std::logic_error("nothing to resume: no run is in progress");
    run_->resume();
}

void Session::reset() {
    auto model = std::make_unique<Model>(convpad::load_model(loaded_model_bytes_.data(), loaded_model_bytes_.size()));
    run_.reset();
    evaluation_job_.reset();
    model_ = std::move(model);
    model_changed("reset to the model loaded last (" + model_->arch() + ")");
}

void Session::start_evaluation() {
    if (!data_.ready()) throw std::logic_error("the data set is still loading");
    if (run_ && !run_->finished()) throw std::logic_error("pause and reset training, or let it finish, before evaluating");
    if (evaluation_job_) throw std::logic_error("an evaluation is already running");
    evaluation_job_ = std::make_unique<Evaluator>(model(), data_.test());
}

// [SECTION] Work

bool Session::work(double budget_ms) {
    if (evaluation_job_) {
        if (evaluation_job_->advance(kEvalChunk)) return true;
        evaluation_ = evaluation_job_->result();
        test_predicted_ = evaluation_job_->predicted();
        evaluation_job_.reset();
        message_ = "evaluated on " + std::to_string(evaluation_.total) + " test images";
        return false;
    }
    if (!run_ || run_->finished() || run_->paused()) return false;
    const long steps_before = long(run_->losses().size());
    const bool running = run_->work(budget_ms);
    if (long(run_->losses().size()) != steps_before || !running) ++model_version_;
    if (!running) {
        message_ = run_->trainer().stop_reason();
        refresh_samples();
    }
    return running && !run_->paused();
}

// [SECTION] Snapshots

RunStatus Session::status() const {
    RunStatus s;
    const Model& current = run_ ? run_->model() : *model_;
    if (evaluation_job_) s.phase = Phase::Evaluating;
    else if (run_ && !run_->finished()) s.phase = run_->paused() ? Phase::Paused : Phase::Training;
    else s.phase = data_.ready() ? Phase::Idle : Phase::Loading;
    s.dataset = dataset_;
    s.run_id = run_id_;
    s.model_version = model_version_;
    s.arch = current.arch();
    s.params = current.num_params();
    s.message = message_;
    s.dataset_ready = data_.ready();
    s.evaluation_progress = evaluation_job_ ? evaluation_job_->progress() : 0.0;
    if (run_) run_->describe(s);
    return s;
}

const std::vector<LossPoint>& Session::losses() const { return run_ ? run_->losses() : kNoLosses; }
const std::vector<EpochReport>& Session::epochs() const { return run_ ? run_->epochs() : kNoEpochs; }

void Session::refresh_samples() {
    if (samples_version_ == model_version_) return;
    samples_.refresh(model());
    samples_version_ = model_version_;
}

}  // namespace convpad
