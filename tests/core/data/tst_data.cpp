// core/data: token shards, the corpus reader, the story generator, vocab.txt decoding and
// data/meta.json validation.
#include "TestHelpers.h"

#include "data/CorpusReader.h"
#include "data/StoryGenerator.h"
#include "data/StudyData.h"
#include "data/TokenShards.h"
#include "data/Vocabulary.h"
#include "util/Error.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include <vector>

using namespace flopsfit;

namespace {

void writeFile(const QString &path, const QByteArray &bytes)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(bytes);
}

QList<QByteArray> readAllDocuments(const QStringList &inputs)
{
    CorpusReader reader(inputs);
    QList<QByteArray> docs;
    QByteArray doc;
    while (reader.next(&doc))
        docs.append(doc);
    return docs;
}

// Asserts that `call` throws InputError whose message contains `needle`.
template <typename F>
void expectInputError(F call, const QString &needle)
{
    try {
        call();
    } catch (const InputError &e) {
        QVERIFY2(e.message().contains(needle), qPrintable(e.message()));
        return;
    }
    QFAIL(qPrintable(QStringLiteral("no InputError mentioning '%1'").arg(needle)));
}

QJsonObject validMeta()
{
    return QJsonDocument::fromJson(R"({
        "schema_version": 1, "dtype": "uint16", "vocab_size": 512, "train_tokens": 1000,
        "val_tokens": 20, "documents": 10, "val_fraction": 0.02, "tokenizer": "bpe",
        "unk_id": 0, "eos_id": 1, "source": "builtin", "source_description": "stories",
        "source_sha256": "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "settings": {"source": "builtin"}})").object();
}

} // namespace

