#include "TestHelpers.h"

#include "fit/IsoFlopAnalysis.h"
#include "fit/PowerLaw.h"
#include "train/SimulatedBackend.h"
#include "util/Error.h"

#include <QTest>

#include <cmath>
#include <random>

using namespace flopsfit;

class TestPowerLaw : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void recoversKnownLaw_data()
    {
        QTest::addColumn<double>("k");
        QTest::addColumn<double>("a");
        QTest::addColumn<double>("noise");
        QTest::addColumn<double>("tolerance");
        QTest::newRow("noiseless") << 0.1 << 0.5 << 0.0 << 1e-9;
        QTest::newRow("noiseless, negative exponent") << 30.0 << -0.05 << 0.0 << 1e-9;
        QTest::newRow("2% noise") << 0.1 << 0.5 << 0.02 << 0.02;
    }

    void recoversKnownLaw()
    {
        QFETCH(double, k);
        QFETCH(double, a);
        QFETCH(double, noise);
        QFETCH(double, tolerance);
        std::mt19937_64 rng(7);
        std::normal_distribution<double> gauss(0, 1);
        QVector<double> x, y;
        for (int i = 0; i < 30; ++i) {
            const double c = std::pow(10.0, 15 + i * 0.2);
            x.append(c);
            y.append(k * std::pow(c, a) * std::exp(noise * gauss(rng)));
        }
        const PowerLawFit fit = fitPowerLaw(x, y);
        QVERIFY2(std::abs(fit.a - a) <= tolerance, qPrintable(QString::number(fit.a)));
        QVERIFY(std::abs(std::log(fit.k / k)) <= tolerance * 40);
        if (noise == 0) {
            QVERIFY(fit.r2 > 1 - 1e-12);
        } else {
            QVERIFY(fit.seA > 0);
            QVERIFY(std::abs(fit.a - a) < 4 * fit.seA);
        }
    }

    void rejectsBadPoints()
    {
        QVERIFY_THROWS_EXCEPTION(InputError, fitPowerLaw({1.0}, {2.0}));
        QVERIFY_THROWS_EXCEPTION(InputError, fitPowerLaw({1.0, 2.0}, {2.0, -1.0}));
        QVERIFY_THROWS_EXCEPTION(InputError, fitPowerLaw({1.0, 2.0}, {2.0, std::nan("")}));
        QVERIFY_THROWS_EXCEPTION(InputError, fitPowerLaw({3.0, 3.0}, {2.0, 1.0}));
    }

    void polynomialIsExact()
    {
        QVector<double> x, y;
        for (int i = 0; i < 7; ++i) {
            const double t = 15.0 + i * 0.5; // like ln N: far from 0
            x.append(t);
            y.append(2.0 - 0.3 * t + 0.01 * t * t);
        }
        QVector<double> c;
        QVERIFY(fitPolynomial(x, y, 2, &c));
        FF_COMPARE_REL(c[0], 2.0, 1e-6);
        FF_COMPARE_REL(c[1], -0.3, 1e-6);
        FF_COMPARE_REL(c[2], 0.01, 1e-6);
    }

    void isoFlopRecoversTheSimulatedExponent()
    {
        // Noiseless points of L(N, D) on log-spaced sizes around each optimum.
        const SimulatedLaw law;
        QVector<FitPoint> points;
        for (double c : {1e18, 1e19, 1e20, 1e21, 1e22}) {
            const double center = std::sqrt(c / (6.0 * 20));
            for (int i = -4; i <= 4; ++i) {
                const double n = center * std::pow(10.0, i * 0.25);
                const double d = c / (6 * n);
                points.append(FitPoint{QString::number(i), c, n, d, law.loss(n, d)});
            }
        }
        const IsoFlopReport parabola = analyzeIsoFlop(points, {OptimumMethod::Parabola, 1e24});
        QVERIFY2(std::abs(parabola.nOpt.a - law.exponentA()) < 0.02, qPrintable(QString::number(parabola.nOpt.a)));
        QVERIFY(std::abs(parabola.dOpt.a - law.exponentB()) < 0.02);
        FF_COMPARE_REL(parabola.nOpt.a + parabola.dOpt.a, 1.0, 1e-9);
        for (const BudgetOptimum &o : parabola.optima) {
            QVERIFY(o.vertexInRange);
            QCOMPARE(o.method, QStringLiteral("parabola"));
        }
        const IsoFlopReport empirical = analyzeIsoFlop(points, {OptimumMethod::Empirical, 1e24});
        for (const BudgetOptimum &o : empirical.optima)
            QCOMPARE(o.optParams, o.bestParams);
    }

    void isoFlopNeedsTwoBudgets()
    {
        QVector<FitPoint> points{{QStringLiteral("a"), 1e18, 1e8, 1e9, 3.0}, {QStringLiteral("b"), 1e18, 2e8, 5e8, 2.9}};
        QVERIFY_THROWS_EXCEPTION(InputError, analyzeIsoFlop(points, {}));
    }
};

QTEST_GUILESS_MAIN(TestPowerLaw)
#include "tst_powerlaw.moc"
