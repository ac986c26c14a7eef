// Training throughput of the LibTorch trainer against the eager-PyTorch reference
// (../shared/bench/torch_gpt_bench.py) on the same GPT, batch, sequence, vocabulary and threads,
// run alternately; medians, their ratio and MFU (model FLOP/s over the measured fp32 matmul rate).
// Optionally the wall time of the cpu_fast sweep.
//
//   bench_trainer [--sizes 64,128,256] [--layers 4] [--head-dim 32] [--batch 8] [--steps 6]
//                 [--repeats 3] [--threads 2] [--python /usr/bin/python3] [--reference FILE]
//                 [--sweep]
#include "data/TokenShards.h"
#include "plan/SweepConfig.h"
#include "store/StudyFiles.h"
#include "train/TorchTrainer.h"
#include "util/Json.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTextStream>

#include <algorithm>
#include <cstdio>
#include <random>

using namespace flopsfit;

namespace {

QTextStream &out()
{
    static QTextStream s(stdout);
    return s;
}

double median(QVector<double> v)
{
    std::sort(v.begin(), v.end());
    const int n = int(v.size());
    return n == 0 ? 0 : (n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]));
}

// fp32 matrix-product rate of this machine on `threads` threads: best of several 2048² products.
double matmulFlops(int threads)
{
    at::set_num_threads(threads);
    const torch::Tensor a = torch::randn({2048, 2048}), b = torch::randn({2048, 2048});
    torch::Tensor c = torch::mm(a, b);
    double best = 1e30;
    for (int i = 0; i < 5; ++i) {
        QElapsedTimer t;
        t.start();
        c = torch::mm(a, b);
        best = std::min(best, t.nsecsElapsed() / 1e9);
    }
    return 2.0 * 2048.0 * 2048.0 * 2048.0 / best;
}

void writeRandomStudyData(const QString &root, int vocab)
{
    const StudyPaths paths(root);
    QDir().mkpath(paths.dataDir());
    std::mt19937 rng(5);
    for (const auto &[name, count] : {std::pair<const char *, qint64>{"train", 400000}, {"val", 20000}}) {
        std::vector<std::uint32_t> ids(static_cast<std::size_t>(count));
        for (auto &id : ids)
            id = rng() % std::uint32_t(vocab);
        TokenShardWriter w(paths.dataDir() + QStringLiteral("/%1.bin").arg(QLatin1String(name)), TokenDType::UInt16);
        w.append(ids.data(), count);
        w.commit();
    }
    writeJsonAtomically(paths.dataDir() + QStringLiteral("/meta.json"),
                        {{QStringLiteral("schema_version"), 1}, {QStringLiteral("dtype"), QStringLiteral("uint16")},
                         {QStringLiteral("vocab_size"), vocab}, {QStringLiteral("train_tokens"), 400000},
                         {QStringLiteral("val_tokens"), 20000}, {QStringLiteral("documents"), 2},
                         {QStringLiteral("val_fraction"), 0.05}, {QStringLiteral("tokenizer"), QStringLiteral("bpe")},
                         {QStringLiteral("unk_id"), 0}, {QStringLiteral("eos_id"), 1},
                         {QStringLiteral("source"), QStringLiteral("builtin")},
                         {QStringLiteral("source_description"), QStringLiteral("uniform random tokens")},
                         {QStringLiteral("source_sha256"), QString(64, QLatin1Char('0'))},
                         {QStringLiteral("settings"), QJsonObject{}}});
}

struct BenchConfig {
    int layers, headDim, batch, steps, threads, vocab = 4096, seq = 256;
};

