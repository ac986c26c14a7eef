// One torch run: resume after cancel equals an uninterrupted run, divergence, bad checkpoints, and
// a sweep that goes on after a diverged run.
#include "TestHelpers.h"

#include "data/TokenShards.h"
#include "plan/SweepConfig.h"
#include "store/StudyFiles.h"
#include "train/SweepRunner.h"
#include "train/TorchBackend.h"
#include "train/TorchTrainer.h"
#include "util/Error.h"
#include "util/Json.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>

#include <random>
#include <vector>

using namespace flopsfit;

namespace {

constexpr int kVocab = 64;
constexpr int kSeq = 16;

// A corpus with structure a small model can learn: short runs counting upwards from a random
// token, so the next token is usually the current one plus one.
void writeShard(const QString &path, qint64 count, std::uint32_t seed)
{
    std::mt19937 rng(seed);
    std::vector<std::uint32_t> ids;
    ids.reserve(std::size_t(count));
    while (qint64(ids.size()) < count) {
        std::uint32_t t = rng() % kVocab;
        const int length = 2 + int(rng() % 8);
        for (int i = 0; i < length && qint64(ids.size()) < count; ++i)
            ids.push_back((t + std::uint32_t(i)) % kVocab);
    }
    TokenShardWriter writer(path, TokenDType::UInt16);
    writer.append(ids.data(), qint64(ids.size()));
    writer.commit();
}

void writeStudyData(const QString &root)
{
    const StudyPaths paths(root);
    QDir().mkpath(paths.dataDir());
    writeShard(paths.dataDir() + QStringLiteral("/train.bin"), 20000, 1);
    writeShard(paths.dataDir() + QStringLiteral("/val.bin"), 2000, 2);
    const QJsonObject meta{{QStringLiteral("schema_version"), 1},
                           {QStringLiteral("dtype"), QStringLiteral("uint16")},
                           {QStringLiteral("vocab_size"), kVocab},
                           {QStringLiteral("train_tokens"), 20000},
                           {QStringLiteral("val_tokens"), 2000},
                           {QStringLiteral("documents"), 100},
                           {QStringLiteral("val_fraction"), 0.1},
                           {QStringLiteral("tokenizer"), QStringLiteral("bpe")},
                           {QStringLiteral("unk_id"), 0},
                           {QStringLiteral("eos_id"), 1},
                           {QStringLiteral("source"), QStringLiteral("builtin")},
                           {QStringLiteral("source_description"), QStringLiteral("counting runs")},
                           {QStringLiteral("source_sha256"), QString(64, QLatin1Char('0'))},
                           {QStringLiteral("settings"), QJsonObject{}}};
    writeJsonAtomically(paths.dataDir() + QStringLiteral("/meta.json"), meta);
}

SweepSpec tinySpec()
{
    QJsonObject config = defaultSweepConfig();
    applyOverride(config, QStringLiteral("backend=torch"));
    applyOverride(config, QStringLiteral("training.batch_size=4"));
    applyOverride(config, QStringLiteral("training.eval_every=10"));
    applyOverride(config, QStringLiteral("training.eval_batches=2"));
    applyOverride(config, QStringLiteral("training.checkpoint_every=7"));
    applyOverride(config, QStringLiteral("training.device=cpu"));
    applyOverride(config, QStringLiteral("data.vocab_size=%1").arg(kVocab * 8));
    return SweepSpec::fromConfig(config, QStringLiteral("test config"));
}

RunSpec tinyRun(const QString &id, double lr, qint64 steps = 40)
{
    RunSpec r;
    r.id = id;
    r.shape.d_model = 32;
    r.shape.n_layers = 2;
    r.shape.n_heads = 2;
    r.shape.d_ff = 128;
    r.shape.vocab_size = kVocab;
    r.shape.seq_len = kSeq;
    r.params = r.shape.nonEmbeddingParams();
    r.steps = steps;
    r.tokens = double(steps) * 4 * kSeq;
    r.flops = 6 * r.params * r.tokens;
    r.lr = lr;
    r.seed = 3;
    return r;
}

TorchTrainOptions tinyOptions(const SweepSpec &spec)
{
    TorchTrainOptions o = TorchTrainOptions::fromConfig(spec.config, QStringLiteral("test config"));
    o.logEvery = 5;
    return o;
}

} // namespace

