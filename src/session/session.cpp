#include "session/session.h"

#include <stdexcept>

#include "engine/model_file.h"
#include "kernels/parallel.h"
#include "train/memory_estimate.h"

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
    failure_.clear();
    kept_.reset();
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

void Session::restore_run(const std::uint8_t* data, std::size_t size, KeptRun run) {
    if (!run.predicted.empty() && (!data_.ready() || int(run.predicted.size()) != data_.test().count()))
        throw std::invalid_argument("the kept evaluation does not match this data set's test images");
    for (std::uint8_t label : run.predicted)
        if (label >= kNumClasses) throw std::invalid_argument("the kept evaluation has a class out of range");
    if (run.evaluation.total && run.evaluation.num_classes != kNumClasses)
        throw std::invalid_argument("the kept evaluation is not of ten classes");
    load_model(data, size);  // throws, changing nothing
    kept_ = std::make_unique<KeptRun>(std::move(run));
    evaluation_ = kept_->evaluation;
    test_predicted_ = std::move(kept_->predicted);
    message_ = "restored the run of " + model_->arch();
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

namespace {
// A kept run's part of a status: finished where its logs end.
void describe_kept(const KeptRun& run, RunStatus& s) {
    s.has_run = true;
    s.settings = run.settings;
    s.epoch = s.epochs = int(run.epochs.size());
    s.steps_done = long(run.losses.size());
    s.train_loss = run.losses.empty() ? NAN : double(run.losses.back().loss);
    s.learning_rate = run.losses.empty() ? NAN : double(run.losses.back().learning_rate);
    s.val_loss = run.epochs.empty() ? NAN : run.epochs.back().val_loss;
    s.val_accuracy = run.epochs.empty() ? NAN : run.epochs.back().val_accuracy;
}

// Refuses a run that would not fit, naming the estimate, the limit and a batch size that would fit.
void check_memory(const RunSettings& settings, const DatasetInfo& dataset, int sketch_images, std::uint64_t available) {
    const std::uint64_t needed = estimate_training_memory(settings, dataset, num_threads(), sketch_images).total();
    if (needed <= available) return;
    std::string advice = "fewer or smaller filters";
    for (RunSettings smaller = settings; smaller.batch_size > 1;) {
        smaller.batch_size /= 2;
        if (estimate_training_memory(smaller, dataset, num_threads(), sketch_images).total() <= available) {
            advice = "batch " + std::to_string(smaller.batch_size) + " or " + advice;
            break;
        }
    }
    throw std::invalid_argument("this run needs about " + memory_text(needed) + "; at most " + memory_text(available) +
                                " fits. Try " + advice);
}
}  // namespace

void Session::start_training(const RunSettings& settings, std::size_t memory_available) {
    if (!data_.ready()) throw std::logic_error("the data set is still loading");
    if (evaluation_job_) throw std::logic_error("an evaluation is running");
    if (run_ && !run_->finished()) throw std::logic_error("training is already running; reset first");
    check_for_dataset(settings, dataset());
    if (memory_available != SIZE_MAX) {
        const int sketches = data_.sketches().count();
        // The run this one replaces gives its memory back.
        const std::uint64_t freed = run_ ? estimate_training_memory(run_->settings(), dataset(), num_threads(), sketches).total() : 0;
        check_memory(settings, dataset(), sketches, std::uint64_t(memory_available) + freed);
    }
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
    failure_.clear();
}

// [SECTION] Work

bool Session::work(double budget_ms) {
    try {
        return work_unit(budget_ms);
    } catch (const std::bad_alloc&) {
        fail("out of memory");
    } catch (const std::exception& e) {
        fail(e.what());
    }
    return false;
}

void Session::fail(const char* what) {
    if (evaluation_job_) {
        evaluation_job_.reset();
        failure_ = std::string("the evaluation failed: ") + what;
    } else {
        if (run_) run_->stop();
        ++model_version_;  // the page's copy of the weights is brought up to where the run stopped
        failure_ = std::string("training stopped: ") + what;
    }
    message_ = failure_;
    try {
        refresh_samples();
    } catch (const std::exception&) {  // out of memory again: the old sample predictions stay
    }
}

bool Session::work_unit(double budget_ms) {
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
    s.failure = failure_;
    s.dataset_ready = data_.ready();
    s.evaluation_progress = evaluation_job_ ? evaluation_job_->progress() : 0.0;
    if (run_) run_->describe(s);
    else if (kept_) describe_kept(*kept_, s);
    return s;
}

const std::vector<LossPoint>& Session::losses() const {
    return run_ ? run_->losses() : kept_ ? kept_->losses : kNoLosses;
}
const std::vector<EpochReport>& Session::epochs() const {
    return run_ ? run_->epochs() : kept_ ? kept_->epochs : kNoEpochs;
}

void Session::refresh_samples() {
    if (samples_version_ == model_version_) return;
    samples_.refresh(model());
    samples_version_ = model_version_;
}

}  // namespace convpad
