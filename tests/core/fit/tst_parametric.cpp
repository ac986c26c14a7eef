#include "ReferenceData.h"
#include "TestHelpers.h"

#include "fit/Bootstrap.h"
#include "fit/ParametricFit.h"
#include "util/Error.h"

#include <QFileInfo>
#include <QTest>

#include <cmath>
#include <random>

using namespace flopsfit;

namespace {

const ParametricLaw kTruth{1.69, 406.4, 410.7, 0.34, 0.28};

// An IsoFLOP-shaped design: 6 budgets × 9 sizes around the optimum, multiplicative noise.
QVector<ParametricObservation> synthetic(const ParametricLaw &law, double noise, quint64 seed)
{
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> gauss(0, 1);
    QVector<ParametricObservation> out;
    for (int b = 0; b < 6; ++b) {
        const double c = 1e18 * std::pow(4.0, b);
        const double nOpt = law.optimalParams(c);
        for (int i = -4; i <= 4; ++i) {
            const double n = nOpt * std::pow(2.0, 0.5 * i);
            const double d = c / (6 * n);
            out.append({n, d, law.loss(n, d) * std::exp(noise * gauss(rng)), 1.0});
        }
    }
    return out;
}

} // namespace

class TestParametric : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // Besiroglu et al. 2024, the 240 points left after dropping the 5 highest losses; their
    // L-BFGS grid result is E = 1.8172, A = 477.8, B = 2143.9, α = 0.3473, β = 0.3672.
    void reproducesTheChinchillaReplication()
    {
        const QString path = QStringLiteral(FLOPSFIT_CHINCHILLA_CSV);
        if (!QFileInfo::exists(path))
            QSKIP(qPrintable(QStringLiteral("reference data %1 is absent").arg(path)));
        const auto ref = test::dropHighestLosses(test::readChinchillaCsv(path), 5);
        QCOMPARE(ref.size(), 240);
        QVector<ParametricObservation> points;
        for (const auto &p : ref)
            points.append({p.params, p.flops / (6 * p.params), p.loss, 1.0});
        const ParametricFitReport fit = fitParametric(points);
        QCOMPARE(fit.starts, 4500);
        FF_COMPARE_REL(fit.law.E, 1.8172, 0.002);
        FF_COMPARE_REL(fit.law.A, 477.8, 0.01);
        FF_COMPARE_REL(fit.law.B, 2143.9, 0.01);
        FF_COMPARE_REL(fit.law.alpha, 0.3473, 0.002);
        FF_COMPARE_REL(fit.law.beta, 0.3672, 0.002);
        FF_COMPARE_REL(fit.law.exponentA(), 0.3672 / (0.3473 + 0.3672), 0.002);
        QVERIFY(fit.haveStdErrors);
        QVERIFY(fit.stdErrors[ParamAlpha] > 0 && fit.stdErrors[ParamAlpha] < 0.1);
        QVERIFY(fit.startsAtBest > 10);
        // Threads do not change the answer.
        ParametricFitOptions one;
        one.threads = 1;
        const ParametricFitReport serial = fitParametric(points, one);
        FF_COMPARE_REL(serial.law.alpha, fit.law.alpha, 1e-9);
        FF_COMPARE_REL(serial.objective, fit.objective, 1e-9);
    }

    void recoversASyntheticLawInsideItsBootstrapIntervals_data()
    {
        QTest::addColumn<double>("noise");
        QTest::addColumn<quint64>("seed");
        QTest::newRow("1% noise") << 0.01 << quint64(11);
        QTest::newRow("3% noise") << 0.03 << quint64(12);
    }

    void recoversASyntheticLawInsideItsBootstrapIntervals()
    {
        QFETCH(double, noise);
        QFETCH(quint64, seed);
        const auto points = synthetic(kTruth, noise, seed);
        ParametricFitOptions options;
        const ParametricFitReport fit = fitParametric(points, options);
        BootstrapOptions b;
        b.samples = 300;
        b.seed = seed;
        const QVector<double> targets{1e21};
        const BootstrapResult boot = bootstrapParametric(points, fit, options, b, targets);
        QVERIFY(boot.succeeded >= 290);
        QMap<QString, double> truth;
        addParametricQuantities(kTruth, targets, &truth);
        for (const QString &name : {QStringLiteral("alpha"), QStringLiteral("beta"), QStringLiteral("E"), QStringLiteral("a"),
                                    QStringLiteral("N_opt@1e+21"), QStringLiteral("L_opt@1e+21")}) {
            const Interval iv = boot.interval(name);
            QVERIFY2(iv.valid(), qPrintable(name));
            QVERIFY2(iv.lo <= truth.value(name) && truth.value(name) <= iv.hi,
                     qPrintable(QStringLiteral("%1: truth %2 outside [%3, %4]").arg(name).arg(truth.value(name)).arg(iv.lo).arg(iv.hi)));
            QVERIFY2(iv.lo < iv.hi, qPrintable(name));
        }
    }

    void noiselessDataRecoversTheLawExactly()
    {
        const ParametricFitReport fit = fitParametric(synthetic(kTruth, 0.0, 1));
        FF_COMPARE_REL(fit.law.E, kTruth.E, 1e-4);
        FF_COMPARE_REL(fit.law.alpha, kTruth.alpha, 1e-4);
        FF_COMPARE_REL(fit.law.beta, kTruth.beta, 1e-4);
        FF_COMPARE_REL(fit.law.A, kTruth.A, 1e-3);
        FF_COMPARE_REL(fit.law.B, kTruth.B, 1e-3);
        QVERIFY(fit.rmseLog < 1e-6);
    }

    void fixedParametersStayFixed()
    {
        ParametricFitOptions options;
        options.fixed[ParamE] = true;
        options.fixedValues[ParamE] = std::log(kTruth.E);
        const ParametricFitReport fit = fitParametric(synthetic(kTruth, 0.01, 3), options);
        QCOMPARE(fit.law.E, kTruth.E);
        QCOMPARE(fit.stdErrors[ParamE], 0.0);
        FF_COMPARE_REL(fit.law.alpha, kTruth.alpha, 0.1);
        FF_COMPARE_REL(fit.law.beta, kTruth.beta, 0.1);
    }

    void aZeroWeightLeavesAPointOut()
    {
        auto points = synthetic(kTruth, 0.0, 1);
        ParametricFitOptions options;
        options.gridA = {5, 10};
        options.gridB = {5, 10};
        const ParametricFitReport clean = fitParametric(points, options);
        points[7].loss *= 1.5;
        points[7].weight = 0;
        const ParametricFitReport weighted = fitParametric(points, options);
        FF_COMPARE_REL(weighted.law.alpha, clean.law.alpha, 1e-4);
        points[7].weight = 1;
        const ParametricFitReport corrupted = fitParametric(points, options);
        QVERIFY(corrupted.objective > weighted.objective);
    }

    void theOptimalAllocationMinimisesTheLawAtFixedCompute()
    {
        const double c = 1e21;
        const double n = kTruth.optimalParams(c);
        FF_COMPARE_REL(6 * n * kTruth.optimalTokens(c), c, 1e-12);
        const auto at = [&](double nn) { return kTruth.loss(nn, c / (6 * nn)); };
        QVERIFY(at(n) < at(n * 1.05));
        QVERIFY(at(n) < at(n / 1.05));
        FF_COMPARE_REL(kTruth.exponentA() + kTruth.exponentB(), 1.0, 1e-12);
    }

    void percentileIntervalInterpolates()
    {
        const Interval iv = percentileInterval({5, 1, 2, 4, 3, std::nan("")}, 0.5);
        QCOMPARE(iv.samples, 5);
        QCOMPARE(iv.median, 3.0);
        QCOMPARE(iv.lo, 2.0);
        QCOMPARE(iv.hi, 4.0);
    }

    void rejectsBadInput()
    {
        auto points = synthetic(kTruth, 0.0, 1);
        points[3].loss = std::nan("");
        QVERIFY_THROWS_EXCEPTION(InputError, fitParametric(points));
        points[3].loss = -1;
        QVERIFY_THROWS_EXCEPTION(InputError, fitParametric(points));
        QVERIFY_THROWS_EXCEPTION(InputError, fitParametric(points.mid(0, 4)));
    }
};

QTEST_GUILESS_MAIN(TestParametric)
#include "tst_parametric.moc"