class TestTorchTrainer : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void trainsAndLogs()
    {
        QTemporaryDir dir;
        writeStudyData(dir.path());
        const SweepSpec spec = tinySpec();
        const RunSpec run = tinyRun(QStringLiteral("r"), 0.01, 60);
        TrainContext context{StudyPaths(dir.path()), spec, 1, nullptr, {}};
        const RunResult r = trainTorchRun(run, context, tinyOptions(spec));
        QCOMPARE(runStatusName(r.status), QStringLiteral("done"));
        QVERIFY(std::isfinite(r.loss));
        QVERIFY2(r.loss < std::log(double(kVocab)) - 1.0, qPrintable(QString::number(r.loss)));
        const JsonLines lines = readJsonLines(StudyPaths(dir.path()).metrics(run.id));
        QCOMPARE(lines.records.size(), 12); // every 5 steps
        const QJsonObject last = lines.records.last();
        for (const char *key : {"step", "tokens", "flops", "loss", "val_loss", "lr", "grad_norm", "tok_s", "wall_seconds"})
            QVERIFY2(last.contains(QLatin1String(key)), key);
        QCOMPARE(last.value(QStringLiteral("val_loss")).toDouble(), r.loss);
        QCOMPARE(last.value(QStringLiteral("step")).toInt(), 60);
        QVERIFY(!QFile::exists(StudyPaths(dir.path()).checkpoint(run.id))); // removed when done
    }

    void resumeEqualsUninterrupted()
    {
        const SweepSpec spec = tinySpec();
        const RunSpec run = tinyRun(QStringLiteral("r"), 0.01, 40);
        QTemporaryDir whole, parts;
        writeStudyData(whole.path());
        writeStudyData(parts.path());
        TrainContext plain{StudyPaths(whole.path()), spec, 1, nullptr, {}};
        const RunResult uninterrupted = trainTorchRun(run, plain, tinyOptions(spec));
        QCOMPARE(uninterrupted.status, RunStatus::Done);

        std::atomic<bool> cancel{false};
        TrainContext interrupted{StudyPaths(parts.path()), spec, 1, &cancel, [&](const RunProgress &p) {
                                     if (p.step >= 15)
                                         cancel = true;
                                 }};
        const RunResult first = trainTorchRun(run, interrupted, tinyOptions(spec));
        QCOMPARE(first.status, RunStatus::Cancelled);
        QCOMPARE(first.steps, qint64(15));
        QVERIFY(QFile::exists(StudyPaths(parts.path()).checkpoint(run.id)));
        cancel = false;
        interrupted.progress = {};
        const RunResult resumed = trainTorchRun(run, interrupted, tinyOptions(spec));
        QCOMPARE(resumed.status, RunStatus::Done);
        QVERIFY2(std::abs(resumed.loss - uninterrupted.loss) <= 1e-6,
                 qPrintable(QStringLiteral("%1 vs %2").arg(resumed.loss, 0, 'g', 12).arg(uninterrupted.loss, 0, 'g', 12)));
        // The resumed run's metrics continue the first attempt's, with no step twice.
        const JsonLines lines = readJsonLines(StudyPaths(parts.path()).metrics(run.id));
        QCOMPARE(lines.records.size(), 8);
        for (int i = 0; i < lines.records.size(); ++i)
            QCOMPARE(lines.records[i].value(QStringLiteral("step")).toInt(), 5 * (i + 1));
    }

    void lanesSplitTheBatch()
    {
        const double small = 1e5;
        QCOMPARE(dataParallelLanes(1, 8, 0, small), 1);
        QCOMPARE(dataParallelLanes(2, 8, 0, small), 2);
        QCOMPARE(dataParallelLanes(3, 8, 0, small), 2); // a divisor of the batch
        QCOMPARE(dataParallelLanes(4, 6, 0, small), 3);
        QCOMPARE(dataParallelLanes(16, 8, 0, small), 8); // never more than the batch
        QCOMPARE(dataParallelLanes(2, 1, 0, small), 1);
        QCOMPARE(dataParallelLanes(4, 8, 1, small), 1); // as asked
        QCOMPARE(dataParallelLanes(2, 8, 4, small), 2); // never more than the threads
        // 1e8 parameters: two extra gradient buffers (0.8 GB) fit in 1 GiB, a third does not.
        QCOMPARE(dataParallelLanes(16, 12, 0, 1e8), 3);
        QCOMPARE(dataParallelLanes(16, 16, 0, 1e8), 2);
        QCOMPARE(dataParallelLanes(16, 16, 8, 1e8), 8); // asked for: no cap
    }

    // Two threads train in two data-parallel lanes: the same run as one lane up to rounding, and
    // a cancelled and resumed run ends exactly where an uninterrupted one does.
    void twoLanesTrainAsOneAndResume()
    {
        const SweepSpec spec = tinySpec();
        const RunSpec run = tinyRun(QStringLiteral("r"), 0.01, 40);
        QTemporaryDir oneLane, whole, parts;
        for (const QTemporaryDir *d : {&oneLane, &whole, &parts})
            writeStudyData(d->path());
        TrainContext single{StudyPaths(oneLane.path()), spec, 1, nullptr, {}};
        const RunResult reference = trainTorchRun(run, single, tinyOptions(spec));
        TrainContext plain{StudyPaths(whole.path()), spec, 2, nullptr, {}};
        const RunResult uninterrupted = trainTorchRun(run, plain, tinyOptions(spec));
        QCOMPARE(uninterrupted.status, RunStatus::Done);
        QVERIFY2(std::abs(uninterrupted.loss - reference.loss) <= 1e-3,
                 qPrintable(QStringLiteral("%1 vs %2").arg(uninterrupted.loss, 0, 'g', 12).arg(reference.loss, 0, 'g', 12)));

        std::atomic<bool> cancel{false};
        TrainContext interrupted{StudyPaths(parts.path()), spec, 2, &cancel, [&](const RunProgress &p) {
                                     if (p.step >= 20)
                                         cancel = true;
                                 }};
        QCOMPARE(trainTorchRun(run, interrupted, tinyOptions(spec)).status, RunStatus::Cancelled);
        cancel = false;
        interrupted.progress = {};
        const RunResult resumed = trainTorchRun(run, interrupted, tinyOptions(spec));
        QCOMPARE(resumed.status, RunStatus::Done);
        QCOMPARE(resumed.loss, uninterrupted.loss);
    }

    void absurdLearningRateDiverges()
    {
        QTemporaryDir dir;
        writeStudyData(dir.path());
        const SweepSpec spec = tinySpec();
        TrainContext context{StudyPaths(dir.path()), spec, 1, nullptr, {}};
        const RunResult r = trainTorchRun(tinyRun(QStringLiteral("hot"), 1e6, 40), context, tinyOptions(spec));
        QCOMPARE(runStatusName(r.status), QStringLiteral("diverged"));
        QVERIFY(!r.message.isEmpty());
        QVERIFY(!r.toJson().contains(QStringLiteral("loss")));
        const QByteArray metrics = [&] {
            QFile f(StudyPaths(dir.path()).metrics(QStringLiteral("hot")));
            return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
        }();
        QVERIFY(!metrics.toLower().contains("nan"));
        QVERIFY(!metrics.toLower().contains("inf"));
    }

    void sweepGoesOnAfterDivergence()
    {
        registerTorchBackend();
        QTemporaryDir dir;
        writeStudyData(dir.path());
        SweepPlan plan;
        plan.spec = tinySpec();
        plan.runs = {tinyRun(QStringLiteral("hot"), 1e6, 30), tinyRun(QStringLiteral("fine"), 0.01, 30)};
        SweepRunner runner(plan, dir.path());
        SweepOptions options;
        options.cores = 1;
        const SweepSummary summary = runner.run(options, {});
        QCOMPARE(summary.diverged, 1);
        QCOMPARE(summary.done, 1);
        const QHash<QString, RunResult> results = readResults(StudyPaths(dir.path()));
        QCOMPARE(results.value(QStringLiteral("hot")).status, RunStatus::Diverged);
        QVERIFY(std::isnan(results.value(QStringLiteral("hot")).loss));
        QVERIFY(std::isfinite(results.value(QStringLiteral("fine")).loss));
        QFile log(StudyPaths(dir.path()).results());
        QVERIFY(log.open(QIODevice::ReadOnly));
        QVERIFY(!log.readAll().toLower().contains("nan"));
    }

    void corruptCheckpointRestarts()
    {
        QTemporaryDir dir;
        writeStudyData(dir.path());
        const SweepSpec spec = tinySpec();
        const RunSpec run = tinyRun(QStringLiteral("r"), 0.01, 20);
        const StudyPaths paths(dir.path());
        TrainContext context{paths, spec, 1, nullptr, {}};
        const RunResult clean = trainTorchRun(run, context, tinyOptions(spec));

        QDir().mkpath(paths.runDir(run.id));
        QFile ckpt(paths.checkpoint(run.id));
        QVERIFY(ckpt.open(QIODevice::WriteOnly));
        ckpt.write("this is not a checkpoint");
        ckpt.close();
        const RunResult r = trainTorchRun(run, context, tinyOptions(spec));
        QCOMPARE(r.status, RunStatus::Done);
        QVERIFY2(r.message.contains(paths.checkpoint(run.id)), qPrintable(r.message));
        QVERIFY(r.message.contains(QStringLiteral("from scratch")));
        QCOMPARE(r.loss, clean.loss); // trained from the start: the same run as before
    }

    void badOptionsNameTheKey()
    {
        QJsonObject config = defaultSweepConfig();
        applyOverride(config, QStringLiteral("training.parametrization=mup"));
        try {
            TorchTrainOptions::fromConfig(config, QStringLiteral("p.jsonc"));
            QFAIL("no error");
        } catch (const InputError &e) {
            QVERIFY(e.message().contains(QStringLiteral("training.parametrization")));
            QVERIFY(e.message().contains(QStringLiteral("p.jsonc")));
        }
    }
};

QTEST_GUILESS_MAIN(TestTorchTrainer)
#include "tst_torchtrainer.moc"
