#include "train/RunMetrics.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>

namespace flopsfit {

namespace {
constexpr qint64 kSealBytes = 64;

double number(const QJsonObject &o, const QString &key)
{
    const QJsonValue v = o.value(key);
    return v.isDouble() ? v.toDouble() : std::nan("");
}
} // namespace

bool parseMetricLine(const QByteArray &line, MetricPoint *point)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(line, &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject())
        return false;
    const QJsonObject o = doc.object();
    MetricPoint p;
    p.step = number(o, QStringLiteral("step"));
    p.tokens = number(o, QStringLiteral("tokens"));
    p.flops = number(o, QStringLiteral("flops"));
    p.loss = number(o, QStringLiteral("loss"));
    p.valLoss = number(o, QStringLiteral("val_loss"));
    p.lr = number(o, QStringLiteral("lr"));
    p.wallSeconds = number(o, QStringLiteral("wall_seconds"));
    p.tokensPerSecond = number(o, QStringLiteral("tok_s"));
    *point = p;
    return true;
}

RunMetricsReader::RunMetricsReader(QString path) : m_path(std::move(path)) {}

void RunMetricsReader::reset()
{
    m_offset = 0;
    m_lines = 0;
    m_seal.clear();
}

RunMetricsReader::Chunk RunMetricsReader::readNew(qint64 maxBytes)
{
    Chunk chunk;
    QFile file(m_path);
    if (!file.open(QIODevice::ReadOnly)) {
        chunk.restarted = m_offset > 0;
        reset();
        return chunk;
    }
    const qint64 size = file.size();
    bool restart = size < m_offset;
    if (!restart && m_offset > 0) {
        // The bytes just before the offset must be those read last time, or the file was
        // rewritten (a fresh attempt of the run) and everything is read again.
        file.seek(m_offset - m_seal.size());
        restart = file.read(m_seal.size()) != m_seal;
    }
    if (restart) {
        chunk.restarted = true;
        reset();
    }
    if (size == m_offset)
        return chunk;
    file.seek(m_offset);
    qint64 want = size - m_offset;
    if (maxBytes >= 0 && want > maxBytes) {
        want = maxBytes;
        chunk.more = true;
    }
    QByteArray tail = file.read(want);
    qsizetype lastNewline = tail.lastIndexOf('\n');
    while (lastNewline < 0 && tail.size() < size - m_offset) {
        // A line longer than maxBytes: read on to its end.
        tail += file.read(std::min<qint64>(4096, size - m_offset - tail.size()));
        lastNewline = tail.indexOf('\n');
    }
    chunk.more = chunk.more && m_offset + lastNewline + 1 < size;
    if (lastNewline < 0)
        return chunk; // only a partial line so far
    qsizetype start = 0;
    while (start <= lastNewline) {
        const qsizetype end = tail.indexOf('\n', start);
        const QByteArray line = tail.mid(start, end - start).trimmed();
        ++m_lines;
        if (!line.isEmpty()) {
            MetricPoint p;
            if (parseMetricLine(line, &p))
                chunk.points.append(p);
            else
                chunk.warnings.append(QStringLiteral("%1:%2: skipping a line that is not a JSON object")
                                          .arg(m_path)
                                          .arg(m_lines));
        }
        start = end + 1;
    }
    m_offset += lastNewline + 1;
    const qint64 sealBytes = std::min<qint64>(kSealBytes, m_offset);
    if (sealBytes <= lastNewline + 1) {
        m_seal = tail.mid(lastNewline + 1 - sealBytes, sealBytes);
    } else {
        file.seek(m_offset - sealBytes);
        m_seal = file.read(sealBytes);
    }
    return chunk;
}

} // namespace flopsfit
