// flopsfit-tokenize end to end, and the study-folder hand-off that runs it (ensureStudyData).
#include "TestHelpers.h"

#include "data/StoryGenerator.h"
#include "data/StudyData.h"
#include "data/TokenShards.h"
#include "data/Vocabulary.h"
#include "plan/SweepConfig.h"
#include "plan/SweepPlan.h"
#include "store/StudyFiles.h"
#include "util/Error.h"

#include <QDir>
#include <QFile>
#include <QCryptographicHash>
#include <QDateTime>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <vector>

using namespace flopsfit;

namespace {

struct Outcome {
    int status = -1;
    QByteArray out, err;
};

Outcome runTokenize(const QStringList &args)
{
    QProcess p;
    p.start(QStringLiteral(FLOPSFIT_TOKENIZE_BIN), args);
    if (!p.waitForFinished(60000)) {
        p.kill();
        p.waitForFinished();
    }
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, p.readAllStandardOutput(), p.readAllStandardError()};
}

void writeFile(const QString &path, const QByteArray &bytes)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(bytes);
}

// Every document of a shard, decoded with vocab.txt alone (no sentencepiece).
QStringList decodeShard(const QString &dir, const QString &shard)
{
    const DataMeta meta = readDataMeta(QDir(dir).filePath(QStringLiteral("meta.json")));
    const Vocabulary vocab = Vocabulary::load(QDir(dir).filePath(QStringLiteral("vocab.txt")), meta.unkId, meta.eosId);
    TokenShardReader reader(QDir(dir).filePath(shard), meta.dtype);
    std::vector<std::uint32_t> ids(std::size_t(reader.size()));
    for (qint64 i = 0; i < reader.size(); ++i)
        ids[std::size_t(i)] = reader.at(i);
    QStringList docs = vocab.decode(ids.data(), qint64(ids.size()), QStringLiteral("\x1e")).split(QChar(0x1e));
    if (!docs.isEmpty() && docs.last().isEmpty())
        docs.removeLast(); // every document ends with the end-of-document token
    return docs;
}

QStringList allDocuments(const QString &dir)
{
    return decodeShard(dir, QStringLiteral("train.bin")) + decodeShard(dir, QStringLiteral("val.bin"));
}

} // namespace

