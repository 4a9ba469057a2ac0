// A fixed sample of test images and a model's predictions of them: the sample grid of the browser app.
#pragma once
#include <vector>

#include "data/dataset.h"
#include "engine/model.h"
#include "session/run_status.h"

namespace convpad {

class SamplePredictions {
public:
    // Picks `count` test images spread over the whole set, each nudged by a few places so the picks
    // do not fall on the same stride as any ordering of the file.
    void choose(DataView test, int count = 48);
    void refresh(Model& model);  // predicts every chosen image with the model's current weights

    const std::vector<int>& indices() const { return indices_; }
    const std::vector<Prediction>& predictions() const { return predictions_; }

private:
    DataView test_;
    std::vector<int> indices_;
    std::vector<float> pixels_, probs_;
    std::vector<Prediction> predictions_;
};

}  // namespace convpad
