// How the C functions JavaScript calls answer (web/worker/engine_api.cpp, web/ui/js_api.cpp, tools/bench/web/bench_api.cpp): JSON text that stays
// valid until the next call (JS copies it at once), and {"error": message} for any exception, so a bad
// argument never aborts the wasm module.
#pragma once
#include <cmath>
#include <exception>
#include <string>

#include <nlohmann/json.hpp>

namespace convpad::js {

using nlohmann::json;

inline std::string& reply_text() {
    static std::string text;  // what the last call returned
    return text;
}

inline const char* reply(const json& value) {
    // error_handler replace: messages may quote bytes from a user's file that are not UTF-8.
    reply_text() = value.dump(-1, ' ', false, json::error_handler_t::replace);
    return reply_text().c_str();
}

// Runs `body` (returning json) and replies with its result, or with {"error": ...} for any exception.
template <class Body>
const char* guarded(Body&& body) {
    try {
        return reply(body());
    } catch (const std::exception& e) {
        try {
            return reply({{"error", e.what()}});
        } catch (...) {
        }
    } catch (...) {
    }
    reply_text() = R"({"error":"unexpected error in the engine"})";
    return reply_text().c_str();
}

// NaN and infinities are not JSON: they become null.
inline json number_or_null(double x) { return std::isfinite(x) ? json(x) : json(nullptr); }

}  // namespace convpad::js
