#include "TestHelpers.h"

#include "plan/SweepConfig.h"
#include "plan/SweepPlan.h"
#include "util/Error.h"

#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using namespace flopsfit;

class TestPlan : public QObject {
    Q_OBJECT

private:
    static SweepSpec specWith(const QStringList &overrides)
    {
        return SweepSpec::fromConfig(loadSweepConfig(QString(), overrides), QStringLiteral("test"));
    }

private Q_SLOTS:
    void budgetsAreLogSpaced()
    {
        const SweepPlan plan = planSweep(specWith({QStringLiteral("compute.min_flops=1e15"),
                                                   QStringLiteral("compute.max_flops=1e19"),
                                                   QStringLiteral("compute.budgets=5")}));
        QCOMPARE(plan.budgets.size(), 5);
        FF_COMPARE_REL(plan.budgets.first(), 1e15, 1e-12);
        FF_COMPARE_REL(plan.budgets.last(), 1e19, 1e-12);
        for (int i = 1; i < plan.budgets.size(); ++i)
            FF_COMPARE_REL(plan.budgets[i] / plan.budgets[i - 1], 10.0, 1e-9);
    }

    void runsUseTheExactSizeOfTheirShape_data()
    {
        QTest::addColumn<QString>("flopsModel");
        QTest::newRow("non-embedding") << QStringLiteral("6nd_nonembedding");
        QTest::newRow("total") << QStringLiteral("6nd_total");
        QTest::newRow("attention") << QStringLiteral("6nd_attention");
    }

    void runsUseTheExactSizeOfTheirShape()
    {
        QFETCH(QString, flopsModel);
        const SweepPlan plan = planSweep(specWith({QStringLiteral("flops_model=\"%1\"").arg(flopsModel)}));
        QVERIFY(!plan.runs.isEmpty());
        const FlopsModel model = parseFlopsModel(flopsModel, QStringLiteral("test"));
        for (const RunSpec &run : plan.runs) {
            QCOMPARE(run.params, run.shape.params(model));
            QCOMPARE(run.shape.d_model % 64, 0);
            QCOMPARE(run.shape.n_heads * 64, run.shape.d_model);
            // C = flops per token × D up to the rounding of D to whole steps.
            FF_COMPARE_REL(run.flops, run.budget, 0.02);
            FF_COMPARE_REL(run.flops, run.shape.flopsPerToken(model) * run.tokens, 1e-12);
            if (model != FlopsModel::SixNDAttention)
                FF_COMPARE_REL(run.flops, 6.0 * run.params * run.tokens, 1e-12);
        }
    }

    void boundsAreRespected()
    {
        const SweepPlan plan = planSweep(specWith({QStringLiteral("model.min_tokens_per_param=5"),
                                                   QStringLiteral("model.max_tokens_per_param=100"),
                                                   QStringLiteral("model.min_params=1e6"),
                                                   QStringLiteral("model.max_params=1e9"),
                                                   QStringLiteral("compute.max_flops=1e20")}));
        for (const RunSpec &run : plan.runs) {
            // Targets obey the bounds exactly; rounding to a shape moves N by under ~25 %.
            QVERIFY2(run.tokensPerParam() >= 5 * 0.6 && run.tokensPerParam() <= 100 / 0.6,
                     qPrintable(QStringLiteral("%1: D/N = %2").arg(run.id).arg(run.tokensPerParam())));
            QVERIFY(run.params >= 1e6 * 0.75 && run.params <= 1e9 * 1.25);
        }
    }

    void shapeSolverIsCloseAndHonoursTheAspectRatio()
    {
        ShapeRule rule;
        for (double target : {1e6, 1e7, 1e8, 1e9}) {
            const ModelShape s = solveModelShape(target, rule, FlopsModel::SixNDNonEmbedding);
            QVERIFY2(std::abs(std::log(s.nonEmbeddingParams() / target)) < 0.25,
                     qPrintable(QStringLiteral("target %1 got %2").arg(target).arg(s.nonEmbeddingParams())));
            const double aspect = double(s.d_model) / s.n_layers;
            QVERIFY2(aspect > 16 && aspect < 256, qPrintable(QStringLiteral("aspect %1").arg(aspect)));
        }
    }

