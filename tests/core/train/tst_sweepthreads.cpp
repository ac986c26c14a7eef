// The SweepRunner's thread budget: concurrent runs × intra-op threads never exceed the cores.
#include "TestHelpers.h"

#include "train/SweepRunner.h"
#include "util/Json.h"
#include "plan/SweepConfig.h"

#include <QMutex>
#include <QMutexLocker>
#include <QTemporaryDir>
#include <QThread>

#include <atomic>

using namespace flopsfit;

namespace {

// Records how many intra-op threads the runs in flight hold, and what each run was given.
struct ThreadLedger {
    std::atomic<int> inUse{0};
    std::atomic<int> maxInUse{0};
    std::atomic<int> runsInFlight{0};
    std::atomic<int> maxRunsInFlight{0};
    QMutex mutex;
    QHash<QString, int> given;

    void reset()
    {
        inUse = 0;
        maxInUse = 0;
        runsInFlight = 0;
        maxRunsInFlight = 0;
        given.clear();
    }
};
ThreadLedger ledger;

void raiseMax(std::atomic<int> &max, int value)
{
    int seen = max.load();
    while (value > seen && !max.compare_exchange_weak(seen, value)) {
    }
}

class RecordingBackend final : public TrainBackend {
public:
    QString name() const override { return QStringLiteral("recording"); }
    RunResult train(const RunSpec &run, const TrainContext &context) override
    {
        raiseMax(ledger.maxInUse, ledger.inUse += context.threads);
        raiseMax(ledger.maxRunsInFlight, ++ledger.runsInFlight);
        {
            QMutexLocker lock(&ledger.mutex);
            ledger.given.insert(run.id, context.threads);
        }
        QThread::msleep(30); // long enough for other runs to start beside this one
        --ledger.runsInFlight;
        ledger.inUse -= context.threads;
        RunResult r = RunResult::fromSpec(run, name());
        r.status = RunStatus::Done;
        r.loss = 3.0;
        return r;
    }
};

RunSpec makeRun(const QString &id, int dModel, int layers)
{
    RunSpec r;
    r.id = id;
    r.shape.d_model = dModel;
    r.shape.n_layers = layers;
    r.shape.n_heads = dModel / 32;
    r.shape.d_ff = 4 * dModel;
    r.shape.vocab_size = 4096;
    r.shape.seq_len = 256;
    r.params = r.shape.nonEmbeddingParams();
    r.steps = 1;
    r.tokens = 1;
    r.flops = 1;
    r.lr = 1e-3;
    return r;
}

SweepPlan makePlan()
{
    SweepPlan plan;
    plan.spec = SweepSpec::fromConfig(defaultSweepConfig(), QStringLiteral("defaults"));
    plan.spec.backend = QStringLiteral("recording");
    for (int i = 0; i < 6; ++i)
        plan.runs.append(makeRun(QStringLiteral("small%1").arg(i), 64, 2));   // ≈ 0.4M parameters
    for (int i = 0; i < 2; ++i)
        plan.runs.append(makeRun(QStringLiteral("big%1").arg(i), 512, 8));    // ≈ 27M parameters
    for (int i = 0; i < 3; ++i)
        plan.runs.append(makeRun(QStringLiteral("small%1").arg(i + 6), 64, 2));
    return plan;
}

} // namespace

class TestSweepThreads : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        registerBackend(QStringLiteral("recording"), [](const SweepSpec &) -> std::unique_ptr<TrainBackend> {
            return std::make_unique<RecordingBackend>();
        });
    }

    void threadsBySize()
    {
        QCOMPARE(threadsForRun(makeRun(QStringLiteral("s"), 64, 2), 8), 1);
        QCOMPARE(threadsForRun(makeRun(QStringLiteral("b"), 512, 8), 8), 8);
        QCOMPARE(threadsForRun(makeRun(QStringLiteral("b"), 512, 8), 2), 2);
    }

    void budgetNeverExceeded_data()
    {
        QTest::addColumn<int>("cores");
        QTest::addColumn<int>("threadsPerRun");
        QTest::addColumn<int>("concurrency");
        QTest::newRow("2 cores, by size") << 2 << 0 << 0;
        QTest::newRow("4 cores, by size") << 4 << 0 << 0;
        QTest::newRow("4 cores, 3 threads each") << 4 << 3 << 0;
        QTest::newRow("8 cores, 2 threads each, at most 2 runs") << 8 << 2 << 2;
    }

    void budgetNeverExceeded()
    {
        QFETCH(int, cores);
        QFETCH(int, threadsPerRun);
        QFETCH(int, concurrency);
        ledger.reset();
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const SweepPlan plan = makePlan();
        SweepRunner runner(plan, dir.path());
        SweepOptions options;
        options.cores = cores;
        options.threadsPerRun = threadsPerRun;
        options.concurrency = concurrency;
        const SweepSummary summary = runner.run(options, {});
        QCOMPARE(summary.done, int(plan.runs.size()));
        QVERIFY2(ledger.maxInUse.load() <= cores,
                 qPrintable(QStringLiteral("%1 threads in use on %2 cores").arg(ledger.maxInUse.load()).arg(cores)));
        if (concurrency > 0)
            QVERIFY(ledger.maxRunsInFlight.load() <= concurrency);
        for (const RunSpec &run : plan.runs) {
            const int expected = threadsPerRun > 0 ? std::min(threadsPerRun, cores) : threadsForRun(run, cores);
            QCOMPARE(ledger.given.value(run.id), expected);
        }
        // Big runs take every core, small ones one each.
        if (threadsPerRun == 0) {
            QCOMPARE(ledger.given.value(QStringLiteral("big0")), cores);
            QCOMPARE(ledger.given.value(QStringLiteral("small0")), 1);
        }
    }
};

QTEST_GUILESS_MAIN(TestSweepThreads)
#include "tst_sweepthreads.moc"
