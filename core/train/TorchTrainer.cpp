#include "train/TorchTrainer.h"

#include "data/StudyData.h"
#include "data/TokenShards.h"
#include "model/Gpt.h"
#include "store/StudyFiles.h"
#include "util/Error.h"
#include "util/Json.h"
#include "util/Simd.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <functional>
#include <mutex>
#include <numeric>
#include <thread>
#include <vector>

namespace flopsfit {

using torch::Tensor;

TorchTrainOptions TorchTrainOptions::fromConfig(const QJsonObject &config, const QString &origin)
{
    TorchTrainOptions o;
    auto number = [&](const char *key, double fallback, double lo, double hi) {
        const QString k = QStringLiteral("training.") + QLatin1String(key);
        const QJsonValue v = valueAtPath(config, k);
        if (v.isUndefined())
            return fallback;
        const double x = v.toDouble(std::nan(""));
        if (!v.isDouble() || !(x >= lo && x <= hi))
            throw InputError(QStringLiteral("%1: '%2' must be a number in [%3, %4]").arg(origin, k).arg(lo).arg(hi));
        return x;
    };
    auto text = [&](const char *key, const QString &fallback, const QStringList &allowed) {
        const QString k = QStringLiteral("training.") + QLatin1String(key);
        const QJsonValue v = valueAtPath(config, k);
        if (v.isUndefined())
            return fallback;
        if (!allowed.contains(v.toString()))
            throw InputError(QStringLiteral("%1: '%2' = '%3' is not one of %4")
                                 .arg(origin, k, v.toString(), allowed.join(QStringLiteral(", "))));
        return v.toString();
    };
    o.warmupFrac = number("warmup_frac", o.warmupFrac, 0, 1);
    o.minLrFrac = number("min_lr_frac", o.minLrFrac, 0, 1);
    o.weightDecay = number("weight_decay", o.weightDecay, 0, 1e3);
    o.gradClip = number("grad_clip", o.gradClip, 0, 1e9);
    o.parametrization = text("parametrization", o.parametrization, {QStringLiteral("umup"), QStringLiteral("standard")});
    o.lrBaseWidth = int(number("lr_base_width", o.lrBaseWidth, 1, 1 << 20));
    o.evalEvery = int(number("eval_every", o.evalEvery, 1, 1e9));
    o.evalBatches = int(number("eval_batches", o.evalBatches, 1, 1e6));
    o.checkpointEvery = int(number("checkpoint_every", o.checkpointEvery, 0, 1e9));
    o.device = text("device", o.device, {QStringLiteral("auto"), QStringLiteral("cpu"), QStringLiteral("cuda")});
    o.lanes = int(number("lanes", o.lanes, 0, 1024));
    return o;
}

namespace {

constexpr double kBeta1 = 0.9, kBeta2 = 0.95, kAdamEps = 1e-8;

std::uint64_t splitmix(std::uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

// The training windows of one optimizer step: a pure function of (seed, step), so the data cursor
// of a checkpoint is just the step.
void fillTrainBatch(const TokenShardReader &shard, std::uint64_t seed, qint64 step, int micro,
                    std::int64_t batch, std::int64_t seq, Tensor &window)
{
    const qint64 span = shard.size() - seq - 1;
    std::int64_t *out = window.data_ptr<std::int64_t>();
    for (std::int64_t b = 0; b < batch; ++b) {
        const std::uint64_t h = splitmix(splitmix(splitmix(seed) ^ std::uint64_t(step)) ^
                                         (std::uint64_t(micro) << 32 | std::uint64_t(b)));
        shard.read(qint64(h % std::uint64_t(span + 1)), seq + 1, out + b * (seq + 1));
    }
}

// One flat AdamW step over [begin, end) of a group, gradients scaled by `gradScale` (clipping).
FLOPSFIT_SIMD void adamwRange(float *p, const float *g, float *m, float *v, std::int64_t begin,
                              std::int64_t end, float lr, float decay, float gradScale, float bc1,
                              float bc2)
{
    const float b1 = float(kBeta1), b2 = float(kBeta2), eps = float(kAdamEps);
    const float stepSize = lr / bc1, invSqrtBc2 = 1.0f / std::sqrt(bc2), keep = 1.0f - lr * decay;
    for (std::int64_t i = begin; i < end; ++i) {
        const float gi = g[i] * gradScale;
        const float mi = b1 * m[i] + (1.0f - b1) * gi;
        const float vi = b2 * v[i] + (1.0f - b2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] = p[i] * keep - stepSize * mi / (std::sqrt(vi) * invSqrtBc2 + eps);
    }
}

// Gives the calling thread `threads` intra-op threads. They are per thread (OpenMP), and torch
// sets a thread's count lazily from the process-wide value that the last caller set; that is
// triggered first, both in libtorch and in this library's inline copy, so that it cannot later
// undo the count set here.
void useIntraOpThreads(int threads)
{
    at::get_num_threads();
    at::internal::lazy_init_num_threads();
    at::set_num_threads(threads);
}

// Data-parallel lanes of one training step: lane 0 runs on the calling thread, the others on
// threads of their own that live as long as the run. The run's threads are shared out as intra-op
// threads of the lanes. Small models train faster this way than with every thread inside each
// product: the products of a 64-wide model are too small to split across threads without the
// threads waiting on each other.
class Lanes {
public:
    Lanes(int count, int threads) : m_errors(std::size_t(count))
    {
        useIntraOpThreads(threadsOf(0, count, threads));
        try {
            for (int lane = 1; lane < count; ++lane)
                m_threads.emplace_back([this, lane, count, threads]() { serve(lane, threadsOf(lane, count, threads)); });
        } catch (...) {
            stop();
            throw;
        }
    }
    ~Lanes() { stop(); }
    Lanes(const Lanes &) = delete;
    Lanes &operator=(const Lanes &) = delete;

    // The intra-op threads of `lane`: an equal share, the first lanes taking what is left over.
    static int threadsOf(int lane, int count, int threads)
    {
        return std::max(1, threads / count + (lane < threads % count ? 1 : 0));
    }

    // Runs work(lane) on every lane and returns when all are done; rethrows the first lane's error.
    void run(const std::function<void(int)> &work)
    {
        if (m_threads.empty()) {
            work(0);
            return;
        }
        {
            const std::lock_guard<std::mutex> lock(m_mutex);
            m_work = &work;
            m_pending = int(m_threads.size());
            ++m_generation;
        }
        m_wake.notify_all();
        try {
            work(0);
        } catch (...) {
            m_errors[0] = std::current_exception();
        }
        std::unique_lock<std::mutex> lock(m_mutex);
        m_done.wait(lock, [this]() { return m_pending == 0; });
        m_work = nullptr;
        for (std::exception_ptr &e : m_errors) {
            if (e) {
                const std::exception_ptr first = e;
                std::fill(m_errors.begin(), m_errors.end(), nullptr);
                std::rethrow_exception(first);
            }
        }
    }

private:
    void stop()
    {
        {
            const std::lock_guard<std::mutex> lock(m_mutex);
            m_quit = true;
        }
        m_wake.notify_all();
        for (std::thread &t : m_threads)
            t.join();
        m_threads.clear();
    }

    void serve(int lane, int threads)
    {
        useIntraOpThreads(threads);
        std::uint64_t seen = 0;
        for (;;) {
            const std::function<void(int)> *work = nullptr;
            {
                std::unique_lock<std::mutex> lock(m_mutex);
                m_wake.wait(lock, [&]() { return m_quit || m_generation != seen; });
                if (m_quit)
                    return;
                seen = m_generation;
                work = m_work;
            }
            try {
                (*work)(lane);
            } catch (...) {
                m_errors[std::size_t(lane)] = std::current_exception();
            }
            {
                const std::lock_guard<std::mutex> lock(m_mutex);
                --m_pending;
            }
            m_done.notify_one();
        }
    }

    std::vector<std::thread> m_threads;
    std::vector<std::exception_ptr> m_errors;
    std::mutex m_mutex;
    std::condition_variable m_wake, m_done;
    const std::function<void(int)> *m_work = nullptr;
    std::uint64_t m_generation = 0;
    int m_pending = 0;
    bool m_quit = false;
};

class FlatAdamW {
public:
    FlatAdamW(Gpt model, double weightDecay) : m_model(std::move(model)), m_weightDecay(weightDecay)
    {
        m_m = torch::zeros_like(m_model->flatParams());
        m_v = torch::zeros_like(m_model->flatParams());
    }

    void step(double lr, double gradScale)
    {
        torch::NoGradGuard noGrad;
        ++m_steps;
        const double bc1 = 1.0 - std::pow(kBeta1, double(m_steps));
        const double bc2 = 1.0 - std::pow(kBeta2, double(m_steps));
        Tensor &params = m_model->flatParams();
        Tensor &grads = m_model->flatGrads();
        for (const ParamGroup &group : m_model->groups()) {
            const double glr = lr * group.lrScale;
            const double decay = m_weightDecay * group.weightDecayScale;
            if (params.device().is_cpu()) {
                float *p = params.data_ptr<float>() + group.offset;
                const float *g = grads.data_ptr<float>() + group.offset;
                float *m = m_m.data_ptr<float>() + group.offset;
                float *v = m_v.data_ptr<float>() + group.offset;
                at::parallel_for(0, group.count, 16384, [&](std::int64_t b, std::int64_t e) {
                    adamwRange(p, g, m, v, b, e, float(glr), float(decay), float(gradScale), float(bc1), float(bc2));
                });
            } else {
                Tensor p = params.narrow(0, group.offset, group.count);
                Tensor g = grads.narrow(0, group.offset, group.count) * gradScale;
                Tensor m = m_m.narrow(0, group.offset, group.count);
                Tensor v = m_v.narrow(0, group.offset, group.count);
                m.mul_(kBeta1).add_(g, 1.0 - kBeta1);
                v.mul_(kBeta2).addcmul_(g, g, 1.0 - kBeta2);
                p.mul_(1.0 - glr * decay);
                p.addcdiv_(m, (v / bc2).sqrt_().add_(kAdamEps), -glr / bc1);
            }
        }
    }

    qint64 steps() const { return m_steps; }
    void setSteps(qint64 steps) { m_steps = steps; }
    Tensor &firstMoment() { return m_m; }
    Tensor &secondMoment() { return m_v; }

private:
    Gpt m_model;
    double m_weightDecay;
    Tensor m_m, m_v;
    qint64 m_steps = 0;
};

double learningRate(double base, qint64 step, qint64 steps, const TorchTrainOptions &o)
{
    // `step` counts updates from 0; warm-up reaches the base rate at its last step.
    const qint64 warmup = std::max<qint64>(1, qint64(std::llround(o.warmupFrac * double(steps))));
    if (step < warmup)
        return base * double(step + 1) / double(warmup);
    const double progress = std::min(1.0, double(step - warmup) / double(std::max<qint64>(1, steps - warmup)));
    return base * (o.minLrFrac + (1.0 - o.minLrFrac) * 0.5 * (1.0 + std::cos(M_PI * progress)));
}

// Checkpoint layout: the flat parameters and both Adam moments, plus what identifies the run.
Tensor checkpointKey(const RunSpec &run)
{
    const ModelShape &s = run.shape;
    return torch::tensor({std::int64_t(s.d_model), std::int64_t(s.n_layers), std::int64_t(s.n_heads),
                          std::int64_t(s.d_ff), std::int64_t(s.vocab_size), std::int64_t(s.seq_len),
                          std::int64_t(run.steps), std::int64_t(run.seed)});
}

void saveCheckpoint(const QString &path, const RunSpec &run, Gpt &model, FlatAdamW &optimizer,
                    qint64 step, double wallSeconds)
{
    torch::serialize::OutputArchive archive;
    archive.write("key", checkpointKey(run));
    archive.write("step", torch::tensor(std::int64_t(step)));
    archive.write("wall_seconds", torch::tensor(wallSeconds, torch::kDouble));
    archive.write("params", model->flatParams().cpu());
    archive.write("adam_m", optimizer.firstMoment().cpu());
    archive.write("adam_v", optimizer.secondMoment().cpu());
    const QString temp = path + QStringLiteral(".tmp");
    archive.save_to(temp.toStdString());
    if (std::rename(QFile::encodeName(temp).constData(), QFile::encodeName(path).constData()) != 0)
        throw InputError(QStringLiteral("%1: cannot replace the checkpoint").arg(path));
}

// Returns the step to resume at; throws InputError naming the file when it cannot be used.
qint64 loadCheckpoint(const QString &path, const RunSpec &run, Gpt &model, FlatAdamW &optimizer,
                      double *wallSeconds)
{
    torch::serialize::InputArchive archive;
    Tensor key, step, wall, params, m, v;
    try {
        archive.load_from(path.toStdString());
        archive.read("key", key);
        archive.read("step", step);
        archive.read("wall_seconds", wall);
        archive.read("params", params);
        archive.read("adam_m", m);
        archive.read("adam_v", v);
    } catch (const std::exception &e) {
        const std::string what = e.what();
        throw InputError(QStringLiteral("%1: unreadable checkpoint (%2)")
                             .arg(path, QString::fromStdString(what.substr(0, what.find('\n')))));
    }
    if (!torch::equal(key, checkpointKey(run)) || params.numel() != model->flatParams().numel() ||
        m.numel() != params.numel() || v.numel() != params.numel())
        throw InputError(QStringLiteral("%1: the checkpoint belongs to another model or plan").arg(path));
    const qint64 s = step.item<std::int64_t>();
    if (s < 0 || s > run.steps)
        throw InputError(QStringLiteral("%1: checkpoint step %2 is outside the run's %3 steps").arg(path).arg(s).arg(run.steps));
    torch::NoGradGuard noGrad;
    model->flatParams().copy_(params);
    optimizer.firstMoment().copy_(m);
    optimizer.secondMoment().copy_(v);
    optimizer.setSteps(s);
    *wallSeconds = wall.item<double>();
    return s;
}

// Keeps the metrics lines up to `step` (those a resumed run does not log again).
void truncateMetrics(const QString &path, qint64 step)
{
    if (!QFileInfo::exists(path))
        return;
    const JsonLines lines = readJsonLines(path);
    QByteArray kept;
    for (const QJsonObject &o : lines.records) {
        if (qint64(o.value(QStringLiteral("step")).toDouble()) <= step)
            kept += QJsonDocument(o).toJson(QJsonDocument::Compact) + '\n';
    }
    writeFileAtomically(path, kept);
}

torch::Device chooseDevice(const QString &name)
{
    if (name == QLatin1String("cuda")) {
        if (!torch::cuda::is_available())
            throw InputError(QStringLiteral("training.device is 'cuda' but torch sees no CUDA device"));
        return torch::kCUDA;
    }
    if (name == QLatin1String("auto") && torch::cuda::is_available())
        return torch::kCUDA;
    return torch::kCPU;
}

} // namespace

int dataParallelLanes(int threads, int batch, int requested, double parameters)
{
    // Each lane past the first holds a gradient buffer of its own: by default they stay within
    // 1 GiB together. Large models take fewer lanes, and their products split well anyway.
    constexpr double kLaneGradientBytes = 1024.0 * 1024.0 * 1024.0;
    int lanes = requested > 0 ? std::min(requested, threads) : threads;
    if (requested <= 0 && parameters > 0)
        lanes = int(std::min<double>(lanes, 1 + std::floor(kLaneGradientBytes / (4.0 * parameters))));
    lanes = std::clamp(lanes, 1, std::max(1, batch));
    while (batch % lanes != 0)
        --lanes;
    return lanes;
}

RunResult trainTorchRun(const RunSpec &run, const TrainContext &context, const TorchTrainOptions &options)
{
    QElapsedTimer timer;
    timer.start();
    RunResult result = RunResult::fromSpec(run, QStringLiteral("torch"));
    const int threads = std::max(1, context.threads);
    useIntraOpThreads(threads); // until the lanes share them out

    const StudyPaths &paths = context.paths;
    const QString metaPath = paths.dataMeta();
    const DataMeta meta = readDataMeta(metaPath);
    if (meta.vocabSize > run.shape.vocab_size)
        throw InputError(QStringLiteral("%1: the tokenizer has %2 pieces but the model's vocabulary is %3")
                             .arg(metaPath).arg(meta.vocabSize).arg(run.shape.vocab_size));
    const TokenShardReader train(paths.trainShard(), meta.dtype);
    const TokenShardReader val(paths.valShard(), meta.dtype);
    const std::int64_t seq = run.shape.seq_len;
    const std::int64_t batch = context.spec.batchSize;
    const int accum = std::max(1, context.spec.gradAccum);
    if (train.size() < seq + 2 || val.size() < seq + 2)
        throw InputError(QStringLiteral("%1: %2 training / %3 validation tokens are too few for sequences of %4")
                             .arg(paths.dataDir()).arg(train.size()).arg(val.size()).arg(seq));

    GptOptions gptOptions;
    gptOptions.shape = run.shape;
    gptOptions.parametrization = parseParametrization(options.parametrization.toStdString(), "sweep.json");
    gptOptions.baseWidth = options.lrBaseWidth;
    gptOptions.seed = std::uint64_t(run.seed);
    gptOptions.device = chooseDevice(options.device);
    Gpt model(gptOptions);
    FlatAdamW optimizer(model, options.weightDecay);
    const torch::Device device = gptOptions.device;
    // Each lane takes an equal slice of every batch with a model that shares the parameters and
    // has its own gradients; lane 0's model is `model`, and the others' gradients are added to
    // its own in lane order before the update.
    const int laneCount =
        device.is_cpu() ? dataParallelLanes(threads, int(batch), options.lanes, double(model->parameterCount())) : 1;
    const std::int64_t laneBatch = batch / laneCount;
    std::vector<Gpt> laneModels{model};
    for (int lane = 1; lane < laneCount; ++lane)
        laneModels.emplace_back(gptOptions, model->flatParams());
    Lanes lanes(laneCount, threads);

    QDir().mkpath(paths.runDir(run.id));
    const QString metricsPath = paths.metrics(run.id);
    const QString ckptPath = paths.checkpoint(run.id);
    qint64 startStep = 0;
    double wallBefore = 0;
    if (QFileInfo::exists(ckptPath)) {
        try {
            startStep = loadCheckpoint(ckptPath, run, model, optimizer, &wallBefore);
        } catch (const InputError &e) {
            result.message = e.message() + QStringLiteral("; trained from scratch");
            qWarning("%s", qPrintable(result.message));
            model->initialize(gptOptions.seed);
            optimizer = FlatAdamW(model, options.weightDecay);
            startStep = 0;
            wallBefore = 0;
        }
    }
    if (startStep > 0)
        truncateMetrics(metricsPath, startStep);
    else
        QFile::remove(metricsPath); // a fresh attempt replaces whatever an interrupted one logged

    // Validation windows: evenly spaced over the split, the same for every run of the study.
    const std::int64_t valWindows = std::int64_t(options.evalBatches) * batch;
    const qint64 valSpan = val.size() - seq - 1;
    Tensor valData = torch::empty({valWindows, seq + 1}, torch::kLong);
    for (std::int64_t w = 0; w < valWindows; ++w)
        val.read(valSpan * w / std::max<std::int64_t>(1, valWindows), seq + 1,
                 valData.data_ptr<std::int64_t>() + w * (seq + 1));
    valData = valData.to(device);
    std::vector<double> laneLoss(std::size_t(laneCount), 0.0);
    auto evaluate = [&]() {
        std::fill(laneLoss.begin(), laneLoss.end(), 0.0);
        lanes.run([&](int lane) {
            torch::NoGradGuard noGrad;
            for (int b = 0; b < options.evalBatches; ++b) {
                const Tensor w = valData.narrow(0, std::int64_t(b) * batch + lane * laneBatch, laneBatch);
                laneLoss[std::size_t(lane)] +=
                    laneModels[std::size_t(lane)]->loss(w.narrow(1, 0, seq), w.narrow(1, 1, seq)).item<double>();
            }
        });
        return std::accumulate(laneLoss.begin(), laneLoss.end(), 0.0) / (double(options.evalBatches) * laneCount);
    };

    const double divergence = options.divergenceLoss > 0 ? options.divergenceLoss
                                                        : 2.0 * std::log(double(run.shape.vocab_size));
    const qint64 logEvery = options.logEvery > 0 ? options.logEvery : std::max<qint64>(1, run.steps / 200);
    const double tokensPerStep = double(batch) * accum * seq;
    const double flopsPerStep = run.flops / double(std::max<qint64>(1, run.steps));
    Tensor window = torch::empty({batch, seq + 1}, torch::kLong);
    double lossSum = 0;
    int lossCount = 0;
    double lastTrainLoss = std::nan("");
    QElapsedTimer intervalTimer;
    intervalTimer.start();
    qint64 intervalStart = startStep;
    auto wall = [&]() { return wallBefore + timer.elapsed() / 1000.0; };
    // A diverged run keeps no checkpoint: training it again starts over.
    auto diverged = [&](qint64 steps, const QString &message) {
        result.status = RunStatus::Diverged;
        result.steps = steps;
        result.message = message;
        result.wallSeconds = wall();
        QFile::remove(ckptPath);
        return result;
    };

    for (qint64 step = startStep; step < run.steps; ++step) {
        if (context.cancelled()) {
            saveCheckpoint(ckptPath, run, model, optimizer, step, wall());
            result.status = RunStatus::Cancelled;
            result.steps = step;
            result.wallSeconds = wall();
            return result;
        }
        const double lr = learningRate(run.lr, step, run.steps, options);
        lanes.run([&](int lane) { laneModels[std::size_t(lane)]->zeroGrad(); });
        std::fill(laneLoss.begin(), laneLoss.end(), 0.0);
        for (int micro = 0; micro < accum; ++micro) {
            fillTrainBatch(train, std::uint64_t(run.seed), step, micro, batch, seq, window);
            const Tensor w = window.to(device);
            lanes.run([&](int lane) {
                const Tensor part = w.narrow(0, lane * laneBatch, laneBatch);
                Tensor loss = laneModels[std::size_t(lane)]->loss(part.narrow(1, 0, seq), part.narrow(1, 1, seq));
                if (accum * laneCount > 1)
                    loss = loss / double(accum * laneCount);
                loss.backward();
                laneLoss[std::size_t(lane)] += loss.item<double>();
            });
        }
        const double stepLoss = std::accumulate(laneLoss.begin(), laneLoss.end(), 0.0);
        if (laneCount > 1) {
            // Every lane adds one slice of the others' gradients into lane 0's, in lane order: the
            // same sums as one thread would make.
            const std::int64_t n = model->parameterCount();
            lanes.run([&](int lane) {
                const std::int64_t begin = n * lane / laneCount, end = n * (lane + 1) / laneCount;
                Tensor slice = model->flatGrads().narrow(0, begin, end - begin);
                for (int other = 1; other < laneCount; ++other)
                    slice.add_(laneModels[std::size_t(other)]->flatGrads().narrow(0, begin, end - begin));
            });
        }
        const double gradNorm = model->flatGrads().norm().item<double>();
        if (!std::isfinite(stepLoss) || !std::isfinite(gradNorm) || stepLoss > divergence) {
            appendJsonLine(metricsPath, {{QStringLiteral("step"), double(step + 1)},
                                         {QStringLiteral("lr"), lr},
                                         {QStringLiteral("diverged"), true},
                                         {QStringLiteral("wall_seconds"), wall()}});
            return diverged(step, QStringLiteral("training loss %1 at step %2 (lr %3)")
                                      .arg(stepLoss).arg(step + 1).arg(lr, 0, 'g', 3));
        }
        const double clip = options.gradClip > 0 && gradNorm > options.gradClip
                                ? options.gradClip / (gradNorm + 1e-6) : 1.0;
        optimizer.step(lr, clip);
        lossSum += stepLoss;
        ++lossCount;

        const qint64 done = step + 1;
        const bool last = done == run.steps;
        const bool evalNow = last || done % options.evalEvery == 0;
        if (last || evalNow || done % logEvery == 0) {
            lastTrainLoss = lossSum / lossCount;
            lossSum = 0;
            lossCount = 0;
            const double seconds = intervalTimer.elapsed() / 1000.0;
            const double tokS = seconds > 0 ? double(done - intervalStart) * tokensPerStep / seconds : 0;
            double valLoss = std::nan("");
            if (evalNow)
                valLoss = evaluate();
            QJsonObject line{{QStringLiteral("step"), double(done)},
                             {QStringLiteral("tokens"), double(done) * tokensPerStep},
                             {QStringLiteral("flops"), double(done) * flopsPerStep},
                             {QStringLiteral("loss"), lastTrainLoss},
                             {QStringLiteral("lr"), lr},
                             {QStringLiteral("grad_norm"), gradNorm},
                             {QStringLiteral("tok_s"), tokS},
                             {QStringLiteral("wall_seconds"), wall()}};
            if (evalNow && std::isfinite(valLoss))
                line.insert(QStringLiteral("val_loss"), valLoss);
            appendJsonLine(metricsPath, line);
            if (evalNow && (!std::isfinite(valLoss) || valLoss > divergence))
                return diverged(done, QStringLiteral("validation loss %1 at step %2").arg(valLoss).arg(done));
            if (context.progress) {
                RunProgress p;
                p.runId = run.id;
                p.step = done;
                p.totalSteps = run.steps;
                p.tokens = double(done) * tokensPerStep;
                p.trainLoss = lastTrainLoss;
                p.valLoss = valLoss;
                p.tokensPerSecond = tokS;
                p.elapsedSeconds = wall();
                context.progress(p);
            }
            if (last)
                result.loss = valLoss;
            intervalTimer.restart();
            intervalStart = done;
        }
        if (!last && options.checkpointEvery > 0 && done % options.checkpointEvery == 0)
            saveCheckpoint(ckptPath, run, model, optimizer, done, wall());
    }
    QFile::remove(ckptPath);
    result.status = RunStatus::Done;
    result.steps = run.steps;
    result.tokens = double(run.steps) * tokensPerStep;
    result.trainLoss = lastTrainLoss;
    result.wallSeconds = wall();
    return result;
}

} // namespace flopsfit
