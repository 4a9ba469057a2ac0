// C functions of the engine module (convpad_engine.js / convpad_engine_mt.js), which runs in the page's
// engine Web Worker (web/worker/engine_worker.js), never on the main thread. The worker turns commands from the
// page into these calls, calls convpad_engine_work() in slices while there is work, and posts the
// updates and snapshots these functions return to the page (src/session/protocol.h: the wire format).
//
// Conventions (web/js_reply.h): extern "C" + EMSCRIPTEN_KEEPALIVE; a JSON reply, or {"error": message}
// for any exception, so nothing the page sends can abort the module; a refused command changes nothing.
#include <emscripten.h>
#include <emscripten/heap.h>
#include <malloc.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/model_file.h"
#include "kernels/parallel.h"
#include "session/session.h"
#include "session/protocol.h"
#include "web/js_reply.h"

namespace {

using namespace convpad;
using nlohmann::json;
using js::guarded;

constexpr int kMaxEngineThreads = 16;  // the most the page asks for (threads=N)

// One session per data set, made when first selected: switching data sets pauses the current run and
// keeps everything (model, data, curves, evaluation) for when the page switches back.
std::array<std::unique_ptr<Session>, kNumDatasets> g_sessions;
DatasetId g_current = DatasetId::Fashion;

// Bytes the engine can still allocate: what its heap may grow by, plus what malloc holds free.
std::size_t memory_available() {
    const std::size_t grow = emscripten_get_heap_max() - emscripten_get_heap_size();
    return grow + std::size_t(mallinfo().fordblks);
}

Session& session_for(DatasetId id) {
    auto& slot = g_sessions[dataset_index(id)];
    if (!slot) slot = std::make_unique<Session>(id);
    return *slot;
}
Session& session() { return session_for(g_current); }

// What the page has already been sent, so each update carries only what is new.
struct Sent {
    long run_id = -1;
    std::size_t losses = 0, epochs = 0;
    bool evaluation = false;
    long snapshot_version = -1;
    bool snapshot_had_samples = false;  // the data set arrives after the model: same weights, new samples
};
Sent g_sent;

std::vector<float> g_weights;  // the last snapshot's weights; the worker copies them out at once

// pause, resume, reset: the command, then the status it leaves.
const char* control(void (Session::*command)()) {
    return guarded([&] {
        (session().*command)();
        return protocol::status_json(session().status());
    });
}

void check_buffer(const void* data, double size, const char* what) {
    if (!data || !(size > 0)) throw std::invalid_argument(std::string(what) + " is empty");
}

}  // namespace

