#include "train/trainer.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "engine/loss.h"

namespace convpad {

namespace {
constexpr int kInferenceBatch = 32;  // Model::predict's chunk: the sweet spot measured for inference
}  // namespace

Trainer::Trainer(Model& model, const Dataset& train, const Dataset& val, const TrainConfig& config)
    : model_(model), train_(train), val_(val), config_(config), shuffle_rng_(config.seed, 1013) {
    if (train.count() == 0) throw std::invalid_argument("the training set is empty");
    if (config.batch_size < 1 || config.batch_size > 4096)
        throw std::invalid_argument("batch size must be in 1..4096, got " + std::to_string(config.batch_size));
    if (config.epochs < 1 || config.epochs > 1000)
        throw std::invalid_argument("epochs must be in 1..1000, got " + std::to_string(config.epochs));
    if (config.micro_batch < 0 || config.eval_chunk < 1) throw std::invalid_argument("micro-batch and eval chunk must be positive");
    if (config.patience < 0 || config.lr_patience < 0) throw std::invalid_argument("patience must be >= 0");
    if (!(config.lr_factor > 0.0f && config.lr_factor <= 1.0f))
        throw std::invalid_argument("learning-rate factor must be in (0, 1]");
    optimizer_ = make_optimizer(config.optimizer);
    params_ = model_.params();
    steps_per_epoch_ = (train.count() + config.batch_size - 1) / config.batch_size;
    order_.resize(train.count());
    for (int i = 0; i < train.count(); ++i) order_[i] = i;
    if (config_.micro_batch == 0 || config_.micro_batch > config_.batch_size) config_.micro_batch = config_.batch_size;
    batch_x_.resize(std::size_t(config_.micro_batch) * kImagePixels);
    batch_y_.resize(config_.micro_batch);
    probs_.resize(std::size_t(std::max(config_.micro_batch, config_.eval_chunk)) * kNumClasses);
    dlogits_.resize(std::size_t(config.batch_size) * kNumClasses);
    start_epoch();
}

double Trainer::images_per_second() const {
    return epoch_train_seconds_ > 0 ? double(epoch_images_) / epoch_train_seconds_ : 0.0;
}

void Trainer::start_epoch() {
    // Fisher-Yates with our own generator: the same order on every platform for a given seed.
    for (int i = int(order_.size()) - 1; i > 0; --i) std::swap(order_[i], order_[shuffle_rng_.below(std::uint32_t(i + 1))]);
    step_ = 0;
    epoch_loss_sum_ = 0;
    epoch_correct_ = epoch_images_ = 0;
    epoch_train_seconds_ = 0;
    epoch_start_ = Clock::now();
}

bool Trainer::advance() {
    switch (phase_) {
        case TrainPhase::Training: train_batch(); break;
        case TrainPhase::Validating: validate_chunk(); break;
        case TrainPhase::Finished: return false;
    }
    return phase_ != TrainPhase::Finished;
}

void Trainer::train_batch() {
    const auto t0 = Clock::now();
    const int batch_first = step_ * config_.batch_size;
    const int batch_n = std::min(config_.batch_size, train_.count() - batch_first);
    const int first = batch_first + micro_at_;
    const int n = std::min(config_.micro_batch, batch_n - micro_at_);
    for (int i = 0; i < n; ++i) {
        const int src = order_[first + i];
        std::memcpy(batch_x_.data() + std::size_t(i) * kImagePixels, train_.image(src), sizeof(float) * kImagePixels);
        batch_y_[i] = train_.labels[src];
    }
    const float* logits = model_.forward(batch_x_.data(), n, true);
    const double loss = softmax_cross_entropy_forward(logits, batch_y_.data(), n, kNumClasses, probs_.data());
    softmax_cross_entropy_backward(probs_.data(), batch_y_.data(), n, kNumClasses, dlogits_.data());
    // The loss is the mean over the whole batch: each micro-batch contributes n / batch_n of it.
    if (n != batch_n)
        for (int i = 0; i < n * kNumClasses; ++i) dlogits_[i] *= float(n) / float(batch_n);
    model_.backward(dlogits_.data(), n);
    for (int i = 0; i < n; ++i) epoch_correct_ += argmax_class(probs_.data() + i * kNumClasses, kNumClasses) == batch_y_[i];
    batch_loss_sum_ += loss * n;
    micro_at_ += n;

    const std::vector<ParamRef>& params = params_;
    const bool split = n != batch_n;
    if (split) {
        if (grad_sum_.size() != params.size()) grad_sum_.resize(params.size());
        for (std::size_t k = 0; k < params.size(); ++k) {
            std::vector<float>& sum = grad_sum_[k];
            if (micro_at_ == n) sum.assign(params[k].grad, params[k].grad + params[k].size);
            else for (std::size_t j = 0; j < params[k].size; ++j) sum[j] += params[k].grad[j];
        }
    }
    epoch_train_seconds_ += std::chrono::duration<double>(Clock::now() - t0).count();
    if (micro_at_ < batch_n) return;

    const auto t1 = Clock::now();
    if (split)
        for (std::size_t k = 0; k < params.size(); ++k)
            std::memcpy(params[k].grad, grad_sum_[k].data(), sizeof(float) * params[k].size);
    optimizer_->step(params);
    const double batch_loss = batch_loss_sum_ / batch_n;
    epoch_loss_sum_ += batch_loss_sum_;
    epoch_images_ += batch_n;
    images_seen_ += batch_n;
    last_loss_ = batch_loss;
    micro_at_ = 0;
    batch_loss_sum_ = 0;
    ++step_;
    epoch_train_seconds_ += std::chrono::duration<double>(Clock::now() - t1).count();
    if (!std::isfinite(batch_loss)) {
        finish("stopped: the loss became " + std::string(std::isnan(batch_loss) ? "NaN" : "infinite") +
               " (try a smaller learning rate)");
        return;
    }
    if (on_step) on_step({epoch_ + 1, step_, steps_per_epoch_, batch_loss, images_per_second()});
    if (step_ == steps_per_epoch_) {
        phase_ = TrainPhase::Validating;
        val_at_ = 0;
        val_loss_sum_ = 0;
        val_correct_ = 0;
        if (val_.count() == 0) finish_epoch();
    }
}

void Trainer::validate_chunk() {
    const int end = std::min(val_at_ + config_.eval_chunk, val_.count());
    // Forward passes of kInferenceBatch images: their activations stay in cache (faster than one big pass).
    for (; val_at_ < end; val_at_ += kInferenceBatch) {
        const int n = std::min(kInferenceBatch, end - val_at_);
        const float* logits = model_.forward(val_.image(val_at_), n, false);
        val_loss_sum_ += softmax_cross_entropy_forward(logits, val_.labels.data() + val_at_, n, kNumClasses, probs_.data()) * n;
        for (int i = 0; i < n; ++i) val_correct_ += argmax_class(probs_.data() + i * kNumClasses, kNumClasses) == val_.labels[val_at_ + i];
    }
    val_at_ = end;
    if (val_at_ >= val_.count()) finish_epoch();
}

void Trainer::finish_epoch() {
    const bool has_val = val_.count() > 0;
    EpochReport report{epoch_ + 1,
                       epoch_loss_sum_ / double(epoch_images_),
                       double(epoch_correct_) / double(epoch_images_),
                       has_val ? val_loss_sum_ / val_.count() : std::numeric_limits<double>::quiet_NaN(),
                       has_val ? double(val_correct_) / val_.count() : std::numeric_limits<double>::quiet_NaN(),
                       false,
                       optimizer_->learning_rate,
                       std::chrono::duration<double>(Clock::now() - epoch_start_).count()};
    if (has_val && (best_epoch_ < 0 || report.val_loss < best_val_loss_)) {
        report.improved = true;
        best_val_loss_ = report.val_loss;
        best_epoch_ = epoch_;
        best_weights_ = model_.weights();
        epochs_without_improvement_ = epochs_since_lr_change_ = 0;
    } else if (has_val) {
        ++epochs_without_improvement_;
        if (config_.lr_patience > 0 && ++epochs_since_lr_change_ >= config_.lr_patience) {
            optimizer_->learning_rate *= config_.lr_factor;
            epochs_since_lr_change_ = 0;
        }
    }
    history_.push_back(report);
    if (on_epoch) on_epoch(report);

    const std::string best = " (best validation loss at epoch " + std::to_string(best_epoch_ + 1) + ", weights restored)";
    if (has_val && config_.patience > 0 && epochs_without_improvement_ >= config_.patience) {
        finish("early stop after epoch " + std::to_string(epoch_ + 1) + ": no better validation loss for " +
               std::to_string(config_.patience) + " epochs" + best);
    } else if (epoch_ + 1 >= config_.epochs) {
        finish("completed " + std::to_string(config_.epochs) + " epochs" + (has_val ? best : std::string()));
    } else {
        ++epoch_;
        phase_ = TrainPhase::Training;
        start_epoch();
    }
}

void Trainer::finish(const std::string& reason) {
    if (!best_weights_.empty()) model_.set_weights(best_weights_);
    stop_reason_ = reason;
    phase_ = TrainPhase::Finished;
}

Evaluation evaluate_model(Model& model, const Dataset& data, std::vector<float>* probs_out) {
    constexpr int kChunk = kInferenceBatch;
    std::vector<float> probs(std::size_t(kChunk) * kNumClasses);
    std::vector<std::uint8_t> predicted(data.count());
    if (probs_out) probs_out->resize(std::size_t(data.count()) * kNumClasses);
    double loss_sum = 0;
    for (int start = 0; start < data.count(); start += kChunk) {
        const int n = std::min(kChunk, data.count() - start);
        const float* logits = model.forward(data.image(start), n, false);
        loss_sum += softmax_cross_entropy_forward(logits, data.labels.data() + start, n, kNumClasses, probs.data()) * n;
        for (int i = 0; i < n; ++i) predicted[start + i] = std::uint8_t(argmax_class(probs.data() + i * kNumClasses, kNumClasses));
        if (probs_out) std::memcpy(probs_out->data() + std::size_t(start) * kNumClasses, probs.data(), sizeof(float) * n * kNumClasses);
    }
    Evaluation e = evaluate_predictions(data.labels, predicted, kNumClasses);
    e.loss = data.count() > 0 ? loss_sum / data.count() : 0.0;
    return e;
}

}  // namespace convpad
