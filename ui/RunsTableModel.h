#pragma once
#include "plan/SweepPlan.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QVector>

#include <cmath>

namespace flopsfit::ui {

// What the dashboard knows about one run of the opened study.
struct RunRow {
    enum class State {
        Pending,   // never trained
        Queued,    // waiting for a free slot in this app
        Running,   // training in this app
        Elsewhere, // training in another process (a cluster task): runs/<id>/running.json
        Paused,    // stopped with a checkpoint: resumes from it
        Stopped,   // stopped without a checkpoint: starts over
        Done,
        Diverged,
        Failed,
    };
    RunSpec spec;
    State state = State::Pending;
    qint64 step = 0;
    double loss = std::nan("");           // latest training loss, or the final loss when done
    double tokensPerSecond = std::nan("");
    double etaSeconds = std::nan("");
    QString detail;                       // where it trains, or why it failed

    bool finished() const { return state == State::Done || state == State::Diverged || state == State::Failed; }
    double progress() const;              // 0..1
};

QString runRowStateName(RunRow::State state);

class RunsTableModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column { Run, Budget, Params, Tokens, Status, Progress, Step, Loss, TokensPerSecond, Eta, ColumnCount };
    static constexpr int ProgressRole = Qt::UserRole + 1; // the fraction done, 0..1

    explicit RunsTableModel(QObject *parent = nullptr);

    void setRuns(const QVector<RunSpec> &runs);
    int rowOf(const QString &id) const { return m_rowOf.value(id, -1); }
    const RunRow &run(int row) const { return m_rows[row]; }
    const QVector<RunRow> &runs() const { return m_rows; }
    // Replaces a row and repaints it.
    void updateRun(int row, const RunRow &value);
    int count(RunRow::State state) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QVector<RunRow> m_rows;
    QHash<QString, int> m_rowOf;
};

QString formatDuration(double seconds);

} // namespace flopsfit::ui
