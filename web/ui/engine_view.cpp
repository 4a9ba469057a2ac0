#include "web/ui/engine_view.h"

#include <emscripten.h>

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

void EngineView::apply_update(const json& update) {
    RunStatus status = protocol::status_from_json(update.at("status"));
    std::vector<LossPoint> losses = protocol::loss_points_from_json(update.at("losses"));
    std::vector<EpochReport> epochs = protocol::epochs_from_json(update.at("epochs"));
    Evaluation evaluation;
    std::vector<std::uint8_t> predicted;
    const bool has_evaluation = update.contains("evaluation");
    if (has_evaluation) {
        evaluation = protocol::evaluation_from_json(update["evaluation"]);
        predicted = update["evaluation"].at("predicted").get<std::vector<std::uint8_t>>();
    }
    // Everything parsed: now change the view.
    if (status.dataset != status_.dataset) {  // the page switched data sets: the samples were the other set's
        sample_indices_.clear();
        sample_predictions_.clear();
    }
    if (update.value("restart", false)) {
        losses_.clear();
        epochs_.clear();
        evaluation_ = Evaluation{};
        test_predicted_.clear();
    }
    status_ = std::move(status);
    losses_.insert(losses_.end(), losses.begin(), losses.end());
    epochs_.insert(epochs_.end(), epochs.begin(), epochs.end());
    if (has_evaluation) {
        evaluation_ = std::move(evaluation);
        test_predicted_ = std::move(predicted);
    }
}

void EngineView::apply_snapshot(long version, const std::string& arch, const float* weights, std::size_t count,
                                const json& samples) {
    std::vector<int> indices = samples.at("indices").get<std::vector<int>>();
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
    test_sets_[dataset == DatasetId::Digits ? 1 : 0] = make_dataset(idx_images, idx_labels, "test set");
}

const Dataset& EngineView::test_set() const { return test_sets_[status_.dataset == DatasetId::Digits ? 1 : 0]; }

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

void command(const char* call) {
    EM_ASM({
        if (Module['onCommand']) Module['onCommand'](UTF8ToString($0));
    }, call);
}

}  // namespace convpad::app
