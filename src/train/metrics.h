// Classification metrics from a confusion matrix.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace convpad {

struct ClassReport {
    double precision = 0, recall = 0, f1 = 0;
    long support = 0;  // true samples of the class
};

struct Evaluation {
    int num_classes = 0;
    std::vector<long> confusion;  // (truth, predicted) row-major, num_classes^2
    std::vector<ClassReport> per_class;
    double accuracy = 0;
    ClassReport macro, weighted;  // macro: unweighted mean; weighted: by support (support = total)
    long total = 0;
    double loss = 0;  // mean cross-entropy, when computed by the caller (0 otherwise)
    long at(int truth, int predicted) const { return confusion[std::size_t(truth) * num_classes + predicted]; }
};

// A class never predicted has precision 0; never present has recall 0; F1 is 0 when P+R == 0
// (scikit-learn's zero_division=0).
Evaluation evaluate_predictions(const std::vector<std::uint8_t>& truth, const std::vector<std::uint8_t>& predicted,
                                int num_classes);
Evaluation evaluation_from_confusion(const std::vector<long>& confusion, int num_classes);

// Text report like scikit-learn's classification_report plus the confusion matrix.
std::string format_report(const Evaluation& e, const std::vector<std::string>& class_names);
// One JSON object: accuracy, per-class arrays, macro/weighted, confusion.
std::string format_json(const Evaluation& e, const std::vector<std::string>& class_names);

}  // namespace convpad
