// Progress of the Fashion-MNIST download that web/loader.js runs in the background after the app
// has started (the pretrained model comes first, so the pad works while ~30 MB arrive). The loader
// reports through js_api.cpp; the status bar reads it.
#pragma once
#include <string>

namespace convpad::app {

struct LoadProgress {
    double loaded = 0, total = 0;  // bytes downloaded (compressed, as they cross the network); total 0: unknown yet
    std::string error;             // why loading failed (empty while fine); the app keeps running without data
};

LoadProgress& dataset_progress();

}  // namespace convpad::app