// Our trainer, end to end (data loading, optimizer, clipping, metrics): tokens/s over the steps
// after the first two, as the reference measures.
double ourTokensPerSecond(const QString &study, int dModel, const BenchConfig &c, int lanes)
{
    QJsonObject config = defaultSweepConfig();
    applyOverride(config, QStringLiteral("backend=torch"));
    applyOverride(config, QStringLiteral("training.batch_size=%1").arg(c.batch));
    applyOverride(config, QStringLiteral("training.device=cpu"));
    applyOverride(config, QStringLiteral("data.seq_len=%1").arg(c.seq));
    applyOverride(config, QStringLiteral("data.vocab_size=%1").arg(c.vocab));
    const SweepSpec spec = SweepSpec::fromConfig(config, QStringLiteral("bench"));
    RunSpec run;
    run.id = QStringLiteral("bench-d%1").arg(dModel);
    run.shape = {dModel, c.layers, dModel / c.headDim, 4 * dModel, c.vocab, c.seq};
    run.steps = 2 + c.steps;
    run.params = run.shape.nonEmbeddingParams();
    run.tokens = double(run.steps) * c.batch * c.seq;
    run.flops = run.shape.flopsPerToken(FlopsModel::SixNDAttention) * run.tokens;
    run.lr = 1e-3;
    TorchTrainOptions o = TorchTrainOptions::fromConfig(spec.config, QStringLiteral("bench"));
    o.logEvery = 1;
    o.evalEvery = 1 << 30;
    o.evalBatches = 1;
    o.checkpointEvery = 0;
    o.lanes = lanes;
    TrainContext context{StudyPaths(study), spec, c.threads, nullptr, {}};
    const RunResult r = trainTorchRun(run, context, o);
    if (r.status != RunStatus::Done)
        throw std::runtime_error("benchmark run did not finish: " + r.message.toStdString());
    const JsonLines lines = readJsonLines(StudyPaths(study).metrics(run.id));
    const double t0 = lines.records[1].value(QStringLiteral("wall_seconds")).toDouble();
    const double t1 = lines.records.last().value(QStringLiteral("wall_seconds")).toDouble();
    return double(c.steps) * c.batch * c.seq / (t1 - t0);
}

