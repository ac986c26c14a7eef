#include "train/RunMetrics.h"

#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

using namespace flopsfit;

class TestRunMetrics : public QObject {
    Q_OBJECT

private:
    static void append(const QString &path, const QByteArray &bytes)
    {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Append));
        QCOMPARE(f.write(bytes), bytes.size());
    }
    static QByteArray line(int step, double loss)
    {
        return QStringLiteral("{\"step\":%1,\"tokens\":%2,\"flops\":%3,\"loss\":%4,\"wall_seconds\":%5}\n")
            .arg(step)
            .arg(step * 1000)
            .arg(step * 6e9)
            .arg(loss)
            .arg(step * 0.5)
            .toUtf8();
    }

private Q_SLOTS:
    void readsOnlyTheAppendedTail()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("metrics.jsonl"));
        RunMetricsReader reader(path);
        QVERIFY(reader.readNew().points.isEmpty()); // no file yet
        append(path, line(1, 10.0) + line(2, 9.0));
        RunMetricsReader::Chunk c = reader.readNew();
        QCOMPARE(c.points.size(), 2);
        QVERIFY(!c.restarted);
        QCOMPARE(c.points[0].step, 1.0);
        QCOMPARE(c.points[1].loss, 9.0);
        QCOMPARE(c.points[1].tokens, 2000.0);
        QCOMPARE(c.points[1].wallSeconds, 1.0);
        QVERIFY(std::isnan(c.points[1].valLoss));
        const qint64 after = reader.offset();
        QCOMPARE(after, QFileInfo(path).size());

        QVERIFY(reader.readNew().points.isEmpty()); // nothing new
        append(path, line(3, 8.0));
        c = reader.readNew();
        QCOMPARE(c.points.size(), 1);
        QCOMPARE(c.points[0].step, 3.0);
        QCOMPARE(reader.lineCount(), qint64(3));
    }

    void tornLastLineWaitsForItsEnd()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("metrics.jsonl"));
        const QByteArray second = line(2, 9.5);
        append(path, line(1, 10.0) + second.left(12));
        RunMetricsReader reader(path);
        RunMetricsReader::Chunk c = reader.readNew();
        QCOMPARE(c.points.size(), 1);
        QVERIFY(c.warnings.isEmpty());
        append(path, second.mid(12));
        c = reader.readNew();
        QCOMPARE(c.points.size(), 1);
        QCOMPARE(c.points[0].step, 2.0);
        QCOMPARE(c.points[0].loss, 9.5);
        QVERIFY(!c.restarted);
    }

    void rewrittenFileStartsOver()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("metrics.jsonl"));
        append(path, line(1, 10.0) + line(2, 9.0));
        RunMetricsReader reader(path);
        QCOMPARE(reader.readNew().points.size(), 2);

        // A fresh attempt replaces the file with one longer than what was read.
        QVERIFY(QFile::remove(path));
        append(path, line(1, 11.0) + line(2, 10.5) + line(3, 10.0));
        RunMetricsReader::Chunk c = reader.readNew();
        QVERIFY(c.restarted);
        QCOMPARE(c.points.size(), 3);
        QCOMPARE(c.points[0].loss, 11.0);

        // Cut shorter.
        QVERIFY(QFile::remove(path));
        append(path, line(1, 12.0));
        c = reader.readNew();
        QVERIFY(c.restarted);
        QCOMPARE(c.points.size(), 1);
        QCOMPARE(c.points[0].loss, 12.0);

        // Removed.
        QVERIFY(QFile::remove(path));
        c = reader.readNew();
        QVERIFY(c.restarted);
        QVERIFY(c.points.isEmpty());
        QCOMPARE(reader.offset(), qint64(0));
    }

    void readsInSlicesOfWholeLines()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("metrics.jsonl"));
        QByteArray all;
        for (int i = 1; i <= 100; ++i)
            all += line(i, 10.0 - i * 0.01);
        append(path, all);
        RunMetricsReader reader(path);
        int total = 0, reads = 0;
        double lastStep = 0;
        for (;;) {
            const RunMetricsReader::Chunk c = reader.readNew(1000);
            ++reads;
            for (const MetricPoint &p : c.points) {
                QCOMPARE(p.step, lastStep + 1); // in order, none lost or repeated
                lastStep = p.step;
            }
            total += c.points.size();
            QVERIFY(c.points.size() * line(1, 9.99).size() <= 1000 + 2 * line(1, 9.99).size());
            if (!c.more)
                break;
        }
        QCOMPARE(total, 100);
        QVERIFY(reads > 5);
        // A line longer than the slice is read whole.
        RunMetricsReader again(path);
        const RunMetricsReader::Chunk c = again.readNew(10);
        QCOMPARE(c.points.size(), 1);
        QVERIFY(c.more);
    }

    void badLinesAreSkippedWithAWarning()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("metrics.jsonl"));
        append(path, line(1, 10.0) + "not json\n" + line(2, 9.0));
        RunMetricsReader reader(path);
        const RunMetricsReader::Chunk c = reader.readNew();
        QCOMPARE(c.points.size(), 2);
        QCOMPARE(c.warnings.size(), 1);
        QVERIFY2(c.warnings[0].contains(QStringLiteral(":2:")), qPrintable(c.warnings[0]));
        QVERIFY(c.warnings[0].contains(path));
    }
};

QTEST_GUILESS_MAIN(TestRunMetrics)
#include "tst_runmetrics.moc"
