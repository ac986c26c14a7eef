// `flopsfit --batch analyze` end to end: the fit's flags, the table, CSV import, bad input.
#include "TestHelpers.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

namespace {

struct Outcome {
    int status = -1;
    QByteArray out, err;
};

Outcome runFlopsfit(const QStringList &args)
{
    QProcess p;
    p.start(QStringLiteral(FLOPSFIT_BIN), QStringList{QStringLiteral("--batch")} + args);
    if (!p.waitForFinished(120000)) {
        p.kill();
        p.waitForFinished();
    }
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, p.readAllStandardOutput(), p.readAllStandardError()};
}

QJsonObject readJson(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? QJsonDocument::fromJson(f.readAll()).object() : QJsonObject();
}

} // namespace

class TestAnalyzeCli : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_study;

private Q_SLOTS:
    void initTestCase()
    {
        m_study = m_dir.filePath(QStringLiteral("study"));
        const Outcome plan = runFlopsfit({QStringLiteral("plan"), QStringLiteral("--preset"), QStringLiteral(FLOPSFIT_PRESETS "/demo.jsonc"),
                                          QStringLiteral("--out"), m_study});
        QVERIFY2(plan.status == 0, plan.err.constData());
        const Outcome train = runFlopsfit({QStringLiteral("train"), QStringLiteral("--study"), m_study});
        QVERIFY2(train.status == 0, train.err.constData());
    }

    void analysisJsonHasEveryFit()
    {
        const Outcome r = runFlopsfit({QStringLiteral("analyze"), QStringLiteral("--study"), m_study, QStringLiteral("--bootstrap"),
                                       QStringLiteral("100"), QStringLiteral("--json")});
        QVERIFY2(r.status == 0, r.err.constData());
        const QJsonObject summary = QJsonDocument::fromJson(r.out).object();
        QVERIFY(summary.value(QStringLiteral("N_opt")).toObject().contains(QStringLiteral("exponent")));
        const QJsonObject par = summary.value(QStringLiteral("parametric")).toObject();
        QVERIFY(std::abs(par.value(QStringLiteral("alpha")).toDouble() - 0.34) < 0.05);
        QVERIFY(par.value(QStringLiteral("intervals")).toObject().contains(QStringLiteral("alpha")));
        const QJsonObject analysis = readJson(m_study + QStringLiteral("/analysis.json"));
        for (const char *key : {"isoflop", "parametric", "envelope", "holdout", "bootstrap", "outliers", "interval_bands"})
            QVERIFY2(analysis.contains(QLatin1String(key)), key);
        QVERIFY(analysis.value(QStringLiteral("holdout")).toObject().value(QStringLiteral("done")).toBool());
    }

    void tables_data()
    {
        QTest::addColumn<QString>("format");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("md") << QStringLiteral("md") << QStringLiteral("| Compute C (FLOPs) |");
        QTest::newRow("csv") << QStringLiteral("csv") << QStringLiteral("flops,approach,n_opt");
        QTest::newRow("latex") << QStringLiteral("latex") << QStringLiteral("\\begin{tabular}");
        QTest::newRow("text") << QStringLiteral("text") << QStringLiteral("approach");
    }

    void tables()
    {
        QFETCH(QString, format);
        QFETCH(QString, mentions);
        const Outcome r = runFlopsfit({QStringLiteral("analyze"), QStringLiteral("--study"), m_study, QStringLiteral("--table"), format,
                                       QStringLiteral("--targets"), QStringLiteral("1e21,1e22,1e23")});
        QVERIFY2(r.status == 0, r.err.constData());
        QVERIFY2(QString::fromUtf8(r.out).contains(mentions), r.out.constData());
        QCOMPARE(QString::fromUtf8(r.out).count(QStringLiteral("1.00e+22")) + QString::fromUtf8(r.out).count(QStringLiteral("1e+22")) +
                     QString::fromUtf8(r.out).count(QStringLiteral("10^{22}")),
                 3); // isoflop, parametric, envelope
    }

    void excludeAndIncludeAreKeptInTheStudy()
    {
        const QJsonObject before = readJson(m_study + QStringLiteral("/analysis.json"));
        const QString id = before.value(QStringLiteral("points")).toArray().first().toObject().value(QStringLiteral("id")).toString();
        const Outcome r = runFlopsfit({QStringLiteral("analyze"), QStringLiteral("--study"), m_study, QStringLiteral("--exclude"), id});
        QVERIFY2(r.status == 0, r.err.constData());
        const QJsonObject overrides = readJson(m_study + QStringLiteral("/fit_overrides.json"));
        QCOMPARE(overrides.value(QStringLiteral("exclude")).toArray().first().toString(), id);
        const QJsonObject after = readJson(m_study + QStringLiteral("/analysis.json"));
        QCOMPARE(after.value(QStringLiteral("points")).toArray().size(), before.value(QStringLiteral("points")).toArray().size() - 1);
        QVERIFY(after.value(QStringLiteral("forced_out")).toArray().contains(id));
        QCOMPARE(runFlopsfit({QStringLiteral("analyze"), QStringLiteral("--study"), m_study, QStringLiteral("--include"), id}).status, 0);
        QCOMPARE(readJson(m_study + QStringLiteral("/analysis.json")).value(QStringLiteral("points")).toArray().size(),
                 before.value(QStringLiteral("points")).toArray().size());
    }

    void aParameterCanBeHeldFixed()
    {
        const Outcome r = runFlopsfit({QStringLiteral("analyze"), QStringLiteral("--study"), m_study, QStringLiteral("--fix"),
                                       QStringLiteral("E=1.69"), QStringLiteral("--json")});
        QVERIFY2(r.status == 0, r.err.constData());
        QCOMPARE(QJsonDocument::fromJson(r.out).object().value(QStringLiteral("parametric")).toObject().value(QStringLiteral("E")).toDouble(), 1.69);
        const Outcome bad = runFlopsfit({QStringLiteral("analyze"), QStringLiteral("--study"), m_study, QStringLiteral("--fix"), QStringLiteral("gamma=2")});
        QCOMPARE(bad.status, 2);
        QVERIFY(bad.err.contains("--fix 'gamma=2'"));
    }

    void exportDrawsTheFitFigures()
    {
#if FLOPSFIT_HAVE_GUI_BUILD
        const Outcome r = runFlopsfit({QStringLiteral("export"), QStringLiteral("--study"), m_study, QStringLiteral("--format"),
                                       QStringLiteral("svg"), QStringLiteral("--bootstrap"), QStringLiteral("30")});
        QVERIFY2(r.status == 0, r.err.constData());
        for (const QString &name : {QStringLiteral("isoflop"), QStringLiteral("scaling"), QStringLiteral("parametric")}) {
            QFile f(m_study + QStringLiteral("/figures/") + name + QStringLiteral(".svg"));
            QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable(name));
            const QByteArray svg = f.readAll();
            QVERIFY2(svg.contains("<svg") && svg.contains("</svg>"), qPrintable(name));
        }