double referenceTokensPerSecond(const QString &python, const QString &script, int dModel, const BenchConfig &c)
{
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(python, {script, QString::number(dModel), QString::number(c.layers), QString::number(dModel / c.headDim),
                     QString::number(c.vocab), QString::number(c.seq), QString::number(c.batch),
                     QString::number(c.steps), QString::number(c.threads)});
    if (!p.waitForFinished(-1) || p.exitCode() != 0)
        throw std::runtime_error("reference failed: " + p.readAll().toStdString());
    const QString text = QString::fromUtf8(p.readAll());
    const QRegularExpressionMatch m = QRegularExpression(QStringLiteral("tokens_per_s=([0-9.]+)")).match(text);
    if (!m.hasMatch())
        throw std::runtime_error("reference printed no tokens_per_s: " + text.toStdString());
    return m.captured(1).toDouble();
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("LibTorch trainer vs eager PyTorch: tokens/s, ratio, MFU"));
    parser.addHelpOption();
    const QCommandLineOption sizes(QStringLiteral("sizes"), QStringLiteral("d_model values"), QStringLiteral("LIST"), QStringLiteral("64,128,256"));
    const QCommandLineOption layers(QStringLiteral("layers"), QStringLiteral("blocks"), QStringLiteral("N"), QStringLiteral("4"));
    const QCommandLineOption headDim(QStringLiteral("head-dim"), QStringLiteral("head width"), QStringLiteral("N"), QStringLiteral("32"));
    const QCommandLineOption batch(QStringLiteral("batch"), QStringLiteral("sequences per step"), QStringLiteral("N"), QStringLiteral("8"));
    const QCommandLineOption steps(QStringLiteral("steps"), QStringLiteral("timed steps per measurement"), QStringLiteral("N"), QStringLiteral("6"));
    const QCommandLineOption repeats(QStringLiteral("repeats"), QStringLiteral("alternating measurements per side"), QStringLiteral("N"), QStringLiteral("3"));
    const QCommandLineOption threads(QStringLiteral("threads"), QStringLiteral("intra-op threads"), QStringLiteral("N"), QStringLiteral("2"));
    const QCommandLineOption python(QStringLiteral("python"), QStringLiteral("Python with torch"), QStringLiteral("PATH"), QStringLiteral("/usr/bin/python3"));
    const QCommandLineOption reference(QStringLiteral("reference"), QStringLiteral("torch_gpt_bench.py"), QStringLiteral("FILE"), QStringLiteral(FLOPSFIT_TORCH_REFERENCE));
    const QCommandLineOption sweep(QStringLiteral("sweep"), QStringLiteral("also time `flopsfit --batch all` on presets/cpu_fast (long)"));
    parser.addOptions({sizes, layers, headDim, batch, steps, repeats, threads, python, reference, sweep});
    parser.process(app);

    try {
        BenchConfig c{parser.value(layers).toInt(), parser.value(headDim).toInt(), parser.value(batch).toInt(),
                      parser.value(steps).toInt(), parser.value(threads).toInt()};
        const double peak = matmulFlops(c.threads);
        out() << QStringLiteral("fp32 matmul 2048² on %1 threads: %2 GFLOP/s\n").arg(c.threads).arg(peak / 1e9, 0, 'f', 1);
        out() << QStringLiteral("GPT: %1 layers, head dim %2, batch %3, seq %4, vocab %5; %6 timed steps, %7 alternating repeats\n")
                     .arg(c.layers).arg(c.headDim).arg(c.batch).arg(c.seq).arg(c.vocab).arg(c.steps).arg(parser.value(repeats).toInt());
        out() << QStringLiteral("%1 %2 %3 %4 %5 %6 %7\n").arg(QStringLiteral("d_model"), 8).arg(QStringLiteral("ours tok/s"), 12)
                     .arg(QStringLiteral("torch tok/s"), 12).arg(QStringLiteral("ratio"), 7).arg(QStringLiteral("MFU"), 6)
                     .arg(QStringLiteral("1-lane tok/s"), 13).arg(QStringLiteral("lanes gain"), 11);
        out().flush();
        QTemporaryDir study;
        writeRandomStudyData(study.path(), c.vocab);
        for (const QString &s : parser.value(sizes).split(QLatin1Char(','), Qt::SkipEmptyParts)) {
            const int d = s.toInt();
            // Ours as it trains (one data-parallel lane per thread), ours with all threads in one
            // lane, and the reference, in turn.
            QVector<double> ours, oneLane, theirs;
            for (int i = 0; i < parser.value(repeats).toInt(); ++i) {
                ours.append(ourTokensPerSecond(study.path(), d, c, 0));
                oneLane.append(ourTokensPerSecond(study.path(), d, c, 1));
                theirs.append(referenceTokensPerSecond(parser.value(python), parser.value(reference), d, c));
            }
            const ModelShape shape{d, c.layers, d / c.headDim, 4 * d, c.vocab, c.seq};
            const double mOurs = median(ours), mTheirs = median(theirs);
            const double mfu = mOurs * shape.flopsPerToken(FlopsModel::SixNDAttention) / peak;
            out() << QStringLiteral("%1 %2 %3 %4 %5% %6 %7\n").arg(d, 8).arg(mOurs, 12, 'f', 0).arg(mTheirs, 12, 'f', 0)
                         .arg(mOurs / mTheirs, 7, 'f', 2).arg(100 * mfu, 5, 'f', 1)
                         .arg(median(oneLane), 13, 'f', 0).arg(mOurs / median(oneLane), 11, 'f', 2);
            out().flush();
        }
        if (parser.isSet(sweep)) {
            QTemporaryDir sweepDir;
            QProcess p;
            p.setProcessChannelMode(QProcess::ForwardedErrorChannel);
            QElapsedTimer t;
            t.start();
            p.start(QStringLiteral(FLOPSFIT_BIN), {QStringLiteral("--batch"), QStringLiteral("all"), QStringLiteral("--preset"),
                                                  QStringLiteral(FLOPSFIT_PRESETS "/cpu_fast.jsonc"), QStringLiteral("--out"),
                                                  sweepDir.path() + QStringLiteral("/study")});
            if (!p.waitForFinished(-1) || p.exitCode() != 0)
                throw std::runtime_error("the cpu_fast sweep failed");
            out() << QStringLiteral("cpu_fast sweep (flopsfit --batch all): %1 s wall\n").arg(t.elapsed() / 1000.0, 0, 'f', 0);
        }
    } catch (const std::exception &e) {
        std::fprintf(stderr, "bench_trainer: %s\n", e.what());
        return 1;
    }
    return 0;
}
