// The table of run options (train/run_options.h): one row per RunSettings member, names that do not
// collide, the same ranges on the command line and in the engine protocol, a printed command line that
// reads back as the same settings, and the documentation's table in step with it.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "session/protocol.h"
#include "train/run_options.h"

using namespace convpad;
using Catch::Contains;
using nlohmann::json;

namespace {

// Settings with every option away from its default, and floats that a short decimal does not round-trip.
RunSettings unusual_settings() {
    RunSettings s;
    s.arch = "conv8k3-relu-pool2-flatten-drop0.5-dense10";
    s.epochs = 3;
    s.batch_size = 32;
    s.learning_rate = 0.003f;
    s.optimizer = "adamw";
    s.dropout = 0.25f;
    s.validation = 100;
    s.patience = 0;
    s.lr_patience = 2;
    s.subset = 500;
    s.seed = (1ULL << 53) - 1;
    s.augment.shift = 2.5f;
    s.augment.rotate = 10;
    s.augment.scale = 0.1f;
    s.augment.flip = true;
    s.augment.drawn = 1.0f / 3.0f;
    s.sketches = 20;
    s.schedule = {LrSchedule::Cosine, 1.5f};
    s.weight_decay = 0.05f;
    s.label_smoothing = 0.1f;
    return s;
}

// Every member, compared exactly (floats bit for bit: the same run needs the same numbers).
void check_same(const RunSettings& a, const RunSettings& b) {
    CHECK(a.arch == b.arch);
    CHECK(a.epochs == b.epochs);
    CHECK(a.batch_size == b.batch_size);
    CHECK(a.learning_rate == b.learning_rate);
    CHECK(a.optimizer == b.optimizer);
    CHECK(a.dropout == b.dropout);
    CHECK(a.validation == b.validation);
    CHECK(a.patience == b.patience);
    CHECK(a.lr_patience == b.lr_patience);
    CHECK(a.subset == b.subset);
    CHECK(a.seed == b.seed);
    CHECK(a.augment.shift == b.augment.shift);
    CHECK(a.augment.rotate == b.augment.rotate);
    CHECK(a.augment.scale == b.augment.scale);
    CHECK(a.augment.flip == b.augment.flip);
    CHECK(a.augment.drawn == b.augment.drawn);
    CHECK(a.sketches == b.sketches);
    CHECK(a.schedule.kind == b.schedule.kind);
    CHECK(a.schedule.warmup_epochs == b.schedule.warmup_epochs);
    CHECK(a.weight_decay == b.weight_decay);
    CHECK(a.label_smoothing == b.label_smoothing);
}

// The command line's words after `convpad train`, read the way `convpad train` reads them.
RunSettings read_command_line(const std::string& line, std::string& dataset) {
    std::istringstream words(line);
    std::string word;
    words >> word >> word;  // convpad train
    REQUIRE(word == "train");
    RunSettings s;
    s.dropout = -1;  // the CLI's default: the arch's own rates
    while (words >> word) {
        REQUIRE(word.rfind("--", 0) == 0);
        const std::string flag = word.substr(2);
        if (flag == "dataset") {
            words >> dataset;
            continue;
        }
        const RunOption* option = option_by_flag(flag);
        REQUIRE(option);
        std::string value;
        if (option->kind != OptionKind::Flag) words >> value;
        option->set(s, parse_option_text(*option, value));
    }
    return s;
}

std::string read_text(const std::string& path) {
    std::ifstream in(path);
    REQUIRE(in);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("run options: keys, flags and URL names are unique, and every name finds its own row", "[options]") {
    std::set<std::string> keys, cli_names, url_names;
    for (const RunOption& o : run_options()) {
        INFO(o.key);
        CHECK(keys.insert(o.key).second);
        CHECK(cli_names.insert(o.flag).second);
        CHECK(option_by_key(o.key) == &o);
        CHECK(option_by_flag(o.flag) == &o);
        for (const std::string& name : {std::string(o.flag), std::string(o.key)}) {
            CHECK(option_by_url_name(name) == &o);
            url_names.insert(name);
        }
        for (const char* alias : o.aliases) {
            CHECK(option_by_url_name(alias) == &o);
            if (std::string(alias) != o.key) CHECK(cli_names.insert(alias).second);
            url_names.insert(alias);
        }
        CHECK(std::string(o.help).size() > 0);
    }
    CHECK(option_by_key("epoch") == nullptr);
    CHECK(option_by_flag("learningRate") == nullptr);  // camelCase is the JSON key, not a flag
    CHECK(option_by_url_name("colour") == nullptr);
    // One row per member of RunSettings that a run reads (run_settings.h).
    CHECK(run_options().size() == 21);
}

TEST_CASE("run options: settings survive the protocol and a printed command line, bit for bit", "[options][protocol]") {
    const RunSettings s = unusual_settings();
    check_same(protocol::settings_from_json(json::parse(protocol::settings_json(s).dump())), s);

    std::string dataset;
    const std::string line = train_command_line(s, "digits");
    INFO(line);
    check_same(read_command_line(line, dataset), s);
    CHECK(dataset == "digits");
    CHECK_THAT(line, Contains("--lr 0.003 "));             // the decimal as typed
    CHECK_THAT(line, Contains("--seed 9007199254740991"));
    CHECK_THAT(line, Contains("--drawn 0.33333334 "));     // a float that needs eight digits
    CHECK_THAT(line, Contains(" --flip"));

    RunSettings plain;
    plain.dropout = -1;
    plain.augment.flip = false;
    const std::string keep = train_command_line(plain, "fashion");
    CHECK_THAT(keep, !Contains("--dropout"));  // the CLI's default keeps arch's rates
    CHECK_THAT(keep, !Contains("--flip"));
    check_same(read_command_line(keep, dataset), plain);
}

TEST_CASE("run options: the command line and the protocol accept and refuse the same values", "[options][protocol]") {
    struct Case {
        const char* key;
        double value;
        bool ok;
    };
    const Case cases[] = {
        {"seed", 9007199254740991.0, true}, {"seed", 9007199254740992.0, false}, {"seed", 0, true},
        {"learningRate", 1, true},          {"learningRate", 5, false},          {"learningRate", 0, false},
        {"epochs", 1000, true},             {"epochs", 0, false},                {"lrPatience", 0, true},
        {"lrPatience", 1001, false},        {"validation", 59999, true},         {"validation", 60000, false},
        {"weightDecay", 1, true},           {"weightDecay", 1.5, false},         {"dropout", 0.9, true},
        {"dropout", 1, false},              {"scale", 0.49, true},               {"scale", 0.5, false},
        {"rotate", 45, true},               {"rotate", 46, false},               {"labelSmoothing", 0.5, true},
        {"labelSmoothing", 0.6, false},
    };
    for (const Case& c : cases) {
        const RunOption* option = option_by_key(c.key);
        REQUIRE(option);
        char text[40];
        std::snprintf(text, sizeof text, "%.17g", c.value);
        INFO(c.key << " = " << text);
        RunSettings s;
        bool protocol_ok = true, cli_ok = true;
        try {
            const json value = option->kind == OptionKind::Integer ? json((long long)c.value) : json(c.value);
            protocol::apply_option(c.key, value, s);
        } catch (const std::invalid_argument&) {
            protocol_ok = false;
        }
        try {
            parse_option_text(*option, text);
        } catch (const std::invalid_argument&) {
            cli_ok = false;
        }
        CHECK(protocol_ok == c.ok);
        CHECK(cli_ok == c.ok);
    }
    CHECK_THROWS_WITH(parse_option_text(*option_by_key("epochs"), "3.5"), "--epochs must be an integer from 1 to 1000 (got '3.5')");
    CHECK_THROWS_WITH(parse_option_text(*option_by_key("learningRate"), "fast"), "--lr must be in (0, 1] (got 'fast')");
    CHECK_THROWS_WITH(parse_option_text(*option_by_key("optimizer"), "rmsprop"),
                      "--optimizer must be 'adam', 'adamw' or 'sgd' (got 'rmsprop')");
    CHECK_THROWS_WITH(parse_option_text(*option_by_key("rotate"), "90"), "augmentation: rotate must be in [0, 45] degrees, got 90");
    RunSettings s;
    CHECK_THROWS_WITH(protocol::apply_option("learningRate", 5, s), "learningRate must be in (0, 1] (got 5)");
    protocol::apply_option("lrPatience", 4, s);
    CHECK(s.lr_patience == 4);
}

TEST_CASE("run options: the augmentation's own checks and the table's ranges agree", "[options][augment]") {
    for (const RunOption& o : run_options()) {
        if (!o.check || o.kind != OptionKind::Number) continue;
        INFO(o.key);
        OptionValue v;
        v.number = o.min;
        CHECK_NOTHROW(check_option(o, v, o.key));
        v.number = o.min - 0.01;
        CHECK_THROWS(check_option(o, v, o.key));
        v.number = o.max_open ? o.max - 0.01 : o.max;
        CHECK_NOTHROW(check_option(o, v, o.key));
        v.number = o.max_open ? o.max : o.max + 0.01;
        CHECK_THROWS(check_option(o, v, o.key));
    }
}

TEST_CASE("run options: docs/run-options.md lists every option with its names and range", "[options][docs]") {
    const std::string doc = read_text(std::string(CONVPAD_SOURCE_DIR) + "/docs/run-options.md");
    for (const RunOption& o : run_options()) {
        INFO(o.key);
        const std::string row_start = std::string("| `") + o.key + "` | `--" + o.flag + "` |";
        const auto at = doc.find(row_start);
        REQUIRE(at != std::string::npos);
        const std::string row = doc.substr(at, doc.find('\n', at) - at);
        CHECK_THAT(row, Contains(option_range_text(o)));
        for (const char* alias : o.aliases) CHECK_THAT(row, Contains(std::string("`") + alias + "`"));
    }
}
