// Every option of a training run, declared once (as llama.cpp's common/arg.h declares its options): the
// name train() and the engine protocol use, the `convpad train` flag, the URL parameter, the kind and range
// of its values, its help, and the RunSettings member it sets. The CLI's parser and usage, the protocol's
// reader and writer, the page (through convpad_ui_run_options) and the Training panel's bounds read this
// table; tests hold the page's URL reader and docs/run-options.md to it.
#pragma once
#include <string>
#include <vector>

#include "train/run_settings.h"

namespace convpad {

enum class OptionKind {
    Integer,  // a whole number in [min, max]
    Number,   // a finite number in [min, max], or (min, max] / [min, max) as min_open / max_open say
    Text,     // a non-empty string of at most `max` characters
    Choice,   // one of `choices`
    Flag,     // on or off
};

// One option's value, whatever its kind. `null` is only for nullable options (dropout: keep arch's rates).
struct OptionValue {
    bool null = false;
    double number = 0;  // Integer, Number (integers up to 2^53 are exact)
    std::string text;   // Text, Choice
    bool flag = false;  // Flag
};

struct RunOption {
    const char* key;   // train({key}), the engine protocol, settings()
    const char* flag;  // convpad train --flag; also the URL parameter share links write
    std::vector<const char*> aliases;  // other names the URL (and for the CLI, --alias) still accepts
    OptionKind kind;
    double min = 0, max = 0;
    bool min_open = false, max_open = false;
    std::vector<const char*> choices;  // Choice
    bool nullable = false;
    const char* help;
    OptionValue (*get)(const RunSettings&);
    void (*set)(RunSettings&, const OptionValue&);
    // Replaces the range check for options whose owner words its own message (the augmentation's);
    // throws std::invalid_argument. The table's range must agree with it (tests/test_run_options.cpp).
    void (*check)(const OptionValue&) = nullptr;
};

// The table, in the order the usage text, the docs and a printed command line list the options.
const std::vector<RunOption>& run_options();
// nullptr when no option has that key / that flag or alias / that URL name (flag, key or alias).
const RunOption* option_by_key(const std::string& key);
const RunOption* option_by_flag(const std::string& flag);
const RunOption* option_by_url_name(const std::string& name);

// Throws std::invalid_argument when `value` is outside the option's range, with the message
// "<name> must be <what>" (the caller appends what it got, in its own notation).
void check_option(const RunOption& option, const OptionValue& value, const std::string& name);
// "an integer from 1 to 1000", "in (0, 1]", "'adam', 'adamw' or 'sgd'", "true or false", ...
std::string option_range_text(const RunOption& option);

// A command-line value: the text after --flag, read by the option's kind. Throws std::invalid_argument
// with "--flag must be ... (got 'text')".
OptionValue parse_option_text(const RunOption& option, const std::string& text);
// The value as `convpad train` reads it back exactly: the shortest decimal that gives the same float.
std::string option_text(const RunOption& option, const OptionValue& value);
// The shortest decimal that reads back as `x` ("0.003", "0.33333334"); whole numbers in full ("60000").
std::string shortest_decimal(float x);

// `convpad train --dataset NAME --flag value ...` with every option of `settings`, so that the command
// trains the same run, bit for bit (a flag that is off and dropout that keeps arch's rates are left out).
std::string train_command_line(const RunSettings& settings, const std::string& dataset_name);

// The option lines of `convpad train`'s usage text, with each option's value in `defaults` (the CLI's).
std::string train_usage(const RunSettings& defaults);

}  // namespace convpad