#else
        QSKIP("built without the GUI");
#endif
    }

    void importsTheChinchillaCsv()
    {
        const QString path = QStringLiteral(FLOPSFIT_CHINCHILLA_CSV);
        if (!QFileInfo::exists(path))
            QSKIP(qPrintable(QStringLiteral("reference data %1 is absent").arg(path)));
        const Outcome r = runFlopsfit({QStringLiteral("analyze"), QStringLiteral("--results-csv"), path, QStringLiteral("--columns"),
                                       QStringLiteral("N=Model Size,C=Training FLOP,loss=loss"), QStringLiteral("--approach"),
                                       QStringLiteral("parametric"), QStringLiteral("--json")});
        QVERIFY2(r.status == 0, r.err.constData());
        const QJsonObject summary = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(summary.value(QStringLiteral("approach")).toString(), QStringLiteral("parametric"));
        const QJsonObject par = summary.value(QStringLiteral("parametric")).toObject();
        QVERIFY(par.value(QStringLiteral("alpha")).toDouble() > 0.2 && par.value(QStringLiteral("alpha")).toDouble() < 0.5);
        QVERIFY(summary.value(QStringLiteral("N_opt")).toObject().value(QStringLiteral("exponent")).toDouble() > 0.3);
    }

    void badInputExitsTwo_data()
    {
        QTest::addColumn<QByteArray>("csv");
        QTest::addColumn<QString>("columns");
        QTest::addColumn<QString>("mentions");
        QTest::addColumn<bool>("partial");
        QTest::newRow("missing column") << QByteArray("n,c,l\n1e8,1e18,3\n") << QStringLiteral("N=n,C=flops,loss=l")
                                        << QStringLiteral("no column 'flops'") << false;
        QTest::newRow("malformed columns") << QByteArray("n,c,l\n1e8,1e18,3\n") << QStringLiteral("N=n,C,loss=l")
                                           << QStringLiteral("--columns must name N, loss and C or D") << false;
        QTest::newRow("two budgets, NaN row") << QByteArray("n,c,l\n1e7,1e18,3.6\n2e7,1e18,3.4\n4e7,1e18,3.5\n8e7,1e18,3.7\n"
                                                            "2e7,1e19,3.1\n4e7,1e19,3.0\n8e7,1e19,3.05\n1.6e8,1e19,3.2\nnan,1e19,3\n")
                                              << QStringLiteral("N=n,C=c,loss=l") << QStringLiteral("at least three budgets") << true;
    }

    void badInputExitsTwo()
    {
        QFETCH(QByteArray, csv);
        QFETCH(QString, columns);
        QFETCH(QString, mentions);
        QFETCH(bool, partial);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("r.csv"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(csv);
        f.close();
        const QString study = dir.filePath(QStringLiteral("out"));
        QDir().mkpath(study);
        const Outcome r = runFlopsfit({QStringLiteral("analyze"), QStringLiteral("--results-csv"), path, QStringLiteral("--columns"), columns,
                                       QStringLiteral("--study"), study, QStringLiteral("--json")});
        QCOMPARE(r.status, 2);
        QVERIFY2(QString::fromUtf8(r.err).contains(mentions), r.err.constData());
        // Partial results keep what can be said: approach 3 without approach 2.
        QCOMPARE(QFileInfo::exists(study + QStringLiteral("/analysis.json")), partial);
        if (partial) {
            QVERIFY(r.err.contains(":10:"));
            const QJsonObject summary = QJsonDocument::fromJson(r.out).object();
            QVERIFY(summary.contains(QStringLiteral("parametric")));
            QVERIFY(readJson(study + QStringLiteral("/analysis.json")).contains(QStringLiteral("parametric")));
        }
    }
};

QTEST_GUILESS_MAIN(TestAnalyzeCli)
#include "tst_analyze_cli.moc"