class TestData : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void shardRoundTripAndBounds_data()
    {
        QTest::addColumn<int>("vocab");
        QTest::newRow("uint16") << 65536;
        QTest::newRow("uint32") << 100000;
    }
    void shardRoundTripAndBounds()
    {
        QFETCH(int, vocab);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("train.bin"));
        const TokenDType type = tokenDTypeForVocab(vocab);
        const std::vector<std::uint32_t> ids{0, 1, 7, std::uint32_t(vocab - 1), 42};
        TokenShardWriter w(path, type);
        w.append(ids.data(), qint64(ids.size()));
        QVERIFY(!QFileInfo::exists(path)); // nothing before commit
        w.commit();
        QCOMPARE(QFileInfo(path).size(), qint64(ids.size()) * tokenDTypeBytes(type));

        TokenShardReader r(path, type);
        QCOMPARE(r.size(), qint64(ids.size()));
        QCOMPARE(r.at(3), std::uint32_t(vocab - 1));
        std::vector<std::int64_t> out(3);
        r.read(2, 3, out.data());
        QCOMPARE(out[0], std::int64_t(7));
        QCOMPARE(out[2], std::int64_t(42));
        expectInputError([&] { r.at(5); }, QStringLiteral("outside the shard"));
        expectInputError([&] { r.at(-1); }, QStringLiteral("outside the shard"));
        expectInputError([&] { r.read(3, 3, out.data()); }, QStringLiteral("outside the shard"));
    }

    void shardWriterRejectsIdsThatDoNotFit()
    {
        QTemporaryDir dir;
        TokenShardWriter w(dir.filePath(QStringLiteral("x.bin")), TokenDType::UInt16);
        const std::uint32_t big = 70000;
        expectInputError([&] { w.append(&big, 1); }, QStringLiteral("does not fit"));
    }

    void generatorIsDeterministic()
    {
        QCOMPARE(StoryGenerator::story(7, 0), StoryGenerator::story(7, 0));
        QCOMPARE(StoryGenerator::story(7, 123), StoryGenerator::story(7, 123));
        QVERIFY(StoryGenerator::story(7, 0) != StoryGenerator::story(8, 0));
        QVERIFY(StoryGenerator::story(7, 0) != StoryGenerator::story(7, 1));
        StoryGenerator a(3), b(3);
        for (int i = 0; i < 5; ++i)
            QCOMPARE(a.next(), b.next());
        QCOMPARE(a.next(), StoryGenerator::story(3, 5));
    }

    void generatorStoriesAreVariedAndCoherent()
    {
        QSet<QString> distinct;
        QSet<QString> openings;
        qint64 bytes = 0;
        const QRegularExpression nameRe(QStringLiteral("named ([A-Z][a-z]+)|called ([A-Z][a-z]+)"));
        int named = 0;
        for (int i = 0; i < 2000; ++i) {
            const QString s = QString::fromStdString(StoryGenerator::story(11, i));
            bytes += s.size();
            distinct.insert(s);
            openings.insert(s.section(QLatin1Char('.'), 0, 1));
            for (const QChar c : s)
                QVERIFY2(c.unicode() < 128, "stories are ASCII");
            QVERIFY2(!s.contains(QLatin1Char('{')), qPrintable(s)); // every slot filled
            const auto m = nameRe.match(s);
            if (m.hasMatch()) {
                const QString name = m.captured(1).isEmpty() ? m.captured(2) : m.captured(1);
                // The main character is referred to again later by name, and by a pronoun.
                QVERIFY2(s.count(QRegularExpression(QStringLiteral("\\b%1\\b").arg(name))) >= 2, qPrintable(s));
                QVERIFY2(s.contains(QRegularExpression(QStringLiteral("\\b([Hh]e|[Ss]he|[Hh]is|[Hh]er)\\b"))), qPrintable(s));
                ++named;
            }
        }
        QCOMPARE(distinct.size(), 2000);
        QVERIFY2(openings.size() > 1500, qPrintable(QString::number(openings.size())));
        QVERIFY(named > 300);
        const double meanBytes = double(bytes) / 2000;
        QVERIFY2(meanBytes > 400 && meanBytes < 3000, qPrintable(QString::number(meanBytes)));
    }

    void readerSplitsOnTheTinyStoriesSeparator()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("stories.txt"));
        writeFile(path, "Once there was a cat.\nIt was happy.\n<|endoftext|>\nTom had a ball.\n\nHe played.\n"
                        "<|endoftext|>\n\n<|endoftext|>\nThe end of it.<|endoftext|>Last one.");
        const QList<QByteArray> docs = readAllDocuments({path});
        QCOMPARE(docs.size(), 4);
        QCOMPARE(docs[0], QByteArray("Once there was a cat.\nIt was happy."));
        QCOMPARE(docs[1], QByteArray("Tom had a ball.\n\nHe played.")); // blank lines stay inside
        QCOMPARE(docs[2], QByteArray("The end of it."));
        QCOMPARE(docs[3], QByteArray("Last one."));
    }

    void readerSkipsAByteOrderMark()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("bom.txt"));
        writeFile(path, "\xEF\xBB\xBFHello.\n\nWorld.\n");
        const QList<QByteArray> docs = readAllDocuments({path});
        QCOMPARE(docs.size(), 2);
        QCOMPARE(docs[0], QByteArray("Hello."));
    }

    void readerWithoutSeparatorSplitsParagraphs()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("book.txt"));
        writeFile(path, "First paragraph,\nstill first.\n\n\nSecond.\n   \nThird.\n");
        const QList<QByteArray> docs = readAllDocuments({path});
        QCOMPARE(docs.size(), 3);
        QCOMPARE(docs[0], QByteArray("First paragraph,\nstill first."));
        QCOMPARE(docs[2], QByteArray("Third."));
    }

    void readerReadsJsonLinesAndFolders()
    {
        QTemporaryDir dir;
        writeFile(dir.filePath(QStringLiteral("c/b.jsonl")), "{\"text\": \"From JSON \\u00e9\"}\n\n{\"text\": \"Two\", \"id\": 2}\n");
        writeFile(dir.filePath(QStringLiteral("c/a/one.txt")), "A text file.\n");
        writeFile(dir.filePath(QStringLiteral("c/ignored.bin")), QByteArray("\0\1\2", 3));
        writeFile(dir.filePath(QStringLiteral("c/.hidden.txt")), "hidden\n");
        CorpusReader reader({dir.filePath(QStringLiteral("c"))});
        QCOMPARE(reader.files().size(), 2); // sorted: a/one.txt, b.jsonl
        QVERIFY(reader.files().at(0).endsWith(QLatin1String("a/one.txt")));
        QByteArray doc;
        QList<QByteArray> docs;
        while (reader.next(&doc))
            docs.append(doc);
        QCOMPARE(docs.size(), 3);
        QCOMPARE(docs[0], QByteArray("A text file."));
        QCOMPARE(QString::fromUtf8(docs[1]), QStringLiteral("From JSON é"));
        QCOMPARE(reader.documentsRead(), qint64(3));
        QCOMPARE(reader.bytesRead(), reader.totalBytes());
        QCOMPARE(reader.sha256Hex().size(), 64);
        const QByteArray firstHash = reader.sha256Hex();
        reader.rewind();
        while (reader.next(&doc)) {
        }
        QCOMPARE(reader.sha256Hex(), firstHash);
    }

    void readerErrorsNameTheFile_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("problem");
        QTest::newRow("empty") << "empty.txt" << QByteArray() << "empty";
        QTest::newRow("blank") << "blank.txt" << QByteArray("\n \n<|endoftext|>\n") << "no text";
        QTest::newRow("nul") << "data.txt" << QByteArray("abc\0def", 7) << "binary";
        QTest::newRow("latin1") << "old.txt" << QByteArray("caf\xe9 au lait\n") << "binary";
        QTest::newRow("bad json") << "x.jsonl" << QByteArray("{\"text\": \"ok\"}\n{oops\n") << "x.jsonl:2";
        QTest::newRow("no text field") << "y.jsonl" << QByteArray("{\"body\": \"no\"}\n") << "\"text\"";
    }
    void readerErrorsNameTheFile()
    {
        QFETCH(QString, name);
        QFETCH(QByteArray, content);
        QFETCH(QString, problem);
        QTemporaryDir dir;
        const QString path = dir.filePath(name);
        writeFile(path, content);
        expectInputError([&] { readAllDocuments({path}); }, problem);
        expectInputError([&] { readAllDocuments({path}); }, name);
    }

    void readerRejectsMissingInputs()
    {
        expectInputError([] { CorpusReader r({QStringLiteral("/no/such/corpus.txt")}); }, QStringLiteral("/no/such/corpus.txt"));
        QTemporaryDir dir;
        expectInputError([&] { CorpusReader r({dir.path()}); }, QStringLiteral("no .txt"));
    }

    void vocabularyDecodes()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("vocab.txt"));
        // 0 unk, 1 eos, 2 newline, 3 "▁Hi", 4 "!", 5 <0xC3>, 6 <0xA9>, 7 "▁there"
        writeFile(path, "<unk>\n</s>\n<0x0A>\n\xE2\x96\x81Hi\n!\n<0xC3>\n<0xA9>\n\xE2\x96\x81there\n");
        const Vocabulary v = Vocabulary::load(path, 0, 1);
        QCOMPARE(v.size(), qint64(8));
        const std::vector<std::uint32_t> ids{3, 7, 4, 2, 5, 6, 1, 3, 0};
        QCOMPARE(v.decode(ids.data(), qint64(ids.size())), QStringLiteral("Hi there!\né<|endoftext|>Hi⁇"));
        const std::uint32_t bad = 8;
        expectInputError([&] { v.decode(&bad, 1); }, QStringLiteral("outside the vocabulary"));
    }

    void metaIsValidated_data()
    {
        QTest::addColumn<QString>("key");
        QTest::addColumn<QJsonValue>("value");
        QTest::newRow("valid") << QString() << QJsonValue();
        QTest::newRow("dtype") << "dtype" << QJsonValue(QStringLiteral("int8"));
        QTest::newRow("vocab too big for uint16") << "vocab_size" << QJsonValue(70000);
        QTest::newRow("negative tokens") << "train_tokens" << QJsonValue(-5);
        QTest::newRow("fraction") << "val_fraction" << QJsonValue(1.5);
        QTest::newRow("tokenizer") << "tokenizer" << QJsonValue(QStringLiteral("wordpiece"));
        QTest::newRow("missing settings") << "settings" << QJsonValue(QJsonValue::Undefined);
        QTest::newRow("newer schema") << "schema_version" << QJsonValue(99);
    }
    void metaIsValidated()
    {
        QFETCH(QString, key);
        QFETCH(QJsonValue, value);
        QJsonObject meta = validMeta();
        if (!key.isEmpty()) {
            if (value.isUndefined())
                meta.remove(key);
            else
                meta.insert(key, value);
        }
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("meta.json"));
        writeFile(path, QJsonDocument(meta).toJson());
        if (key.isEmpty()) {
            const DataMeta m = readDataMeta(path);
            QCOMPARE(m.vocabSize, qint64(512));
            QCOMPARE(m.eosId, qint64(1));
            QCOMPARE(m.dtype, TokenDType::UInt16);
            return;
        }
        expectInputError([&] { readDataMeta(path); }, QStringLiteral("meta.json"));
    }

    void corruptMetaFileIsAnInputError()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("meta.json"));
        writeFile(path, "{\"schema_version\": 1, \"dtype\": ");
        expectInputError([&] { readDataMeta(path); }, QStringLiteral("meta.json"));
    }
};

QTEST_GUILESS_MAIN(TestData)
#include "tst_data.moc"
