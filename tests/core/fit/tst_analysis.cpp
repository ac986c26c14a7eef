#include "ReferenceData.h"
#include "TestHelpers.h"

#include "fit/ChinchillaTable.h"
#include "fit/Envelope.h"
#include "fit/ResultsCsv.h"
#include "fit/StudyAnalysis.h"
#include "util/Error.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <random>

using namespace flopsfit;

namespace {

const ParametricLaw kTruth{1.69, 406.4, 410.7, 0.34, 0.28};

// `budgets` IsoFLOP budgets × `sizes` model sizes around the true optimum, log-normal noise.
QVector<FitPoint> isoFlopStudy(int budgets, int sizes, double noise, quint64 seed)
{
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> gauss(0, 1);
    QVector<FitPoint> out;
    for (int b = 0; b < budgets; ++b) {
        const double c = 1e18 * std::pow(10.0, b);
        const double nOpt = kTruth.optimalParams(c);
        for (int i = 0; i < sizes; ++i) {
            const double n = nOpt * std::pow(2.0, (i - (sizes - 1) / 2.0) * 0.6);
            const double d = c / (6 * n);
            out.append({QStringLiteral("b%1-n%2").arg(b).arg(i), c, n, d, kTruth.loss(n, d) * std::exp(noise * gauss(rng))});
        }
    }
    return out;
}

StudyAnalysisOptions quickOptions()
{
    StudyAnalysisOptions o;
    o.targetFlops = 1e22;
    // A coarse start grid keeps these tests fast; the full grid is tested in tst_parametric.
    o.parametric.gridA = {5, 10};
    o.parametric.gridB = {5, 10};
    o.parametric.gridE = {0, 0.5};
    return o;
}

void writeFile(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(bytes);
}

} // namespace

