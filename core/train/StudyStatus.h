#pragma once
#include "plan/SweepPlan.h"

#include <QJsonObject>
#include <QString>
#include <QVector>

namespace flopsfit {

enum class RunState { Pending, Running, Done, Diverged, Failed };
QString runStateName(RunState state);

struct RunStatusRow {
    QString id;
    RunState state = RunState::Pending;
    double loss = 0;        // finished runs
    QString where;          // running runs: host and pid from runs/<id>/running.json
    QString message;        // failed runs
};

struct StudyStatus {
    QVector<RunStatusRow> runs;
    int count(RunState state) const;
    QJsonObject toJson() const;
};

// Reads the plan, the results (log and per-run files) and the running markers of a study.
StudyStatus readStudyStatus(const QString &studyDir);

} // namespace flopsfit
