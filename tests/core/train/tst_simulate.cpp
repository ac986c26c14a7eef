#include "TestHelpers.h"

#include "plan/SweepConfig.h"
#include "train/SimulatedBackend.h"
#include "train/SweepRunner.h"

#include <QMutex>
#include <QMutexLocker>
#include <QTemporaryDir>
#include <QThread>
#include <QTest>

#include <atomic>

using namespace flopsfit;

class TestSimulate : public QObject {
    Q_OBJECT

private:
    static SweepPlan demoPlan(const QStringList &extra = {})
    {
        QStringList overrides{QStringLiteral("compute.budgets=3"), QStringLiteral("model.sizes_per_budget=4"),
                              QStringLiteral("simulated.log_points=20")};
        overrides += extra;
        return planSweep(SweepSpec::fromConfig(loadSweepConfig(QString(), overrides), QStringLiteral("test")));
    }

    static RunResult trainOne(const SweepPlan &plan, const QString &dir, int index)
    {
        SimulatedBackend backend(SimulatedLaw::fromConfig(plan.spec.config));
        TrainContext context{StudyPaths(dir), plan.spec, 1, nullptr, {}};
        return backend.train(plan.runs[index], context);
    }

private Q_SLOTS:
    void sameSeedSameNumbers()
    {
        QTemporaryDir a, b;
        const SweepPlan plan = demoPlan();
        const RunResult ra = trainOne(plan, a.path(), 2);
        const RunResult rb = trainOne(plan, b.path(), 2);
        QCOMPARE(ra.status, RunStatus::Done);
        QCOMPARE(ra.loss, rb.loss);
        QCOMPARE(ra.trainLoss, rb.trainLoss);
        const JsonLines ma = readJsonLines(StudyPaths(a.path()).metrics(plan.runs[2].id));
        const JsonLines mb = readJsonLines(StudyPaths(b.path()).metrics(plan.runs[2].id));
        QCOMPARE(ma.records.size(), 20);
        QCOMPARE(mb.records.size(), 20);
        for (int i = 0; i < ma.records.size(); ++i) {
            QJsonObject x = ma.records[i], y = mb.records[i];
            x.remove(QStringLiteral("wall_seconds")); // the only field that depends on the clock
            y.remove(QStringLiteral("wall_seconds"));
            QCOMPARE(x, y);
        }
    }

    void differentSeedsDiffer()
    {
        QTemporaryDir dir;
        const SweepPlan plan = demoPlan({QStringLiteral("training.seeds=[0,1]")});
        QCOMPARE(plan.runs[0].shape, plan.runs[1].shape);
        QVERIFY(trainOne(plan, dir.path(), 0).loss != trainOne(plan, dir.path(), 1).loss);
    }

    void finalLossFollowsTheLaw()
    {
        QTemporaryDir dir;
        const SweepPlan plan = demoPlan({QStringLiteral("simulated.noise=0")});
        const SimulatedLaw law = SimulatedLaw::fromConfig(plan.spec.config);
        const RunSpec &run = plan.runs[1];
        const RunResult r = trainOne(plan, dir.path(), 1);
        FF_COMPARE_REL(r.loss, law.loss(run.params, run.tokens), 1e-12);
        // The logged curve starts near ln(V) and falls.
        const JsonLines m = readJsonLines(StudyPaths(dir.path()).metrics(run.id));
        QVERIFY(m.records.first().value(QStringLiteral("loss")).toDouble() >
                m.records.last().value(QStringLiteral("loss")).toDouble());
    }

    void sweepResumesWithoutRetraining()
    {
        QTemporaryDir dir;
        const SweepPlan plan = demoPlan();
        {
            SweepRunner runner(plan, dir.path());
            SweepOptions options;
            options.onlyRuns = {plan.runs[0].id, plan.runs[3].id};
            const SweepSummary s = runner.run(options, {});
            QCOMPARE(s.done, 2);
        }
        SweepRunner runner(plan, dir.path());
        QCOMPARE(runner.pendingRuns().size(), plan.runs.size() - 2);
        std::atomic<int> started{0};
        SweepCallbacks callbacks;
        callbacks.started = [&](const RunSpec &, int) { ++started; };
        const SweepSummary s = runner.run({}, callbacks);
        QCOMPARE(s.done, int(plan.runs.size()) - 2);
        QCOMPARE(s.skipped, 2);
        QCOMPARE(started.load(), int(plan.runs.size()) - 2);
        const QHash<QString, RunResult> results = readResults(StudyPaths(dir.path()));
        QCOMPARE(results.size(), plan.runs.size());
        QCOMPARE(readJsonLines(StudyPaths(dir.path()).results()).records.size(), plan.runs.size());
    }

    void cancelledRunsWriteNoResult()
    {
        QTemporaryDir dir;
        const SweepPlan plan = demoPlan();
        SweepRunner runner(plan, dir.path());
        SweepCallbacks callbacks;
        callbacks.progress = [&](const RunProgress &) { runner.cancel(); };
        const SweepSummary s = runner.run({}, callbacks);
        QCOMPARE(s.done, 0);
        QCOMPARE(s.cancelled, int(plan.runs.size()));
        QCOMPARE(readResults(StudyPaths(dir.path())).size(), 0);
        SweepRunner again(plan, dir.path());
        QCOMPARE(again.pendingRuns().size(), plan.runs.size());
    }

    void threadBudgetNeverExceedsCores()
    {
        // A backend that records how many threads are in use while runs train.
        static std::atomic<int> inUse{0}, peak{0};
        struct CountingBackend final : TrainBackend {
            QString name() const override { return QStringLiteral("counting"); }
            RunResult train(const RunSpec &run, const TrainContext &context) override
            {
                const int now = inUse += context.threads;
                int seen = peak.load();
                while (now > seen && !peak.compare_exchange_weak(seen, now)) {
                }
                QThread::msleep(5);
                inUse -= context.threads;
                RunResult r = RunResult::fromSpec(run, name());
                r.status = RunStatus::Done;
                r.loss = 1;
                return r;
            }
        };
        registerBackend(QStringLiteral("counting"), [](const SweepSpec &) { return std::make_unique<CountingBackend>(); });
        QTemporaryDir dir;
        const SweepPlan plan = demoPlan();
        SweepRunner runner(plan, dir.path());
        SweepOptions options;
        options.backend = QStringLiteral("counting");
        options.cores = 3;
        options.threadsPerRun = 2;
        const SweepSummary s = runner.run(options, {});
        QCOMPARE(s.done, int(plan.runs.size()));
        QVERIFY2(peak.load() <= 3, qPrintable(QString::number(peak.load())));
        QCOMPARE(peak.load(), 2);
    }
};

QTEST_GUILESS_MAIN(TestSimulate)
#include "tst_simulate.moc"
