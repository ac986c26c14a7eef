#pragma once
#include <QByteArray>
#include <QString>
#include <QStringList>
#include <QVector>

#include <cmath>

namespace flopsfit {

// One line of runs/<id>/metrics.jsonl. Fields a line lacks are NaN.
struct MetricPoint {
    double step = std::nan("");
    double tokens = std::nan("");
    double flops = std::nan("");
    double loss = std::nan("");        // training loss at this step
    double valLoss = std::nan("");     // only on lines that evaluated
    double lr = std::nan("");
    double wallSeconds = std::nan(""); // since the run (or its resumed attempt) started
    double tokensPerSecond = std::nan("");
};

// Reads a metrics.jsonl that another thread or process is appending to, a tail at a time: each
// read parses only the complete lines appended since the previous one. A torn last line (a write
// in progress, or one cut off by a crash) is left for the next read. When the file is replaced or
// cut shorter (a run restarted from scratch), the reader starts over and says so.
class RunMetricsReader {
public:
    explicit RunMetricsReader(QString path = {});

    struct Chunk {
        QVector<MetricPoint> points;  // the new points, in file order
        bool restarted = false;       // earlier points are void: the file was rewritten
        bool more = false;            // stopped at maxBytes: more complete lines may follow
        QStringList warnings;         // lines that could not be parsed (skipped)
    };

    // Reads what was appended since the last call, at most about `maxBytes` of it (whole lines;
    // at least one line however long; < 0: everything). A missing file reads as empty (and, when
    // the reader had read something, as restarted).
    Chunk readNew(qint64 maxBytes = -1);
    void reset();

    const QString &path() const { return m_path; }
    qint64 offset() const { return m_offset; }
    qint64 lineCount() const { return m_lines; }

private:
    QString m_path;
    qint64 m_offset = 0;      // bytes consumed: always just after a newline
    qint64 m_lines = 0;       // lines consumed
    QByteArray m_seal;        // the last bytes before m_offset, to notice a rewritten file
};

// Parses one metrics line; false when it is not a JSON object.
bool parseMetricLine(const QByteArray &line, MetricPoint *point);

} // namespace flopsfit