class TestTokenize : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void helpAndVersion()
    {
        const Outcome help = runTokenize({QStringLiteral("--help")});
        QCOMPARE(help.status, 0);
        QVERIFY(help.out.contains("--vocab-size"));
        const Outcome version = runTokenize({QStringLiteral("--version")});
        QCOMPARE(version.status, 0);
        QVERIFY(version.out.startsWith("flopsfit-tokenize "));
    }

    void textFileRoundTripsAndSeparatorSplitsDocuments()
    {
        QTemporaryDir dir;
        const QString input = dir.filePath(QStringLiteral("stories.txt"));
        QByteArray text;
        QStringList expected;
        for (int i = 0; i < 60; ++i) {
            std::string story = StoryGenerator::story(5, i);
            if (i == 3)
                story += "\nA caf\xc3\xa9, a na\xc3\xafve \xe2\x98\x83 and 42 dogs.  Two  spaces.";
            expected.append(QString::fromStdString(story));
            text += QByteArray::fromStdString(story) + "\n<|endoftext|>\n";
        }
        writeFile(input, text);
        const QString out = dir.filePath(QStringLiteral("data"));
        const Outcome r = runTokenize({QStringLiteral("--out"), out, QStringLiteral("--vocab-size"), QStringLiteral("400"),
                                       QStringLiteral("--val-fraction"), QStringLiteral("0.1"), input});
        QVERIFY2(r.status == 0, r.err.constData());
        QVERIFY(r.out.contains("progress stage=encode"));
        QVERIFY(r.out.contains("done train_tokens="));

        const DataMeta meta = readDataMeta(QDir(out).filePath(QStringLiteral("meta.json")));
        QCOMPARE(meta.documents, qint64(60));
        QCOMPARE(meta.json.value(QStringLiteral("val_documents")).toInt(), 6);
        QCOMPARE(meta.dtype, TokenDType::UInt16);
        QVERIFY(meta.vocabSize <= 400 && meta.vocabSize > 300);
        QCOMPARE(meta.source, QStringLiteral("file"));
        QCOMPARE(meta.sourceSha256, QString::fromLatin1(QCryptographicHash::hash(text, QCryptographicHash::Sha256).toHex()));
        QVERIFY(QFileInfo(QDir(out).filePath(QStringLiteral("tokenizer.model"))).size() > 0);
        QCOMPARE(QFileInfo(QDir(out).filePath(QStringLiteral("train.bin"))).size(), 2 * meta.trainTokens);

        // text → ids → text: every document comes back exactly, in one of the two shards.
        QStringList decoded = allDocuments(out);
        QCOMPARE(decoded.size(), 60);
        decoded.sort();
        expected.sort();
        QCOMPARE(decoded, expected);
    }

    void jsonLinesAndFolders()
    {
        QTemporaryDir dir;
        QStringList expected;
        for (int part = 0; part < 2; ++part) {
            QByteArray lines;
            for (int i = 0; i < 20; ++i) {
                const QString story = QString::fromStdString(StoryGenerator::story(9, part * 100 + i));
                expected.append(story);
                lines += QJsonDocument(QJsonObject{{QStringLiteral("text"), story}}).toJson(QJsonDocument::Compact) + '\n';
            }
            writeFile(dir.filePath(QStringLiteral("corpus/part%1/data.jsonl").arg(part)), lines);
        }
        writeFile(dir.filePath(QStringLiteral("corpus/notes.txt")), "One more document.\n");
        expected.append(QStringLiteral("One more document."));
        const QString out = dir.filePath(QStringLiteral("data"));
        const Outcome r = runTokenize({QStringLiteral("-o"), out, QStringLiteral("--vocab-size"), QStringLiteral("350"),
                                       QStringLiteral("--tokenizer"), QStringLiteral("unigram"), dir.filePath(QStringLiteral("corpus"))});
        QVERIFY2(r.status == 0, r.err.constData());
        const DataMeta meta = readDataMeta(QDir(out).filePath(QStringLiteral("meta.json")));
        QCOMPARE(meta.documents, qint64(41));
        QCOMPARE(meta.tokenizer, QStringLiteral("unigram"));
        QCOMPARE(meta.json.value(QStringLiteral("inputs")).toArray().size(), 3);
        QCOMPARE(meta.json.value(QStringLiteral("val_documents")).toInt(), 1); // at least one
        QStringList decoded = allDocuments(out);
        decoded.sort();
        expected.sort();
        QCOMPARE(decoded, expected);
    }

    void builtinCorpusIsDeterministic()
    {
        QTemporaryDir dir;
        QByteArray shards[2];
        for (int run = 0; run < 2; ++run) {
            const QString out = dir.filePath(QStringLiteral("run%1").arg(run));
            const Outcome r = runTokenize({QStringLiteral("--builtin"), QStringLiteral("--tokens"), QStringLiteral("30000"),
                                           QStringLiteral("--seed"), QStringLiteral("4"), QStringLiteral("--vocab-size"),
                                           QStringLiteral("512"), QStringLiteral("--out"), out});
            QVERIFY2(r.status == 0, r.err.constData());
            const DataMeta meta = readDataMeta(QDir(out).filePath(QStringLiteral("meta.json")));
            QVERIFY(meta.trainTokens + meta.valTokens >= 30000);
            QVERIFY(meta.valTokens > 0);
            QFile f(QDir(out).filePath(QStringLiteral("train.bin")));
            QVERIFY(f.open(QIODevice::ReadOnly));
            shards[run] = f.readAll();
            const QStringList docs = decodeShard(out, QStringLiteral("train.bin"));
            QCOMPARE(docs.first(), QString::fromStdString(StoryGenerator::story(4, 0)));
        }
        QCOMPARE(shards[0], shards[1]);
    }

    void badInputsExitWithStatus2_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("problem");
        QTest::newRow("empty") << "empty.txt" << QByteArray() << "empty";
        QTest::newRow("binary") << "image.txt" << QByteArray("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16) << "binary";
        QTest::newRow("missing") << "" << QByteArray() << "no such file";
        QTest::newRow("one document") << "single.txt" << QByteArray("Only one paragraph.\n") << "at least 2";
    }
    void badInputsExitWithStatus2()
    {
        QFETCH(QString, name);
        QFETCH(QByteArray, content);
        QFETCH(QString, problem);
        QTemporaryDir dir;
        QString input = dir.filePath(name.isEmpty() ? QStringLiteral("absent.txt") : name);
        if (!name.isEmpty())
            writeFile(input, content);
        const Outcome r = runTokenize({QStringLiteral("--out"), dir.filePath(QStringLiteral("data")), input});
        QCOMPARE(r.status, 2);
        const QString err = QString::fromUtf8(r.err);
        QVERIFY2(err.contains(input), qPrintable(err));
        QVERIFY2(err.contains(problem), qPrintable(err));
        QVERIFY(!QFileInfo::exists(dir.filePath(QStringLiteral("data/meta.json"))));
    }

    void badSettingsExitWithStatus2()
    {
        QTemporaryDir dir;
        const Outcome noOut = runTokenize({QStringLiteral("--builtin")});
        QCOMPARE(noOut.status, 2);
        QVERIFY(noOut.err.contains("--out"));
        const Outcome badType = runTokenize({QStringLiteral("--builtin"), QStringLiteral("--out"), dir.path(),
                                             QStringLiteral("--tokenizer"), QStringLiteral("wordpiece")});
        QCOMPARE(badType.status, 2);
        QVERIFY(badType.err.contains("wordpiece"));
    }

    void ensureStudyDataTokenizesOnceForTheSameSettings()
    {
        qputenv("FLOPSFIT_TOKENIZE", FLOPSFIT_TOKENIZE_BIN);
        QTemporaryDir dir;
        QJsonObject config = defaultSweepConfig();
        applyOverride(config, QStringLiteral("data.vocab_size=512"));
        applyOverride(config, QStringLiteral("data.builtin_tokens=20000"));
        const SweepSpec spec = SweepSpec::fromConfig(config, QStringLiteral("test"));
        const StudyPaths paths(dir.path());
        QStringList stages;
        auto progress = [&](const QString &stage, qint64 done, qint64 total) {
            QVERIFY(done >= 0 && total >= 0);
            if (stages.isEmpty() || stages.last() != stage)
                stages.append(stage);
        };
        QVERIFY(ensureStudyData(paths, spec, progress));
        QVERIFY(stages.contains(QStringLiteral("train")));
        QVERIFY(stages.contains(QStringLiteral("encode")));
        const QString metaPath = QDir(paths.dataDir()).filePath(QStringLiteral("meta.json"));
        const QDateTime written = QFileInfo(metaPath).lastModified();
        QCOMPARE(readDataMeta(metaPath).settings, dataSettingsFor(spec));

        // Same settings: nothing runs.
        stages.clear();
        QVERIFY(ensureStudyData(paths, spec, progress));
        QVERIFY(stages.isEmpty());
        QCOMPARE(QFileInfo(metaPath).lastModified(), written);

        // Other settings: tokenized again.
        applyOverride(config, QStringLiteral("data.builtin_tokens=25000"));
        const SweepSpec other = SweepSpec::fromConfig(config, QStringLiteral("test"));
        QVERIFY(ensureStudyData(paths, other, progress));
        QVERIFY(!stages.isEmpty());
        const DataMeta meta = readDataMeta(metaPath);
        QVERIFY(meta.trainTokens + meta.valTokens >= 25000);

        // Cancelled: the child is stopped and ensureStudyData says so.
        const std::atomic<bool> cancelled{true};
        applyOverride(config, QStringLiteral("data.builtin_tokens=2000000"));
        QVERIFY(!ensureStudyData(paths, SweepSpec::fromConfig(config, QStringLiteral("test")), progress, &cancelled));

        // A corpus file that is not there: the tool's message comes back as an InputError.
        applyOverride(config, QStringLiteral("data.source=file"));
        applyOverride(config, QStringLiteral("data.path=/no/such/corpus.txt"));
        const SweepSpec missing = SweepSpec::fromConfig(config, QStringLiteral("test"));
        try {
            ensureStudyData(paths, missing, progress);
            QFAIL("no InputError");
        } catch (const InputError &e) {
            QVERIFY2(e.message().contains(QLatin1String("/no/such/corpus.txt")), qPrintable(e.message()));
        }
    }
};

QTEST_GUILESS_MAIN(TestTokenize)
#include "tst_tokenize.moc"
