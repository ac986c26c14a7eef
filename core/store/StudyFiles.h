#pragma once
#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <QVector>

#include "util/Json.h"

namespace flopsfit {

// Paths inside a study folder (see DESIGN.md: the pipeline and its files).
class StudyPaths {
public:
    explicit StudyPaths(QString root);

    const QString &root() const { return m_root; }
    QString sweep() const;
    QString results() const;
    QString analysis() const;
    QString dataDir() const;
    QString dataMeta() const;    // data/meta.json
    QString trainShard() const;  // data/train.bin
    QString valShard() const;    // data/val.bin
    QString figuresDir() const;
    QString runDir(const QString &runId) const;
    QString metrics(const QString &runId) const;
    QString checkpoint(const QString &runId) const;
    QString runResult(const QString &runId) const;  // runs/<id>/result.json
    QString runMarker(const QString &runId) const;  // runs/<id>/running.json while it trains
    QString runsDir() const;

private:
    QString m_root;
};

// Replaces `path` atomically (QSaveFile: write to a temporary, then rename), creating parent
// folders. Either the old content or the complete new content is on disk, never a mix.
// Throws InputError when the file cannot be written.
void writeFileAtomically(const QString &path, const QByteArray &bytes);
void writeJsonAtomically(const QString &path, const QJsonObject &object);

// Who else may append to the file at the same time.
enum class Writers {
    ThisProcess, // a run's own log: a mutex is enough
    AnyProcess,  // a study-wide log that cluster tasks share: also a lock file
};

// Appends one compact JSON line and flushes it, so a crash loses at most the line being written.
// A torn last line left by a crash is dropped first. Serialised within the process by a mutex;
// with Writers::AnyProcess also across processes by `<path>.lock` (QLockFile, which works on
// shared file systems). The write goes through O_APPEND.
void appendJsonLine(const QString &path, const QJsonObject &object,
                    Writers writers = Writers::ThisProcess);

struct JsonLines {
    QVector<QJsonObject> records;
    QStringList warnings; // e.g. a torn last line that was ignored
};

// Reads a JSON Lines file. A missing file reads as empty. A last line that is cut off
// (no trailing newline and not valid JSON: a write interrupted by a crash) is ignored and
// reported in `warnings`; any other invalid line throws InputError naming the file and line.
JsonLines readJsonLines(const QString &path);

} // namespace flopsfit
