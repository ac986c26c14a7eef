#include "store/StudyFiles.h"

#include "util/Error.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QLockFile>
#include <QMutex>
#include <QMutexLocker>
#include <QSaveFile>

#include <algorithm>
#include <optional>

namespace flopsfit {

StudyPaths::StudyPaths(QString root) : m_root(std::move(root)) {}

QString StudyPaths::sweep() const { return m_root + QStringLiteral("/sweep.json"); }
QString StudyPaths::results() const { return m_root + QStringLiteral("/results.jsonl"); }
QString StudyPaths::analysis() const { return m_root + QStringLiteral("/analysis.json"); }
QString StudyPaths::dataDir() const { return m_root + QStringLiteral("/data"); }
QString StudyPaths::dataMeta() const { return dataDir() + QStringLiteral("/meta.json"); }
QString StudyPaths::trainShard() const { return dataDir() + QStringLiteral("/train.bin"); }
QString StudyPaths::valShard() const { return dataDir() + QStringLiteral("/val.bin"); }
QString StudyPaths::figuresDir() const { return m_root + QStringLiteral("/figures"); }
QString StudyPaths::runDir(const QString &runId) const
{
    return m_root + QStringLiteral("/runs/") + runId;
}
QString StudyPaths::metrics(const QString &runId) const
{
    return runDir(runId) + QStringLiteral("/metrics.jsonl");
}
QString StudyPaths::runResult(const QString &runId) const
{
    return runDir(runId) + QStringLiteral("/result.json");
}
QString StudyPaths::runMarker(const QString &runId) const
{
    return runDir(runId) + QStringLiteral("/running.json");
}
QString StudyPaths::runsDir() const
{
    return m_root + QStringLiteral("/runs");
}
QString StudyPaths::checkpoint(const QString &runId) const
{
    return runDir(runId) + QStringLiteral("/ckpt.pt");
}

static void ensureParent(const QString &path)
{
    const QString dir = QFileInfo(path).absolutePath();
    if (!QDir().mkpath(dir))
        throw InputError(QStringLiteral("%1: cannot create folder").arg(dir));
}

void writeFileAtomically(const QString &path, const QByteArray &bytes)
{
    ensureParent(path);
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        throw InputError(QStringLiteral("%1: cannot write: %2").arg(path, file.errorString()));
    if (file.write(bytes) != bytes.size() || !file.commit())
        throw InputError(QStringLiteral("%1: cannot write: %2").arg(path, file.errorString()));
}

void writeJsonAtomically(const QString &path, const QJsonObject &object)
{
    writeFileAtomically(path, QJsonDocument(object).toJson(QJsonDocument::Indented));
}

// A line cut off by a crash has no newline: drop that fragment (readJsonLines reports and
// ignores it) so the next record starts on a line of its own.
static void dropTornTail(QFile &file)
{
    const qint64 size = file.size();
    if (size == 0)
        return;
    qint64 pos = size;
    const qint64 chunk = 4096;
    while (pos > 0) {
        const qint64 start = std::max<qint64>(0, pos - chunk);
        file.seek(start);
        const QByteArray block = file.read(pos - start);
        const qsizetype newline = block.lastIndexOf('\n');
        if (newline >= 0) {
            const qint64 keep = start + newline + 1;
            if (keep != size) {
                qWarning("%s: dropping an incomplete last line before appending",
                         qPrintable(file.fileName()));
                file.resize(keep);
            }
            return;
        }
        pos = start;
    }
    file.resize(0);
}

void appendJsonLine(const QString &path, const QJsonObject &object, Writers writers)
{
    static QMutex mutex;
    QMutexLocker threadLock(&mutex);
    ensureParent(path);
    std::optional<QLockFile> processLock;
    if (writers == Writers::AnyProcess) {
        processLock.emplace(path + QStringLiteral(".lock"));
        processLock->setStaleLockTime(60000);
        if (!processLock->tryLock(120000))
            throw InputError(QStringLiteral("%1: cannot lock for appending (%2.lock held by another process)")
                                 .arg(path, path));
    }
    QFile file(path);
    if (!file.open(QIODevice::ReadWrite | QIODevice::Append))
        throw InputError(QStringLiteral("%1: cannot append: %2").arg(path, file.errorString()));
    dropTornTail(file);
    QByteArray line = QJsonDocument(object).toJson(QJsonDocument::Compact);
    line.append('\n');
    if (file.write(line) != line.size() || !file.flush())
        throw InputError(QStringLiteral("%1: cannot append: %2").arg(path, file.errorString()));
}

JsonLines readJsonLines(const QString &path)
{
    JsonLines out;
    QFile file(path);
    if (!file.exists())
        return out;
    if (!file.open(QIODevice::ReadOnly))
        throw InputError(QStringLiteral("%1: cannot read: %2").arg(path, file.errorString()));
    const QByteArray all = file.readAll();
    const bool endsWithNewline = all.endsWith('\n');
    const QList<QByteArray> lines = all.split('\n');
    // split() yields a trailing empty element when the file ends with a newline.
    const qsizetype count = endsWithNewline ? lines.size() - 1 : lines.size();
    for (qsizetype i = 0; i < count; ++i) {
        const QByteArray line = lines[i].trimmed();
        if (line.isEmpty())
            continue;
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(line, &error);
        const bool ok = error.error == QJsonParseError::NoError && doc.isObject();
        if (ok) {
            out.records.append(doc.object());
            continue;
        }
        const bool torn = (i == count - 1) && !endsWithNewline;
        if (torn) {
            out.warnings.append(
                QStringLiteral("%1:%2: ignoring an incomplete last line (a write was cut off)")
                    .arg(path)
                    .arg(i + 1));
            continue;
        }
        throw InputError(QStringLiteral("%1:%2: invalid JSON line: %3")
                             .arg(path)
                             .arg(i + 1)
                             .arg(doc.isObject() ? QStringLiteral("not an object")
                                                 : error.errorString()));
    }
    return out;
}

} // namespace flopsfit
