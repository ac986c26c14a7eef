#include "store/StudyFiles.h"
#include "util/Error.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace flopsfit;

class TestStore : public QObject {
    Q_OBJECT

private:
    static void writeRaw(const QString &path, const QByteArray &bytes)
    {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(bytes);
    }

private Q_SLOTS:
    void tornLastLineIsIgnoredAndReported()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("results.jsonl"));
        writeRaw(path, "{\"id\":\"a\"}\n{\"id\":\"b\"}\n{\"id\":\"c\",\"lo");
        const JsonLines lines = readJsonLines(path);
        QCOMPARE(lines.records.size(), 2);
        QCOMPARE(lines.records[1].value(QStringLiteral("id")).toString(), QStringLiteral("b"));
        QCOMPARE(lines.warnings.size(), 1);
        QVERIFY(lines.warnings[0].contains(path + QStringLiteral(":3")));
    }

    void corruptMiddleLineIsAnError()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("results.jsonl"));
        writeRaw(path, "{\"id\":\"a\"}\nnot json\n{\"id\":\"c\"}\n");
        try {
            readJsonLines(path);
            QFAIL("expected an InputError");
        } catch (const InputError &e) {
            QVERIFY2(e.message().startsWith(path + QStringLiteral(":2:")), qPrintable(e.message()));
        }
    }

    void appendAfterTornLineStartsAFreshLine()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("results.jsonl"));
        writeRaw(path, "{\"id\":\"a\"}\n{\"id\":\"b\",\"lo");
        appendJsonLine(path, QJsonObject{{QStringLiteral("id"), QStringLiteral("c")}});
        const JsonLines lines = readJsonLines(path);
        QCOMPARE(lines.warnings.size(), 0);
        QCOMPARE(lines.records.size(), 2);
        QCOMPARE(lines.records[1].value(QStringLiteral("id")).toString(), QStringLiteral("c"));
    }

    void missingFileReadsEmpty()
    {
        QTemporaryDir dir;
        const JsonLines lines = readJsonLines(dir.filePath(QStringLiteral("none.jsonl")));
        QVERIFY(lines.records.isEmpty());
        QVERIFY(lines.warnings.isEmpty());
    }

    void atomicWriteReplacesWholeFileAndLeavesNoTemporaries()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("sub/analysis.json"));
        writeFileAtomically(path, QByteArray(10000, 'x'));
        writeFileAtomically(path, "{\"ok\":true}\n");
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), QByteArray("{\"ok\":true}\n"));
        QCOMPARE(QDir(dir.filePath(QStringLiteral("sub"))).entryList(QDir::Files), QStringList{QStringLiteral("analysis.json")});
    }

    void failedAtomicWriteKeepsTheOldFile()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("plan.json"));
        writeFileAtomically(path, "old");
        // A folder in the way of the temporary file's rename target makes the write fail.
        const QString blocked = dir.filePath(QStringLiteral("blocked"));
        QVERIFY(QDir().mkpath(blocked + QStringLiteral("/x")));
        QVERIFY_THROWS_EXCEPTION(InputError, writeFileAtomically(blocked, "new"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), QByteArray("old"));
        QVERIFY(QFileInfo(blocked).isDir());
    }
};

QTEST_GUILESS_MAIN(TestStore)
#include "tst_store.moc"
