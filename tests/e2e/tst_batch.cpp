// The batch CLI end to end: `flopsfit --batch …` as a user runs it.
#include "TestHelpers.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#if FLOPSFIT_HAVE_GUI_BUILD
#include <QImage>
#endif
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
    p.start(QStringLiteral(FLOPSFIT_BIN), args);
    if (!p.waitForFinished(120000)) {
        p.kill();
        p.waitForFinished();
    }
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, p.readAllStandardOutput(),
            p.readAllStandardError()};
}

QString preset(const QString &name)
{
    return QStringLiteral(FLOPSFIT_PRESETS "/%1.jsonc").arg(name);
}

QByteArray readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

} // namespace

class TestBatch : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void allOnTheDemoPresetProducesEveryArtifact()
    {
        QTemporaryDir dir;
        const QString study = dir.filePath(QStringLiteral("study"));
        const Outcome r = runFlopsfit({QStringLiteral("--batch"), QStringLiteral("all"), QStringLiteral("--preset"),
                                    preset(QStringLiteral("demo")), QStringLiteral("--out"), study});
        QVERIFY2(r.status == 0, r.err.constData());
        for (const QString &f : {QStringLiteral("sweep.json"), QStringLiteral("results.jsonl"), QStringLiteral("analysis.json")})
            QVERIFY2(QFileInfo::exists(study + QLatin1Char('/') + f), qPrintable(f));
        QVERIFY(QDir(study + QStringLiteral("/runs")).entryList(QDir::Dirs | QDir::NoDotAndDotDot).size() > 10);
#if FLOPSFIT_HAVE_GUI_BUILD
        for (const QString &name : {QStringLiteral("isoflop"), QStringLiteral("scaling"), QStringLiteral("tokens_per_param")}) {
            const QImage png(study + QStringLiteral("/figures/") + name + QStringLiteral(".png"));
            QVERIFY2(!png.isNull() && png.width() > 300, qPrintable(name));
            const QByteArray svg = readAll(study + QStringLiteral("/figures/") + name + QStringLiteral(".svg"));
            QVERIFY2(svg.contains("<svg") && svg.contains("</svg>"), qPrintable(name));
        }
#endif
        // The fitted exponent matches the simulator's β/(α+β) (demo: 0.28 / 0.62).
        const Outcome a = runFlopsfit({QStringLiteral("--batch"), QStringLiteral("analyze"), QStringLiteral("--study"), study,
                                    QStringLiteral("--json")});
        QCOMPARE(a.status, 0);
        const QJsonObject summary = QJsonDocument::fromJson(a.out).object();
        const double exponent = summary.value(QStringLiteral("N_opt")).toObject().value(QStringLiteral("exponent")).toDouble();
        QVERIFY2(std::abs(exponent - 0.28 / 0.62) < 0.05, qPrintable(QString::number(exponent)));
        QVERIFY(summary.value(QStringLiteral("N_opt")).toObject().value(QStringLiteral("r2")).toDouble() > 0.95);
        QVERIFY(summary.value(QStringLiteral("D_opt")).toObject().contains(QStringLiteral("coefficient")));
        QVERIFY(summary.value(QStringLiteral("L_opt")).toObject().contains(QStringLiteral("exponent")));

        // Training again resumes: nothing left to do, results unchanged.
        const QByteArray before = readAll(study + QStringLiteral("/results.jsonl"));
        const Outcome again = runFlopsfit({QStringLiteral("--batch"), QStringLiteral("train"), QStringLiteral("--study"), study});
        QCOMPARE(again.status, 0);
        QVERIFY2(again.err.contains("training 0 pending"), again.err.constData());
        QCOMPARE(readAll(study + QStringLiteral("/results.jsonl")), before);
    }

    void overridesReachThePlan()
    {
        QTemporaryDir dir;
        const Outcome r = runFlopsfit({QStringLiteral("--batch"), QStringLiteral("plan"), QStringLiteral("--preset"),
                                    preset(QStringLiteral("demo")), QStringLiteral("compute.budgets=3"),
                                    QStringLiteral("compute.min_flops=1e19"), QStringLiteral("--out"), dir.path()});
        QVERIFY2(r.status == 0, r.err.constData());
        const QJsonObject plan = QJsonDocument::fromJson(readAll(dir.filePath(QStringLiteral("sweep.json")))).object();
        QCOMPARE(plan.value(QStringLiteral("budgets")).toArray().size(), 3);
        QCOMPARE(plan.value(QStringLiteral("budgets")).toArray().first().toDouble(), 1e19);
    }

    void shippedPresetsResolveByName()
    {
        QTemporaryDir dir;
        const Outcome r = runFlopsfit({QStringLiteral("--batch"), QStringLiteral("plan"), QStringLiteral("--preset"),
                                       QStringLiteral("demo"), QStringLiteral("--out"), dir.path()});
        QVERIFY2(r.status == 0, r.err.constData());
        QVERIFY(QFileInfo::exists(dir.filePath(QStringLiteral("sweep.json"))));
        const Outcome bad = runFlopsfit({QStringLiteral("--batch"), QStringLiteral("plan"), QStringLiteral("--preset"),
                                         QStringLiteral("no_such_preset"), QStringLiteral("--out"), dir.path()});
        QCOMPARE(bad.status, 2);
        QVERIFY(bad.err.contains("no_such_preset"));
    }

    void badInputExitsTwoWithAMessage_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("missing preset") << QStringList{QStringLiteral("plan"), QStringLiteral("--preset"), QStringLiteral("/nonexistent.jsonc"), QStringLiteral("--out"), QStringLiteral("OUT")}
                                        << QStringLiteral("/nonexistent.jsonc: no such file");
        QTest::newRow("unknown override") << QStringList{QStringLiteral("plan"), QStringLiteral("--preset"), preset(QStringLiteral("demo")), QStringLiteral("compute.nope=3"), QStringLiteral("--out"), QStringLiteral("OUT")}
                                          << QStringLiteral("compute.nope");
        QTest::newRow("value out of range") << QStringList{QStringLiteral("plan"), QStringLiteral("--preset"), preset(QStringLiteral("demo")), QStringLiteral("compute.budgets=-1"), QStringLiteral("--out"), QStringLiteral("OUT")}
                                            << QStringLiteral("compute.budgets");
        QTest::newRow("no plan") << QStringList{QStringLiteral("train"), QStringLiteral("--study"), QStringLiteral("OUT")}
                                 << QStringLiteral("sweep.json: no plan");
        QTest::newRow("unknown command") << QStringList{QStringLiteral("fly")} << QStringLiteral("unknown command 'fly'");
        QTest::newRow("unknown option") << QStringList{QStringLiteral("train"), QStringLiteral("--nope")} << QStringLiteral("nope");
    }

    void badInputExitsTwoWithAMessage()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, mentions);
        QTemporaryDir dir;
        args.replaceInStrings(QStringLiteral("OUT"), dir.filePath(QStringLiteral("s")));
        const Outcome r = runFlopsfit(QStringList{QStringLiteral("--batch")} + args);
        QCOMPARE(r.status, 2);
        QVERIFY2(QString::fromUtf8(r.err).contains(mentions), r.err.constData());
        QVERIFY(!QFileInfo::exists(dir.filePath(QStringLiteral("s/sweep.json"))));
    }

    void corruptResultsAreNamedAndKept()
    {
        QTemporaryDir dir;
        const QString study = dir.path();
        QCOMPARE(runFlopsfit({QStringLiteral("--batch"), QStringLiteral("plan"), QStringLiteral("--preset"), preset(QStringLiteral("demo")),
                           QStringLiteral("--out"), study}).status, 0);
        const QString results = study + QStringLiteral("/results.jsonl");
        const QByteArray garbage = "{\"id\":\"x\",\"status\":\"done\"}\n###\n{\"id\":\"y\"}\n";
        QFile f(results);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(garbage);
        f.close();
        const Outcome r = runFlopsfit({QStringLiteral("--batch"), QStringLiteral("train"), QStringLiteral("--study"), study});
        QCOMPARE(r.status, 2);
        QVERIFY2(r.err.contains("results.jsonl:2"), r.err.constData());
        QCOMPARE(readAll(results), garbage);
        const Outcome a = runFlopsfit({QStringLiteral("--batch"), QStringLiteral("analyze"), QStringLiteral("--study"), study});
        QCOMPARE(a.status, 2);
        QVERIFY(!QFileInfo::exists(study + QStringLiteral("/analysis.json")));
    }

    void replanningAStudyWithResultsNeedsForce()
    {
        QTemporaryDir dir;
        const QString study = dir.path();
        QCOMPARE(runFlopsfit({QStringLiteral("--batch"), QStringLiteral("all"), QStringLiteral("--preset"), preset(QStringLiteral("demo")),
                           QStringLiteral("--out"), study, QStringLiteral("--format"), QStringLiteral("svg")}).status, 0);
        const QByteArray plan = readAll(study + QStringLiteral("/sweep.json"));
        const Outcome r = runFlopsfit({QStringLiteral("--batch"), QStringLiteral("plan"), QStringLiteral("--preset"), preset(QStringLiteral("demo")),
                                    QStringLiteral("compute.budgets=3"), QStringLiteral("--out"), study});
        QCOMPARE(r.status, 2);
        QVERIFY2(r.err.contains("--force"), r.err.constData());
        QCOMPARE(readAll(study + QStringLiteral("/sweep.json")), plan);
    }

    void helpAndVersion()
    {
        const Outcome v = runFlopsfit({QStringLiteral("--version")});
        QCOMPARE(v.status, 0);
        QVERIFY(v.out.startsWith("flopsfit "));
        for (const QString &command : {QStringLiteral("plan"), QStringLiteral("train"), QStringLiteral("analyze"), QStringLiteral("export"), QStringLiteral("all")}) {
            const Outcome h = runFlopsfit({QStringLiteral("--batch"), command, QStringLiteral("--help")});
            QCOMPARE(h.status, 0);
            QVERIFY2(h.out.contains("--batch " + command.toUtf8()), h.out.constData());
        }
    }
};

QTEST_GUILESS_MAIN(TestBatch)
#include "tst_batch.moc"
