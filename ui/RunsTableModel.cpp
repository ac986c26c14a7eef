#include "RunsTableModel.h"

#include <QColor>
#include <QGuiApplication>
#include <QPalette>

#include <algorithm>

namespace flopsfit::ui {

double RunRow::progress() const
{
    if (state == State::Done || state == State::Diverged)
        return 1.0;
    if (spec.steps <= 0)
        return 0;
    return std::clamp(double(step) / double(spec.steps), 0.0, 1.0);
}

QString runRowStateName(RunRow::State state)
{
    switch (state) {
    case RunRow::State::Pending: return QStringLiteral("pending");
    case RunRow::State::Queued: return QStringLiteral("queued");
    case RunRow::State::Running: return QStringLiteral("running");
    case RunRow::State::Elsewhere: return QStringLiteral("running elsewhere");
    case RunRow::State::Paused: return QStringLiteral("paused");
    case RunRow::State::Stopped: return QStringLiteral("stopped");
    case RunRow::State::Done: return QStringLiteral("done");
    case RunRow::State::Diverged: return QStringLiteral("diverged");
    case RunRow::State::Failed: return QStringLiteral("failed");
    }
    return {};
}

QString formatDuration(double seconds)
{
    if (!std::isfinite(seconds) || seconds < 0)
        return {};
    const qint64 s = qint64(std::llround(seconds));
    if (s < 60)
        return QStringLiteral("%1 s").arg(s);
    if (s < 3600)
        return QStringLiteral("%1 min %2 s").arg(s / 60).arg(s % 60);
    return QStringLiteral("%1 h %2 min").arg(s / 3600).arg((s % 3600) / 60);
}

static QString sci(double v)
{
    return QString::number(v, 'g', 3);
}

RunsTableModel::RunsTableModel(QObject *parent) : QAbstractTableModel(parent) {}

void RunsTableModel::setRuns(const QVector<RunSpec> &runs)
{
    beginResetModel();
    m_rows.clear();
    m_rowOf.clear();
    for (const RunSpec &spec : runs) {
        RunRow row;
        row.spec = spec;
        m_rowOf.insert(spec.id, m_rows.size());
        m_rows.append(row);
    }
    endResetModel();
}

void RunsTableModel::updateRun(int row, const RunRow &value)
{
    m_rows[row] = value;
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

int RunsTableModel::count(RunRow::State state) const
{
    return int(std::count_if(m_rows.begin(), m_rows.end(), [state](const RunRow &r) { return r.state == state; }));
}

int RunsTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int RunsTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RunsTableModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const RunRow &r = m_rows[index.row()];
    if (role == ProgressRole)
        return r.progress();
    if (role == Qt::ToolTipRole)
        return r.detail.isEmpty() ? QVariant() : QVariant(r.detail);
    if (role == Qt::TextAlignmentRole && index.column() != Run && index.column() != Status)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ForegroundRole && index.column() == Status && r.state == RunRow::State::Failed)
        return QColor(Qt::red);
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case Run: return r.spec.id;
    case Budget: return sci(r.spec.budget);
    case Params: return sci(r.spec.params);
    case Tokens: return sci(r.spec.tokens);
    case Status: return runRowStateName(r.state);
    case Progress: return QStringLiteral("%1%").arg(int(std::floor(r.progress() * 100)));
    case Step: return r.step > 0 ? QStringLiteral("%1 / %2").arg(r.step).arg(r.spec.steps) : QString();
    case Loss: return std::isfinite(r.loss) ? QString::number(r.loss, 'f', 4) : QString();
    case TokensPerSecond: // the latest rate while training, the average once done
        return std::isfinite(r.tokensPerSecond) && (r.state == RunRow::State::Running ||
                                                    r.state == RunRow::State::Elsewhere || r.state == RunRow::State::Done)
                   ? sci(r.tokensPerSecond)
                   : QString();
    case Eta:
        return r.state == RunRow::State::Running || r.state == RunRow::State::Elsewhere ? formatDuration(r.etaSeconds)
                                                                                        : QString();
    }
    return {};
}

QVariant RunsTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Run: return QStringLiteral("Run");
    case Budget: return QStringLiteral("C (FLOPs)");
    case Params: return QStringLiteral("N");
    case Tokens: return QStringLiteral("D");
    case Status: return QStringLiteral("Status");
    case Progress: return QStringLiteral("Progress");
    case Step: return QStringLiteral("Step");
    case Loss: return QStringLiteral("Loss");
    case TokensPerSecond: return QStringLiteral("Tokens/s");
    case Eta: return QStringLiteral("ETA");
    }
    return {};
}

} // namespace flopsfit::ui
