#include "train/run_settings.h"

#include <cstdio>
#include <stdexcept>

namespace convpad {

std::string with_dropout(const std::string& arch, float rate) {
    if (rate < 0) return arch;
    char rate_text[32];
    std::snprintf(rate_text, sizeof rate_text, "drop%g", double(rate));
    std::string out;
    std::size_t pos = 0;
    while (pos <= arch.size()) {
        std::size_t end = arch.find('-', pos);
        if (end == std::string::npos) end = arch.size();
        const std::string tok = arch.substr(pos, end - pos);
        out += (out.empty() ? "" : "-") + (tok.rfind("drop", 0) == 0 ? std::string(rate_text) : tok);
        pos = end + 1;
    }
    return out;
}

std::string run_arch(const RunSettings& settings) {
    if (!(settings.dropout < 1.0f)) throw std::invalid_argument("dropout must be below 1");
    return with_dropout(settings.arch, settings.dropout);
}

TrainConfig train_config(const RunSettings& settings) {
    TrainConfig config;
    config.epochs = settings.epochs;
    config.batch_size = settings.batch_size;
    config.optimizer.kind = settings.optimizer;
    config.optimizer.learning_rate = settings.learning_rate;
    config.patience = settings.patience;
    config.lr_patience = settings.lr_patience;
    config.seed = settings.seed;
    return config;
}

Split run_data(DataView full_train, const RunSettings& settings) {
    if (settings.subset < 0) throw std::invalid_argument("subset must be >= 0 (0: every training image)");
    Split split = split_validation(full_train, settings.validation);
    if (settings.subset > 0) split.train = split.train.first(settings.subset);
    return split;
}

}  // namespace convpad
