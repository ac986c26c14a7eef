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

Outcome runFlopsfit(const QStringList &args, int timeoutMs = 120000)
{
    QProcess p;
    p.start(QStringLiteral(FLOPSFIT_BIN), args);
    if (!p.waitForFinished(timeoutMs)) {
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

#if FLOPSFIT_HAVE_TORCH_BUILD
    void cpuFastTrainsForRealOnTinyBudgets()
    {
        // The real pipeline in small: the built-in corpus tokenized by flopsfit-tokenize in a child
        // process, GPTs trained by the torch backend, fitted and drawn; a second `train` resumes
        // nothing because every run is done.
        QTemporaryDir dir;
        const QString study = dir.filePath(QStringLiteral("study"));
        const QStringList tiny = {QStringLiteral("compute.min_flops=1e10"), QStringLiteral("compute.max_flops=4e10"),
                                  QStringLiteral("compute.budgets=3"), QStringLiteral("model.max_tokens_per_param=400"),
                                  QStringLiteral("model.min_params=1e4"), QStringLiteral("model.max_params=2e5"),
                                  QStringLiteral("model.sizes_per_budget=3"), QStringLiteral("model.min_tokens_per_param=1"),
                                  QStringLiteral("data.builtin_tokens=300000"), QStringLiteral("data.vocab_size=512"),
                                  QStringLiteral("data.seq_len=64"), QStringLiteral("training.batch_size=8"),
                                  QStringLiteral("training.eval_every=20"), QStringLiteral("training.checkpoint_every=20"),
                                  QStringLiteral("fit.bootstrap=0")};
        const Outcome r = runFlopsfit(QStringList{QStringLiteral("--batch"), QStringLiteral("all"), QStringLiteral("--preset"),
                                                  preset(QStringLiteral("cpu_fast")), QStringLiteral("--out"), study} + tiny,
                                      600000);
        QVERIFY2(r.status == 0, r.err.constData());
        QVERIFY(QFileInfo::exists(study + QStringLiteral("/data/train.bin")));
        QVERIFY(QFileInfo::exists(study + QStringLiteral("/data/meta.json")));
        QVERIFY(QFileInfo::exists(study + QStringLiteral("/analysis.json")));

        const QJsonArray runs = QJsonDocument::fromJson(readAll(study + QStringLiteral("/sweep.json"))).object().value(QStringLiteral("runs")).toArray();
        QCOMPARE(runs.size(), 9);
        const QList<QByteArray> lines = readAll(study + QStringLiteral("/results.jsonl")).split('\n');
        int done = 0;
        for (const QByteArray &line : lines) {
            if (line.trimmed().isEmpty())
                continue;
            const QJsonObject o = QJsonDocument::fromJson(line).object();
            QCOMPARE(o.value(QStringLiteral("status")).toString(), QStringLiteral("done"));
            QCOMPARE(o.value(QStringLiteral("backend")).toString(), QStringLiteral("torch"));
            // Trained for real: the validation loss ends well below a uniform guess, ln 512 = 6.24.
            const double loss = o.value(QStringLiteral("loss")).toDouble();
            QVERIFY2(std::isfinite(loss) && loss > 0 && loss < 4.5, line.constData());
            const QString metrics = study + QStringLiteral("/runs/") + o.value(QStringLiteral("id")).toString() + QStringLiteral("/metrics.jsonl");
            QVERIFY2(readAll(metrics).contains("\"val_loss\""), qPrintable(metrics));
            ++done;
        }
        QCOMPARE(done, runs.size());

        const Outcome again = runFlopsfit({QStringLiteral("--batch"), QStringLiteral("train"), QStringLiteral("--study"), study});
        QVERIFY2(again.status == 0, again.err.constData());
        QVERIFY2((again.out + again.err).contains("already finished 9"), (again.out + again.err).constData());
    }
#endif

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
#if FLOPSFIT_HAVE_TORCH_BUILD
        // Torch's products bind to the system BLAS, not to one that another library brought in.
        QVERIFY2(v.out.contains("BLAS "), v.out.constData());
        QVERIFY2(!v.out.contains("not the system"), v.out.constData());
#endif
        for (const QString &command : {QStringLiteral("plan"), QStringLiteral("train"), QStringLiteral("analyze"), QStringLiteral("export"), QStringLiteral("all")}) {
            const Outcome h = runFlopsfit({QStringLiteral("--batch"), command, QStringLiteral("--help")});
            QCOMPARE(h.status, 0);
            QVERIFY2(h.out.contains("--batch " + command.toUtf8()), h.out.constData());
        }
    }
};

QTEST_GUILESS_MAIN(TestBatch)
#include "tst_batch.moc"
