// Confusion matrix → per-class precision/recall/F1, with scikit-learn's zero_division=0 semantics.
#include "train/metrics.h"

#include <algorithm>
#include <iomanip>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace convpad {

namespace {

double ratio_or_zero(double num, double den) { return den > 0 ? num / den : 0.0; }

std::string class_name(const std::vector<std::string>& names, int i) {
    return std::size_t(i) < names.size() ? names[std::size_t(i)] : std::to_string(i);
}

}  // namespace

Evaluation evaluate_predictions(const std::vector<std::uint8_t>& truth, const std::vector<std::uint8_t>& predicted,
                                int num_classes) {
    if (num_classes < 1) throw std::invalid_argument("evaluate_predictions: num_classes must be at least 1");
    if (truth.size() != predicted.size())
        throw std::invalid_argument("evaluate_predictions: " + std::to_string(truth.size()) + " labels but " +
                                    std::to_string(predicted.size()) + " predictions");
    std::vector<long> confusion(std::size_t(num_classes) * num_classes, 0);
    for (std::size_t i = 0; i < truth.size(); ++i) {
        if (truth[i] >= num_classes || predicted[i] >= num_classes)
            throw std::invalid_argument("evaluate_predictions: at index " + std::to_string(i) + " truth " +
                                        std::to_string(truth[i]) + " / prediction " + std::to_string(predicted[i]) +
                                        " is out of range 0.." + std::to_string(num_classes - 1));
        ++confusion[std::size_t(truth[i]) * num_classes + predicted[i]];
    }
    return evaluation_from_confusion(confusion, num_classes);
}

Evaluation evaluation_from_confusion(const std::vector<long>& confusion, int num_classes) {
    if (num_classes < 1) throw std::invalid_argument("evaluation_from_confusion: num_classes must be at least 1");
    const std::size_t n = std::size_t(num_classes);
    if (confusion.size() != n * n)
        throw std::invalid_argument("evaluation_from_confusion: matrix has " + std::to_string(confusion.size()) +
                                    " entries, expected " + std::to_string(n * n));
    if (std::any_of(confusion.begin(), confusion.end(), [](long c) { return c < 0; }))
        throw std::invalid_argument("evaluation_from_confusion: negative count in the confusion matrix");

    Evaluation e;
    e.num_classes = num_classes;
    e.confusion = confusion;
    e.per_class.resize(n);
    std::vector<long> predicted_count(n, 0);  // column sums
    long correct = 0;
    for (std::size_t t = 0; t < n; ++t)
        for (std::size_t p = 0; p < n; ++p) {
            long c = confusion[t * n + p];
            e.per_class[t].support += c;
            predicted_count[p] += c;
            e.total += c;
            if (t == p) correct += c;
        }

    for (std::size_t k = 0; k < n; ++k) {
        ClassReport& r = e.per_class[k];
        double tp = double(confusion[k * n + k]);
        r.precision = ratio_or_zero(tp, double(predicted_count[k]));
        r.recall = ratio_or_zero(tp, double(r.support));
        r.f1 = ratio_or_zero(2 * r.precision * r.recall, r.precision + r.recall);

        e.macro.precision += r.precision;
        e.macro.recall += r.recall;
        e.macro.f1 += r.f1;
        double share = ratio_or_zero(double(r.support), double(e.total));
        e.weighted.precision += share * r.precision;
        e.weighted.recall += share * r.recall;
        e.weighted.f1 += share * r.f1;
    }
    e.macro.precision /= double(n);
    e.macro.recall /= double(n);
    e.macro.f1 /= double(n);
    e.accuracy = ratio_or_zero(double(correct), double(e.total));
    e.macro.support = e.total;
    e.weighted.support = e.total;
    return e;
}

std::string format_report(const Evaluation& e, const std::vector<std::string>& class_names) {
    const int n = e.num_classes;
    int name_width = int(std::string("weighted avg").size());
    for (int k = 0; k < n; ++k) name_width = std::max(name_width, int(class_name(class_names, k).size()));

    std::ostringstream out;
    out << std::fixed << std::setprecision(4);
    auto row = [&](const std::string& label, const ClassReport& r) {
        out << std::setw(name_width) << label << ' ' << std::setw(10) << r.precision << ' ' << std::setw(10)
            << r.recall << ' ' << std::setw(10) << r.f1 << ' ' << std::setw(10) << r.support << '\n';
    };
    const std::string blank(10, ' ');

    out << std::setw(name_width) << "" << ' ' << std::setw(10) << "precision" << ' ' << std::setw(10) << "recall"
        << ' ' << std::setw(10) << "f1-score" << ' ' << std::setw(10) << "support" << "\n\n";
    for (int k = 0; k < n; ++k) row(class_name(class_names, k), e.per_class[std::size_t(k)]);
    out << '\n';
    out << std::setw(name_width) << "accuracy" << ' ' << blank << ' ' << blank << ' ' << std::setw(10) << e.accuracy
        << ' ' << std::setw(10) << e.total << '\n';
    row("macro avg", e.macro);
    row("weighted avg", e.weighted);
    if (e.loss != 0)
        out << std::setw(name_width) << "loss" << ' ' << blank << ' ' << blank << ' ' << std::setw(10) << e.loss << '\n';

    // Columns are numbered to stay narrow; the row labels say which number is which class.
    long largest = 0;
    for (long c : e.confusion) largest = std::max(largest, c);
    const int index_width = int(std::to_string(n - 1).size());
    const int cell = std::max(int(std::to_string(largest).size()), index_width);
    out << "\nConfusion matrix (rows: true class, columns: predicted class)\n";
    out << std::string(std::size_t(index_width + 1 + name_width), ' ');
    for (int p = 0; p < n; ++p) out << "  " << std::setw(cell) << p;
    out << '\n';
    for (int t = 0; t < n; ++t) {
        out << std::setw(index_width) << t << ' ' << std::left << std::setw(name_width) << class_name(class_names, t)
            << std::right;
        for (int p = 0; p < n; ++p) out << "  " << std::setw(cell) << e.at(t, p);
        out << '\n';
    }
    return out.str();
}

std::string format_json(const Evaluation& e, const std::vector<std::string>& class_names) {
    auto summary = [](const ClassReport& r) {
        return nlohmann::json{{"precision", r.precision}, {"recall", r.recall}, {"f1", r.f1}};
    };
    nlohmann::json classes = nlohmann::json::array();
    for (int k = 0; k < e.num_classes; ++k) {
        const ClassReport& r = e.per_class[std::size_t(k)];
        classes.push_back({{"name", class_name(class_names, k)},
                           {"precision", r.precision},
                           {"recall", r.recall},
                           {"f1", r.f1},
                           {"support", r.support}});
    }
    nlohmann::json confusion = nlohmann::json::array();
    for (int t = 0; t < e.num_classes; ++t) {
        nlohmann::json row = nlohmann::json::array();
        for (int p = 0; p < e.num_classes; ++p) row.push_back(e.at(t, p));
        confusion.push_back(std::move(row));
    }
    nlohmann::json j = {{"accuracy", e.accuracy}, {"macro", summary(e.macro)},
                        {"weighted", summary(e.weighted)}, {"classes", std::move(classes)},
                        {"confusion", std::move(confusion)}, {"total", e.total},
                        {"loss", e.loss}};
    return j.dump();
}

}  // namespace convpad
