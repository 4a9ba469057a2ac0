#include "web/ui/engine_view.h"

#include <cstdint>
#include <limits>
#include <stdexcept>

#include "data/idx.h"
#include "engine/loss.h"
#include "session/protocol.h"

namespace convpad::app {

using nlohmann::json;

EngineView& engine() {
    static EngineView instance;
    return instance;
}

namespace {
bool running(Phase phase) { return phase == Phase::Training || phase == Phase::Paused; }
}  // namespace

std::int64_t whole_number(const json& value, std::int64_t lo, std::int64_t hi, const char* what) {
    // Read in 64 bits: in wasm32 a narrower get<>() would wrap an out-of-range number into range.
    if (!value.is_number_integer()) throw std::invalid_argument(std::string(what) + " must be a whole number");
    const std::int64_t v = value.is_number_unsigned() && value.get<std::uint64_t>() > std::uint64_t(INT64_MAX)
                               ? INT64_MAX
                               : value.get<std::int64_t>();
    if (v < lo || v > hi)
        throw std::invalid_argument(std::string(what) + " must be from " + std::to_string(lo) + " to " +
                                    std::to_string(hi) + " (got " + value.dump() + ")");
    return v;
}

UpdateNews EngineView::apply_update(const json& update) {
    RunStatus status = protocol::status_from_json(update.at("status"));
    std::vector<LossPoint> losses = protocol::loss_points_from_json(update.at("losses"));
    std::vector<EpochReport> epochs = protocol::epochs_from_json(update.at("epochs"));
    Evaluation evaluation;
    std::vector<std::uint8_t> predicted;
    const bool has_evaluation = update.contains("evaluation");
    if (has_evaluation) {
        evaluation = protocol::evaluation_from_json(update["evaluation"]);
        for (const json& label : update["evaluation"].at("predicted"))
            predicted.push_back(std::uint8_t(whole_number(label, 0, kNumClasses - 1, "a predicted class")));
    }
    // Everything parsed: now change the view.
    const bool restart = update.value("restart", false);
    const bool same_dataset = has_status_ && status.dataset == status_.dataset;
    if (status.dataset != status_.dataset) {  // the page switched data sets: the samples were the other set's
        sample_indices_.clear();
        sample_predictions_.clear();
    }
    if (restart) {
        losses_.clear();
        epochs_.clear();
        evaluation_ = Evaluation{};
        test_predicted_.clear();
    }
    UpdateNews news;
    if (same_dataset) {
        news.phase_changed = status.phase != status_.phase;
        news.new_epochs = epochs.size();
        news.run_ended = running(status_.phase) && !running(status.phase);
        news.run_started = restart && status.has_run;
        if (status_.failure.empty()) news.failure = status.failure;
    }
    has_status_ = true;
    status_ = std::move(status);
    losses_.insert(losses_.end(), losses.begin(), losses.end());
    epochs_.insert(epochs_.end(), epochs.begin(), epochs.end());
    if (has_evaluation) {
        evaluation_ = std::move(evaluation);
        test_predicted_ = std::move(predicted);
    }
    return news;
}

void EngineView::apply_snapshot(long version, const std::string& arch, const float* weights, std::size_t count,
                                const json& samples) {
    std::vector<int> indices;
    for (const json& index : samples.at("indices"))
        indices.push_back(int(whole_number(index, 0, std::numeric_limits<int>::max(), "a sample's index")));
    std::vector<Prediction> predictions;
    for (const json& p : samples.at("predictions")) predictions.push_back(protocol::prediction_from_json(p));
    std::unique_ptr<Model> model = !model_ || model_->arch() != arch ? std::make_unique<Model>(arch) : nullptr;
    Model& target = model ? *model : *model_;
    if (count != target.num_weights())
        throw std::invalid_argument("snapshot of " + std::to_string(count) + " weights for a model of " +
                                    std::to_string(target.num_weights()));
    target.set_weights(std::vector<float>(weights, weights + count));
    if (model) model_ = std::move(model);
    model_version_ = version;
    sample_indices_ = std::move(indices);
    sample_predictions_ = std::move(predictions);
}

void EngineView::set_test_set(DatasetId dataset, const std::uint8_t* images, std::size_t images_size,
                              const std::uint8_t* labels, std::size_t labels_size) {
    const IdxImages idx_images = parse_idx_images(images, images_size, "t10k-images-idx3-ubyte");
    const IdxLabels idx_labels = parse_idx_labels(labels, labels_size, kNumClasses, "t10k-labels-idx1-ubyte");
    test_sets_[dataset_index(dataset)] = make_dataset(idx_images, idx_labels, "test set");
}

const Dataset& EngineView::test_set() const { return test_sets_[dataset_index(status_.dataset)]; }

bool EngineView::has_samples() const {
    if (sample_indices_.empty() || sample_predictions_.size() != sample_indices_.size()) return false;
    for (int i : sample_indices_)
        if (i < 0 || i >= test_set().count()) return false;
    return true;
}

Prediction EngineView::classify(const float* pixels) {
    Prediction p;
    if (!model_) {
        p.probs.fill(1.0f / kNumClasses);
        return p;
    }
    model_->predict(pixels, 1, p.probs.data());
    p.label = argmax_class(p.probs.data(), kNumClasses);
    return p;
}

}  // namespace convpad::app