extern "C" {

// [SECTION] Commands

// Threads the engine uses (the threaded build; the single-thread one stays at 1). Results are the same
// for any count. {threads} or {error}.
EMSCRIPTEN_KEEPALIVE const char* convpad_engine_set_threads(int threads) {
    return guarded([&] {
        if (threads < 1 || threads > kMaxEngineThreads)
            throw std::invalid_argument("threads must be an integer from 1 to " + std::to_string(kMaxEngineThreads) + " (got " +
                                        std::to_string(threads) + ")");
        set_num_threads(threads);
        return json{{"threads", num_threads()}};
    });
}

// name: "fashion" | "digits". Makes that data set's session the current one (a run in progress on the
// other is paused). {dataset, fresh}: fresh while no model file was ever loaded into its session (the
// page then loads the data set's pretrained model).
EMSCRIPTEN_KEEPALIVE const char* convpad_engine_select_dataset(const char* name) {
    return guarded([&] {
        const DatasetInfo& info = dataset_by_name(name ? name : "");
        if (info.id != g_current) {
            if (session().status().phase == Phase::Training) session().pause();
            g_current = info.id;
            g_sent = Sent{};  // the page hears everything of the session afresh
        }
        return json{{"dataset", info.name}, {"fresh", !session().model_loaded()}};
    });
}

// head: the first bytes of a .cpm file of file_size bytes (engine/model_file.h: kModelHeaderMaxBytes are
// enough). {arch} when the header fits that size, else {error}: a bad file is refused before the page
// copies the rest of it into this module's heap, which never shrinks.
EMSCRIPTEN_KEEPALIVE const char* convpad_engine_check_model(const std::uint8_t* head, double head_size, double file_size) {
    return guarded([&] {
        check_buffer(head, head_size, "the model file's header");
        if (!(file_size >= head_size)) throw std::invalid_argument("the model file's size is smaller than its header");
        return json{{"arch", read_model_header(head, std::size_t(head_size), std::uint64_t(file_size)).arch}};
    });
}

// bytes: a .cpm file. {arch, params} or {error}; on error the current model stays.
EMSCRIPTEN_KEEPALIVE const char* convpad_engine_load_model(const std::uint8_t* data, double size) {
    return guarded([&] {
        check_buffer(data, size, "the model file");
        session().load_model(data, std::size_t(size));
        const RunStatus s = session().status();
        return json{{"arch", s.arch}, {"params", s.params}};
    });
}

// bytes: a .cpm file; run: the run the page kept of it (protocol.h: kept_run_from_json). {arch, params} or
// {error}; on error nothing changed.
EMSCRIPTEN_KEEPALIVE const char* convpad_engine_restore_run(const std::uint8_t* data, double size, const char* run_text) {
    return guarded([&] {
        check_buffer(data, size, "the model file");
        if (!run_text) throw std::invalid_argument("the kept run is missing");
        session().restore_run(data, std::size_t(size), protocol::kept_run_from_json(json::parse(run_text)));
        const RunStatus s = session().status();
        return json{{"arch", s.arch}, {"params", s.params}};
    });
}

// {ptr, size}: a malloc'd copy of the current model as a .cpm file; the caller frees ptr.
EMSCRIPTEN_KEEPALIVE const char* convpad_engine_save_model() {
    return guarded([] {
        const std::vector<std::uint8_t> bytes = session().save_model();
        auto* copy = static_cast<std::uint8_t*>(std::malloc(bytes.size()));
        if (!copy) throw std::runtime_error("out of memory for the model file (" + std::to_string(bytes.size()) + " bytes)");
        std::memcpy(copy, bytes.data(), bytes.size());
        return json{{"ptr", reinterpret_cast<std::uintptr_t>(copy)}, {"size", bytes.size()}};
    });
}

// dataset: whose file this is (a download may finish after the page switched data sets); bytes: one
// gunzipped IDX file; file: which one (session/data_store.h: data_file_by_name, e.g. "test-images").
// {ready} (true once all four are in and the data set is built) or {error}.
EMSCRIPTEN_KEEPALIVE const char* convpad_engine_set_data_file(const char* dataset, const char* file, const std::uint8_t* data,
                                                              double size) {
    return guarded([&] {
        Session& target = session_for(dataset_by_name(dataset ? dataset : "").id);
        const DataFile which = data_file_by_name(file ? file : "");
        check_buffer(data, size, "the data file");
        target.set_data_file(which, data, std::size_t(size));
        return json{{"ready", target.data().ready()}};
    });
}

// settings: a JSON object with every train() option (the page merges the panel's values in first).
// {runId} or {error}; on error nothing changed.
EMSCRIPTEN_KEEPALIVE const char* convpad_engine_train(const char* settings_text) {
    return guarded([&] {
        if (!settings_text) throw std::invalid_argument("settings missing");
        session().start_training(protocol::settings_from_json(json::parse(settings_text)), memory_available());
        return json{{"runId", session().status().run_id}};
    });
}

EMSCRIPTEN_KEEPALIVE const char* convpad_engine_pause() { return control(&Session::pause); }
EMSCRIPTEN_KEEPALIVE const char* convpad_engine_resume() { return control(&Session::resume); }
EMSCRIPTEN_KEEPALIVE const char* convpad_engine_reset() { return control(&Session::reset); }

// Starts evaluating the current model on the test set. {runId} or {error}.
EMSCRIPTEN_KEEPALIVE const char* convpad_engine_evaluate() {
    return guarded([] {
        session().start_evaluation();
        return json{{"runId", session().status().run_id}};
    });
}

// [SECTION] Work and what the page is sent

// Trains or evaluates for about budget_ms (whole batches: a pause lands on a step boundary).
// {busy}: whether work is left.
EMSCRIPTEN_KEEPALIVE const char* convpad_engine_work(double budget_ms) {
    return guarded([&] { return json{{"busy", session().work(budget_ms)}}; });
}

// {status, restart, losses, epochs, evaluation?}: the status, the log entries the page has not had yet
// (restart: the logs begin again, a new run or a reset), and a newly finished evaluation with every
// test image's predicted class.
// Bytes the engine's allocations hold now. The heap's size (wasmBytes) is their peak plus what fragmentation
// and the growth steps added, and never shrinks: a leak shows here first.
EMSCRIPTEN_KEEPALIVE double convpad_engine_memory_in_use() { return double(mallinfo().uordblks); }

EMSCRIPTEN_KEEPALIVE const char* convpad_engine_update() {
    return guarded([] {
        Session& s = session();
        const RunStatus status = s.status();
        const bool restart = status.run_id != g_sent.run_id;
        if (restart) g_sent = Sent{status.run_id, 0, 0, false, g_sent.snapshot_version};
        json update = {{"status", protocol::status_json(status)},
                       {"restart", restart},
                       {"losses", protocol::loss_points_json(s.losses(), g_sent.losses)},
                       {"epochs", protocol::epochs_json(s.epochs(), g_sent.epochs)}};
        g_sent.losses = s.losses().size();
        g_sent.epochs = s.epochs().size();
        if (const Evaluation* e = s.last_evaluation(); e && !g_sent.evaluation) {
            json evaluation = protocol::evaluation_json(*e, s.dataset());
            evaluation["predicted"] = s.test_predictions();
            update["evaluation"] = evaluation;
            g_sent.evaluation = true;
        }
        return update;
    });
}

// {version, arch, weights: {ptr, count}, samples: {indices, predictions}} of the current model, or
// {version, same: true} when the weights have not changed since the last snapshot. The weights stay
// valid until the next call.
EMSCRIPTEN_KEEPALIVE const char* convpad_engine_snapshot() {
    return guarded([] {
        Session& s = session();
        const RunStatus status = s.status();
        s.refresh_samples();
        const bool has_samples = !s.samples().indices().empty();
        if (status.model_version == g_sent.snapshot_version && has_samples == g_sent.snapshot_had_samples)
            return json{{"version", status.model_version}, {"same", true}};
        g_sent.snapshot_version = status.model_version;
        g_sent.snapshot_had_samples = has_samples;
        g_weights = s.model().weights();
        json predictions = json::array();
        for (const Prediction& p : s.samples().predictions()) predictions.push_back(protocol::prediction_json(p, s.dataset()));
        return json{{"version", status.model_version},
                    {"arch", status.arch},
                    {"weights", {{"ptr", reinterpret_cast<std::uintptr_t>(g_weights.data())}, {"count", g_weights.size()}}},
                    {"samples", {{"indices", s.samples().indices()}, {"predictions", predictions}}}};
    });
}

}  // extern "C"