    void runIdsAreStableAndUnique()
    {
        const SweepSpec spec = specWith({QStringLiteral("training.seeds=[0,1]")});
        const SweepPlan a = planSweep(spec);
        const SweepPlan b = planSweep(spec);
        QCOMPARE(a.runs.size(), b.runs.size());
        QSet<QString> ids;
        for (int i = 0; i < a.runs.size(); ++i) {
            QCOMPARE(a.runs[i].id, b.runs[i].id);
            ids.insert(a.runs[i].id);
        }
        QCOMPARE(ids.size(), a.runs.size());
    }

    void overridesApply()
    {
        const QJsonObject config = loadSweepConfig(QString(), {QStringLiteral("compute.min_flops=1e13"),
                                                              QStringLiteral("backend=torch"),
                                                              QStringLiteral("training.seeds=[3, 4]")});
        const SweepSpec spec = SweepSpec::fromConfig(config, QStringLiteral("test"));
        QCOMPARE(spec.minFlops, 1e13);
        QCOMPARE(spec.backend, QStringLiteral("torch"));
        QCOMPARE(spec.seeds, (QVector<int>{3, 4}));
    }

    void badInputIsNamed_data()
    {
        QTest::addColumn<QStringList>("overrides");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("unknown key") << QStringList{QStringLiteral("compute.nope=1")} << QStringLiteral("compute.nope");
        QTest::newRow("wrong type") << QStringList{QStringLiteral("compute.budgets=many")} << QStringLiteral("compute.budgets");
        QTest::newRow("out of range") << QStringList{QStringLiteral("compute.budgets=0")} << QStringLiteral("compute.budgets");
        QTest::newRow("not key=value") << QStringList{QStringLiteral("compute.budgets")} << QStringLiteral("key=value");
        QTest::newRow("max below min") << QStringList{QStringLiteral("compute.max_flops=1e10")} << QStringLiteral("compute.max_flops");
        QTest::newRow("unknown choice") << QStringList{QStringLiteral("flops_model=\"7nd\"")} << QStringLiteral("7nd");
    }

    void badInputIsNamed()
    {
        QFETCH(QStringList, overrides);
        QFETCH(QString, mentions);
        try {
            planSweep(specWith(overrides));
            QFAIL("expected an InputError");
        } catch (const InputError &e) {
            QVERIFY2(e.message().contains(mentions), qPrintable(e.message()));
        }
    }

    void presetFilesParseWithComments()
    {
        const QString dir = QStringLiteral(FLOPSFIT_PRESETS);
        for (const QString &name : {QStringLiteral("demo"), QStringLiteral("cpu_fast"), QStringLiteral("cpu_full")}) {
            const QString path = dir + QLatin1Char('/') + name + QStringLiteral(".jsonc");
            const SweepSpec spec = SweepSpec::fromConfig(loadSweepConfig(path), path);
            QCOMPARE(spec.name, name);
            QVERIFY(!planSweep(spec).runs.isEmpty());
        }
    }

    void malformedPresetNamesFileAndLine()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("bad.jsonc"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("// a comment\n{\n  \"compute\": { \"budgets\": 3,, }\n}\n");
        f.close();
        try {
            loadSweepConfig(path);
            QFAIL("expected an InputError");
        } catch (const InputError &e) {
            QVERIFY2(e.message().startsWith(path + QStringLiteral(":3:")), qPrintable(e.message()));
        }
    }

    void planRoundTripsThroughJson()
    {
        const SweepPlan plan = planSweep(specWith({}));
        const SweepPlan back = SweepPlan::fromJson(plan.toJson(), QStringLiteral("test"));
        QCOMPARE(back.toJson(), plan.toJson());
    }
};

QTEST_GUILESS_MAIN(TestPlan)
#include "tst_plan.moc"