class TestAnalysis : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void everyApproachRecoversTheSimulatedLaw()
    {
        StudyAnalysisOptions options = quickOptions();
        options.bootstrap.samples = 200;
        options.bootstrap.seed = 5;
        const StudyAnalysis a = analyzePoints(isoFlopStudy(5, 9, 0.005, 1), {}, {}, options);
        QVERIFY(a.errors.isEmpty());
        QVERIFY(a.haveIsoFlop && a.haveParametric);
        QVERIFY(std::abs(a.isoFlop.nOpt.a - kTruth.exponentA()) < 0.02);
        QVERIFY(a.isoFlop.nOpt.seA > 0 && a.isoFlop.nOpt.r2 > 0.99);
        FF_COMPARE_REL(a.parametric.law.alpha, kTruth.alpha, 0.05);
        // The truth lies inside the bootstrap intervals of the parametric law and its prediction.
        for (const QString &name : {QStringLiteral("alpha"), QStringLiteral("beta"), QStringLiteral("a"), QStringLiteral("E")}) {
            const Interval iv = a.bootstrap.interval(QStringLiteral("parametric.") + name);
            QMap<QString, double> truth;
            addParametricQuantities(kTruth, {}, &truth);
            QVERIFY2(iv.valid() && iv.lo <= truth.value(name) && truth.value(name) <= iv.hi,
                     qPrintable(QStringLiteral("%1 %2 outside [%3, %4]").arg(name).arg(truth.value(name)).arg(iv.lo).arg(iv.hi)));
        }
        const Interval nOpt = a.bootstrap.interval(QStringLiteral("parametric.") + targetKey(QStringLiteral("N_opt"), 1e22));
        QVERIFY(nOpt.lo <= kTruth.optimalParams(1e22) && kTruth.optimalParams(1e22) <= nOpt.hi);
        QVERIFY(a.bootstrap.interval(QStringLiteral("isoflop.N_opt.exponent")).valid());
        // Holdout: the largest budget predicted from the other four.
        QVERIFY(a.holdout.done);
        QCOMPARE(a.holdout.budget, 1e22);
        QVERIFY(a.holdout.haveParametric && a.holdout.haveIsoFlop);
        QVERIFY(std::abs(a.holdout.parametricLoss / a.holdout.actualLoss - 1) < 0.01);
        QVERIFY(std::abs(a.holdout.parametricParams / a.holdout.actualParams - 1) < 0.2);
        // analysis.json carries every fit.
        const QJsonObject json = a.toJson();
        for (const char *key : {"isoflop", "parametric", "holdout", "bootstrap", "outliers", "excluded"})
            QVERIFY2(json.contains(QLatin1String(key)), key);
        QVERIFY(json.value(QStringLiteral("parametric")).toObject().contains(QStringLiteral("intervals")));
        const QJsonObject summary = a.summaryJson();
        QVERIFY(summary.value(QStringLiteral("N_opt")).toObject().contains(QStringLiteral("r2")));
    }

    void bootstrapIsReproducibleWhateverTheThreads()
    {
        StudyAnalysisOptions options = quickOptions();
        options.bootstrap.samples = 40;
        options.bootstrap.seed = 9;
        options.bootstrap.threads = 1;
        const auto points = isoFlopStudy(4, 7, 0.01, 2);
        const StudyAnalysis one = analyzePoints(points, {}, {}, options);
        options.bootstrap.threads = 2;
        const StudyAnalysis two = analyzePoints(points, {}, {}, options);
        QCOMPARE(one.bootstrap.interval(QStringLiteral("parametric.alpha")).lo, two.bootstrap.interval(QStringLiteral("parametric.alpha")).lo);
        QCOMPARE(one.bootstrap.interval(QStringLiteral("isoflop.N_opt.exponent")).hi, two.bootstrap.interval(QStringLiteral("isoflop.N_opt.exponent")).hi);
    }

    void aRunFarAboveItsNeighboursIsFlaggedAndLeftOut()
    {
        auto points = isoFlopStudy(4, 9, 0.003, 3);
        points[12].loss *= 1.15;
        const QString bad = points[12].id;
        const StudyAnalysis a = analyzePoints(points, {}, {}, quickOptions());
        QCOMPARE(a.outliers.size(), 1);
        QCOMPARE(a.outliers.first().id, bad);
        QVERIFY(a.outliers.first().reason.contains(QStringLiteral("MAD")));
        QCOMPARE(a.used.size(), points.size() - 1);
        QVERIFY(a.excluded.join(QLatin1Char('\n')).contains(bad + QStringLiteral(": outlier")));

        // Forced in, it stays in; another run forced out goes.
        FitOverrides overrides;
        overrides.include = {bad};
        overrides.exclude = {points[0].id};
        const StudyAnalysis forced = analyzePoints(points, {}, {}, quickOptions(), overrides);
        QCOMPARE(forced.used.size(), points.size() - 1);
        QVERIFY(std::any_of(forced.used.begin(), forced.used.end(), [&](const FitPoint &p) { return p.id == bad; }));
        QVERIFY(std::none_of(forced.used.begin(), forced.used.end(), [&](const FitPoint &p) { return p.id == points[0].id; }));
        QVERIFY(forced.warnings.join(QLatin1Char('\n')).contains(QStringLiteral("forced in")));
    }

    void noiseAloneFlagsNothing()
    {
        const StudyAnalysis a = analyzePoints(isoFlopStudy(5, 9, 0.003, 4), {}, {}, quickOptions());
        QVERIFY2(a.outliers.isEmpty(), qPrintable(a.excluded.join(QLatin1Char('\n'))));
    }

    void overridesPersistInTheStudy()
    {
        QTemporaryDir dir;
        updateFitOverrides(dir.path(), {}, {QStringLiteral("r1"), QStringLiteral("r2")});
        const FitOverrides o = updateFitOverrides(dir.path(), {QStringLiteral("r2")}, {});
        QCOMPARE(o.exclude, QStringList{QStringLiteral("r1")});
        QCOMPARE(readFitOverrides(dir.path()).include, QStringList{QStringLiteral("r2")});
    }

    void badInputKeepsWhatCanBeSaid_data()
    {
        QTest::addColumn<int>("budgets");
        QTest::addColumn<int>("sizes");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("two budgets") << 2 << 9 << QStringLiteral("at least three budgets");
        QTest::newRow("two sizes per budget") << 5 << 2 << QStringLiteral("a parabola needs at least three");
    }

    void badInputKeepsWhatCanBeSaid()
    {
        QFETCH(int, budgets);
        QFETCH(int, sizes);
        QFETCH(QString, mentions);
        const StudyAnalysis a = analyzePoints(isoFlopStudy(budgets, sizes, 0.003, 5), {}, {}, quickOptions());
        QVERIFY(!a.haveIsoFlop);
        QVERIFY(a.haveParametric); // approach 3 without approach 2
        QVERIFY2(a.errors.join(QLatin1Char('\n')).contains(mentions), qPrintable(a.errors.join(QLatin1Char('\n'))));
        QCOMPARE(a.predictionApproach(), QStringLiteral("parametric"));
        // Headlining the parametric fit, approach 2's problems are warnings.
        StudyAnalysisOptions parametric = quickOptions();
        parametric.approach = HeadlineApproach::Parametric;
        QVERIFY(analyzePoints(isoFlopStudy(budgets, sizes, 0.003, 5), {}, {}, parametric).errors.isEmpty());
    }

    void tooLittleForAnyFitThrows()
    {
        QVERIFY_THROWS_EXCEPTION(InputError, analyzePoints(isoFlopStudy(1, 4, 0.0, 1), {}, {}, quickOptions()));
    }

    void theEnvelopeOfTrainingCurvesFollowsTheLaw()
    {
        // Curves along the law: every size trained to 200 tokens per parameter, loss at the tokens
        // seen so far, so each budget's optimum is covered by some curve.
        QVector<TrainingCurve> curves;
        for (int i = 0; i < 24; ++i) {
            const double n = 1e7 * std::pow(10.0, i * 0.125);
            TrainingCurve c;
            c.id = QString::number(i);
            c.params = n;
            const double finalFlops = 6 * n * 200 * n;
            for (int k = 1; k <= 200; ++k) {
                const double f = finalFlops * k / 200.0;
                c.flops.append(f);
                c.loss.append(kTruth.loss(n, f / (6 * n)));
            }
            curves.append(c);
        }
        const EnvelopeReport env = fitEnvelope(curves, 30);
        QVERIFY2(env.fitted, qPrintable(env.warnings.join(QLatin1Char(' '))));
        QVERIFY(env.points.size() >= 20);
        QVERIFY2(std::abs(env.nOpt.a - kTruth.exponentA()) < 0.1, qPrintable(QString::number(env.nOpt.a)));
        QVERIFY(!fitEnvelope(curves.mid(0, 1)).fitted);
    }

    void resultsCsvImport()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("r.csv"));
        QByteArray csv = "name,\"params, total\",tokens,loss\n";
        int line = 0;
        for (const FitPoint &p : isoFlopStudy(4, 5, 0.0, 1))
            csv += QStringLiteral("%1,%2,%3,%4\n").arg(p.id).arg(p.params, 0, 'g', 17).arg(p.tokens, 0, 'g', 17).arg(p.loss, 0, 'g', 17).toUtf8(), ++line;
        csv += "bad,1e8,nan,3.0\n";
        writeFile(path, csv);
        const ResultsCsv r = readResultsCsv(path, QStringLiteral("N=params, total,D=tokens,loss=loss,id=name"));
        QCOMPARE(r.points.size(), line);
        QCOMPARE(r.errors.size(), 1);
        QVERIFY2(r.errors.first().contains(QStringLiteral(":%1:").arg(line + 2)), qPrintable(r.errors.first()));
        // C follows from 6ND, budgets regroup exactly.
        FF_COMPARE_REL(r.points.first().budget, 1e18, 1e-9);
        QCOMPARE(r.points.first().id, QStringLiteral("b0-n0"));
        const StudyAnalysis a = analyzePoints(r.points, {}, {}, quickOptions());
        QVERIFY(a.haveIsoFlop && a.haveParametric);
        QCOMPARE(a.isoFlop.optima.size(), 4);

        QVERIFY_THROWS_EXCEPTION(InputError, readResultsCsv(path, QStringLiteral("N=nope,C=tokens,loss=loss")));
        try {
            readResultsCsv(path, QStringLiteral("N=nope,C=tokens,loss=loss"));
        } catch (const InputError &e) {
            QVERIFY2(e.message().contains(QStringLiteral("no column 'nope'")) && e.message().contains(QStringLiteral("tokens")), qPrintable(e.message()));
        }
        QVERIFY_THROWS_EXCEPTION(InputError, readResultsCsv(path, QStringLiteral("N=params, total,loss=loss")));
        QVERIFY_THROWS_EXCEPTION(InputError, readResultsCsv(dir.filePath(QStringLiteral("missing.csv")), QStringLiteral("N=a,C=b,loss=c")));
    }

    void chinchillaTableFormats()
    {
        StudyAnalysisOptions options = quickOptions();
        options.bootstrap.samples = 30;
        const StudyAnalysis a = analyzePoints(isoFlopStudy(4, 7, 0.005, 6), {}, {}, options);
        const QVector<double> targets{1e21, 1e22, 1e23};
        QCOMPARE(chinchillaRows(a, targets).size(), 6);
        const QString md = chinchillaTable(a, targets, TableFormat::Markdown);
        QVERIFY(md.startsWith(QStringLiteral("| Compute C")));
        QCOMPARE(md.count(QStringLiteral("| parametric |")), 3);
        QVERIFY(md.contains(QStringLiteral("bootstrap percentile")));
        const QStringList csv = chinchillaTable(a, targets, TableFormat::Csv).trimmed().split(QLatin1Char('\n'));
        QCOMPARE(csv.size(), 7);
        QCOMPARE(csv[1].split(QLatin1Char(',')).size(), 12);
        QVERIFY(chinchillaTable(a, targets, TableFormat::Latex).contains(QStringLiteral("\\begin{tabular}")));
        QVERIFY(chinchillaTable(a, targets, TableFormat::Text).contains(QStringLiteral("isoflop")));
        QVERIFY_THROWS_EXCEPTION(InputError, parseTableFormat(QStringLiteral("xls")));
    }
};

QTEST_GUILESS_MAIN(TestAnalysis)
#include "tst_analysis.moc"
