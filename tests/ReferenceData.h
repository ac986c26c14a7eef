#pragma once
#include <QFile>
#include <QString>
#include <QStringList>
#include <QVector>

#include <algorithm>

namespace flopsfit::test {

struct ChinchillaPoint {
    double params = 0, flops = 0, loss = 0;
};

// Reads the Besiroglu et al. 2024 extraction of the Chinchilla runs (columns `Model Size`,
// `Training FLOP`, `loss`). Returns an empty vector when the file is absent.
inline QVector<ChinchillaPoint> readChinchillaCsv(const QString &path)
{
    QVector<ChinchillaPoint> out;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly | QIODevice::Text))
        return out;
    const QStringList header = QString::fromUtf8(f.readLine()).trimmed().split(QLatin1Char(','));
    const int n = int(header.indexOf(QStringLiteral("Model Size")));
    const int c = int(header.indexOf(QStringLiteral("Training FLOP")));
    const int l = int(header.indexOf(QStringLiteral("loss")));
    if (n < 0 || c < 0 || l < 0)
        return out;
    while (!f.atEnd()) {
        const QStringList cells = QString::fromUtf8(f.readLine()).trimmed().split(QLatin1Char(','));
        if (cells.size() <= std::max({n, c, l}))
            continue;
        out.append({cells[n].toDouble(), cells[c].toDouble(), cells[l].toDouble()});
    }
    return out;
}

// The 240 points of the published refit: the 5 highest losses dropped.
inline QVector<ChinchillaPoint> dropHighestLosses(QVector<ChinchillaPoint> points, int count)
{
    std::sort(points.begin(), points.end(), [](const ChinchillaPoint &a, const ChinchillaPoint &b) { return a.loss < b.loss; });
    points.resize(std::max(0, int(points.size()) - count));
    return points;
}

} // namespace flopsfit::test
