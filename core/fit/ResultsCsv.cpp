#include "fit/ResultsCsv.h"

#include "util/Error.h"

#include <QFile>
#include <QHash>

#include <algorithm>
#include <cmath>

namespace flopsfit {

namespace {

// One CSV record: commas separate, double quotes protect commas and "" stands for a quote.
QStringList splitCsvLine(const QString &line)
{
    QStringList cells;
    QString cell;
    bool quoted = false;
    for (int i = 0; i < line.size(); ++i) {
        const QChar ch = line[i];
        if (quoted) {
            if (ch == QLatin1Char('"')) {
                if (i + 1 < line.size() && line[i + 1] == QLatin1Char('"')) {
                    cell += ch;
                    ++i;
                } else {
                    quoted = false;
                }
            } else {
                cell += ch;
            }
        } else if (ch == QLatin1Char('"')) {
            quoted = true;
        } else if (ch == QLatin1Char(',')) {
            cells.append(cell.trimmed());
            cell.clear();
        } else {
            cell += ch;
        }
    }
    cells.append(cell.trimmed());
    return cells;
}

} // namespace

ResultsCsv readResultsCsv(const QString &path, const QString &columns)
{
    QHash<QString, QString> roles;
    QString lastRole;
    for (const QString &item : columns.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const int eq = int(item.indexOf(QLatin1Char('=')));
        if (eq < 0 && !lastRole.isEmpty()) { // a column name with a comma in it
            roles[lastRole] += QLatin1Char(',') + item;
            continue;
        }
        const QString role = item.left(eq).trimmed();
        if (eq <= 0 || item.mid(eq + 1).trimmed().isEmpty())
            throw InputError(QStringLiteral("--columns: '%1' is not ROLE=COLUMN (roles: N, C, D, loss, id)").arg(item));
        if (role != QLatin1String("N") && role != QLatin1String("C") && role != QLatin1String("D") &&
            role != QLatin1String("loss") && role != QLatin1String("id") && role != QLatin1String("weight"))
            throw InputError(QStringLiteral("--columns: unknown role '%1' (roles: N, C, D, loss, id, weight)").arg(role));
        roles.insert(role, item.mid(eq + 1).trimmed());
        lastRole = role;
    }
    if (!roles.contains(QStringLiteral("N")) || !roles.contains(QStringLiteral("loss")) ||
        (!roles.contains(QStringLiteral("C")) && !roles.contains(QStringLiteral("D"))))
        throw InputError(QStringLiteral("--columns must name N, loss and C or D, e.g. N=params,C=flops,loss=loss; got '%1'").arg(columns));

    QFile f(path);
    if (!f.open(QIODevice::ReadOnly | QIODevice::Text))
        throw InputError(QStringLiteral("%1: cannot read: %2").arg(path, f.errorString()));
    const QStringList lines = QString::fromUtf8(f.readAll()).split(QLatin1Char('\n'));
    if (lines.isEmpty() || lines.first().trimmed().isEmpty())
        throw InputError(QStringLiteral("%1: empty file; the first line must name the columns").arg(path));
    QStringList header = splitCsvLine(lines.first().trimmed());
    QHash<QString, int> index;
    for (auto it = roles.begin(); it != roles.end(); ++it) {
        const int i = int(header.indexOf(it.value()));
        if (i < 0)
            throw InputError(QStringLiteral("%1: no column '%2' (for %3); the file has: %4")
                                 .arg(path, it.value(), it.key(), header.join(QStringLiteral(", "))));
        index.insert(it.key(), i);
    }

    ResultsCsv out;
    const auto number = [&](const QStringList &cells, const QString &role, int line, bool *ok) {
        const QString text = cells.value(index.value(role));
        bool parsed = false;
        const double v = text.toDouble(&parsed);
        if (!parsed || !std::isfinite(v) || v <= 0) {
            out.errors.append(QStringLiteral("%1:%2: %3 = '%4' is not a positive finite number; row left out")
                                  .arg(path)
                                  .arg(line)
                                  .arg(role, text));
            *ok = false;
        }
        return v;
    };
    for (int i = 1; i < lines.size(); ++i) {
        const QString line = lines[i].trimmed();
        if (line.isEmpty())
            continue;
        const QStringList cells = splitCsvLine(line);
        bool ok = true;
        FitPoint p;
        p.id = roles.contains(QStringLiteral("id")) ? cells.value(index.value(QStringLiteral("id"))) : QStringLiteral("row%1").arg(i + 1);
        p.params = number(cells, QStringLiteral("N"), i + 1, &ok);
        p.loss = number(cells, QStringLiteral("loss"), i + 1, &ok);
        if (roles.contains(QStringLiteral("C")))
            p.budget = number(cells, QStringLiteral("C"), i + 1, &ok);
        if (roles.contains(QStringLiteral("D")))
            p.tokens = number(cells, QStringLiteral("D"), i + 1, &ok);
        if (roles.contains(QStringLiteral("weight")))
            p.weight = number(cells, QStringLiteral("weight"), i + 1, &ok);
        if (!ok)
            continue;
        if (p.budget <= 0)
            p.budget = 6 * p.params * p.tokens;
        if (p.tokens <= 0)
            p.tokens = p.budget / (6 * p.params);
        out.points.append(p);
    }
    if (out.points.isEmpty())
        throw InputError(QStringLiteral("%1: no usable rows%2").arg(path, out.errors.isEmpty() ? QString() : QStringLiteral(":\n  ") + out.errors.join(QStringLiteral("\n  "))));

    // Group budgets that agree within 5 %.
    QVector<int> order(out.points.size());
    for (int i = 0; i < order.size(); ++i)
        order[i] = i;
    std::sort(order.begin(), order.end(), [&](int a, int b) { return out.points[a].budget < out.points[b].budget; });
    for (int start = 0; start < order.size();) {
        int end = start;
        double logSum = 0;
        while (end < order.size() && out.points[order[end]].budget <= out.points[order[start]].budget * 1.05) {
            logSum += std::log(out.points[order[end]].budget);
            ++end;
        }
        const double budget = std::exp(logSum / (end - start));
        for (int k = start; k < end; ++k)
            out.points[order[k]].budget = budget;
        start = end;
    }
    return out;
}

} // namespace flopsfit
